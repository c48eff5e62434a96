package io.chatrelay.gateway.ws;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chatrelay.broker.BrokerListener;
import io.chatrelay.broker.BrokerState;
import io.chatrelay.broker.StoredFrame;
import io.chatrelay.broker.StreamId;
import io.chatrelay.broker.memory.InMemoryBroker;
import io.chatrelay.gateway.GatewayMetrics;
import io.chatrelay.gateway.config.GatewayConfig;
import io.chatrelay.gateway.protocol.ErrorCode;
import io.chatrelay.gateway.room.PresenceService;
import io.chatrelay.gateway.room.RoomRegistry;
import io.chatrelay.gateway.support.TestGateways;
import io.helidon.common.buffers.BufferData;
import io.helidon.common.socket.SocketContext;
import io.helidon.websocket.WsSession;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Fuzzes the whole per-connection path without a network: {@link Connections#open} (welcome,
 * inbox, lobby), then a sequence of fuzzed text frames through {@link Connections#onText} (rate
 * limit, {@code FrameDecoder}, {@link ChatService}, {@code Rooms}, the in-memory broker and the
 * fan-out), then the session's own writer. Each input gets a fresh gateway core, so a finding
 * reproduces from its input alone.
 *
 * <p>Properties: nothing escapes {@code onText}; every frame the writer sends is one JSON object
 * of a documented type; errors carry documented codes and never {@code internal} (an unexpected
 * exception in the gateway) or {@code broker_unavailable} (the in-memory broker never fails);
 * message ids are valid; the writer drains and closes when asked.
 */
class ChatServiceFuzzTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final GatewayConfig CONFIG = TestGateways.config("gw-fuzz", Map.of("CHAT_MAX_TEXT", "200"));
    private static final GatewayMetrics METRICS = new GatewayMetrics("gw-fuzz");
    private static final int MAX_FRAMES = 48;

    private static final String[] TYPES = {"join", "leave", "send", "history", "typing", "ping", "status", "dance", ""};
    private static final String[] KEYS = {"room", "text", "to", "with", "since", "before", "after", "limit", "ref", "type"};
    private static final String[] NAMES = {"lobby", "r1", "r2", "fuzzer", "bob", "a:b", "x".repeat(64), "x".repeat(65), "*", ""};
    private static final String[] IDS = {"0-0", "1-0", "1-1", "9223372036854775807-9223372036854775807", "-1-0", "1", "abc"};
    private static final Set<String> SERVER_TYPES = Set.of("welcome", "joined", "left", "message", "ack", "history",
            "presence", "typing", "pong", "status", "error");
    private static final Set<String> CODES = Arrays.stream(ErrorCode.values()).map(ErrorCode::wire).collect(Collectors.toSet());

    @FuzzTest(maxDuration = "20s")
    void everyFrameIsAnsweredWithDocumentedFrames(FuzzedDataProvider data) throws Exception {
        InMemoryBroker broker = new InMemoryBroker(100);
        RoomRegistry registry = new RoomRegistry(broker, CONFIG.redis().timeout());
        PresenceService presence = new PresenceService(broker, CONFIG.nodeId(), CONFIG.presence(), CONFIG.redis().timeout());
        broker.start(new BrokerListener() {
            @Override
            public void onFrame(StoredFrame frame) {
                registry.fanOut(frame);
            }

            @Override
            public void onStateChange(BrokerState state) {
            }
        });
        Connections connections = new Connections(CONFIG, broker, registry, presence, METRICS);
        RecordingWs ws = new RecordingWs();
        List<String> sent = new ArrayList<>();
        try {
            ChatSession session = connections.open(ws, new Identity("fuzzer", true));
            check(session != null, "session refused");
            while (data.remainingBytes() > 0 && sent.size() < MAX_FRAMES) {
                String frame = frame(data);
                sent.add(frame);
                connections.onText(session, frame);
            }
            session.outbound().close(1000, "fuzz done", false);
            check(ws.closed.await(5, TimeUnit.SECONDS), "the writer did not drain and close within 5 s");
            connections.close(session, "fuzz done");
            check(connections.sessions().count() == 0, "session still registered after close");
        } finally {
            presence.close();
            broker.close();
        }
        checkFrames(ws.frames(), sent);
    }

    /** One client frame: raw fuzz text, or a JSON object with fuzzed fields of fuzzed types. */
    private static String frame(FuzzedDataProvider data) {
        if (data.consumeInt(0, 3) == 0) {
            return data.consumeString(300);
        }
        ObjectNode n = JSON.createObjectNode();
        n.put("type", data.pickValue(TYPES));
        int fields = data.consumeInt(0, 5);
        for (int i = 0; i < fields; i++) {
            String key = data.pickValue(KEYS);
            switch (data.consumeInt(0, 6)) {
                case 0 -> n.put(key, data.pickValue(NAMES));
                case 1 -> n.put(key, data.consumeString(250));
                case 2 -> n.put(key, data.consumeInt(-2, 120));
                case 3 -> n.putNull(key);
                case 4 -> n.put(key, data.pickValue(IDS));
                case 5 -> n.putArray(key).add(data.consumeString(10));
                default -> n.put(key, data.consumeBoolean());
            }
        }
        return n.toString();
    }

    private static void checkFrames(List<String> frames, List<String> sent) {
        check(!frames.isEmpty(), "nothing written, not even welcome");
        for (int i = 0; i < frames.size(); i++) {
            String raw = frames.get(i);
            JsonNode f = parse(raw, sent);
            String type = f.path("type").textValue();
            check(type != null && SERVER_TYPES.contains(type), "undocumented frame " + raw, sent);
            check(i > 0 || "welcome".equals(type), "first frame is not welcome: " + raw, sent);
            switch (type) {
                case "error" -> {
                    String code = f.path("code").textValue();
                    check(CODES.contains(code), "undocumented error code " + raw, sent);
                    check(!"internal".equals(code), "internal error (an exception escaped the handler): " + raw, sent);
                    check(!"broker_unavailable".equals(code), "broker_unavailable from the in-memory broker: " + raw, sent);
                    check(f.path("message").isTextual(), "error without message " + raw, sent);
                }
                case "message" -> checkMessage(f, sent);
                case "ack" -> check(StreamId.isValid(f.path("id").textValue()), "ack without a valid id " + raw, sent);
                case "joined", "history" -> {
                    check(f.path("messages").isArray(), type + " without messages " + raw, sent);
                    f.path("messages").forEach(m -> checkMessage(m, sent));
                }
                default -> {
                }
            }
        }
    }

    private static void checkMessage(JsonNode m, List<String> sent) {
        check("message".equals(m.path("type").textValue()) && StreamId.isValid(m.path("id").textValue())
                && m.path("from").isTextual() && m.path("text").isTextual() && !m.path("text").textValue().isBlank()
                && m.path("text").textValue().length() <= CONFIG.limits().maxText()
                && (m.path("room").isTextual() || m.path("to").isTextual()), "malformed message " + m, sent);
    }

    private static JsonNode parse(String raw, List<String> sent) {
        try {
            JsonNode node = JSON.readTree(raw);
            check(node != null && node.isObject(), "not a JSON object: " + raw, sent);
            return node;
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + raw + " after " + sent, e);
        }
    }

    private static void check(boolean condition, String what) {
        if (!condition) {
            throw new AssertionError(what);
        }
    }

    private static void check(boolean condition, String what, List<String> sent) {
        if (!condition) {
            throw new AssertionError(what + "\nclient frames: " + sent);
        }
    }

    /** A WebSocket that records what the session's writer sends. */
    private static final class RecordingWs implements WsSession {
        private final List<String> frames = Collections.synchronizedList(new ArrayList<>());
        private final CountDownLatch closed = new CountDownLatch(1);

        List<String> frames() {
            synchronized (frames) {
                return List.copyOf(frames);
            }
        }

        @Override
        public WsSession send(String text, boolean last) {
            frames.add(last ? text : "<a fragment, not a whole frame> " + text);
            return this;
        }

        @Override
        public WsSession send(BufferData bufferData, boolean last) {
            frames.add("<a binary frame>");
            return this;
        }

        @Override
        public WsSession ping(BufferData bufferData) {
            return this;
        }

        @Override
        public WsSession pong(BufferData bufferData) {
            return this;
        }

        @Override
        public WsSession close(int code, String reason) {
            closed.countDown();
            return this;
        }

        @Override
        public WsSession terminate() {
            closed.countDown();
            return this;
        }

        @Override
        public SocketContext socketContext() {
            throw new UnsupportedOperationException("no socket in the fuzz test");
        }
    }
}
