package io.chatrelay.chat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chatrelay.broker.StreamId;
import io.chatrelay.chat.protocol.ErrorCode;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Fuzzes the whole core path without a network: {@link ChatCore#open} (welcome, inbox, lobby),
 * then a sequence of fuzzed text frames through {@link ChatCore#onText} (decoder, joins with
 * recovery, sends, history, typing, direct messages, the in-memory broker and the fan-out),
 * then {@link ChatCore#close}. Each input gets a fresh core, so a finding reproduces from its
 * input alone.
 *
 * <p>Properties: nothing escapes {@code onText}; every frame sent is one JSON object of a
 * documented type, welcome first; errors carry documented codes and never {@code internal} (an
 * unexpected exception) or {@code broker_unavailable} (the in-memory broker never fails);
 * message ids are valid; the session is gone after close.
 */
class ChatCoreFuzzTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_FRAMES = 48;

    private static final String[] TYPES = {"hello", "join", "leave", "send", "history", "typing", "ping", "status", "dance", ""};
    private static final String[] KEYS = {"room", "text", "to", "with", "since", "before", "after", "limit", "ref", "type", "rooms"};
    private static final String[] NAMES = {"lobby", "r1", "r2", "fuzzer", "bob", "a:b", "x".repeat(64), "x".repeat(65), "*", ""};
    private static final String[] IDS = {"0-0", "1-0", "1-1", "9223372036854775807-9223372036854775807", "-1-0", "1", "abc"};
    private static final Set<String> SERVER_TYPES = Set.of("welcome", "joined", "left", "message", "ack", "history",
            "presence", "typing", "pong", "status", "error");
    private static final Set<String> CODES = Arrays.stream(ErrorCode.values()).map(ErrorCode::wire).collect(Collectors.toSet());

    @FuzzTest(maxDuration = "20s")
    void everyFrameIsAnsweredWithDocumentedFrames(FuzzedDataProvider data) {
        ChatSettings settings = TestCore.settings(100, 4096);
        List<String> sent = new ArrayList<>();
        TestCore.Client client;
        try (TestCore chat = new TestCore(settings)) {
            client = chat.connect("fuzzer");
            check(client.admitted(), "session refused");
            while (data.remainingBytes() > 0 && sent.size() < MAX_FRAMES) {
                String frame = frame(data);
                sent.add(frame);
                client.send(chat.core(), frame);
            }
            chat.core().close(client.session());
            check(chat.core().sessions().count() == 0, "session still registered after close");
            check(chat.core().rooms().memberships(client.session()).isEmpty(), "memberships left after close");
        }
        checkFrames(client.out().frames(), sent, settings.limits().maxText());
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
            switch (data.consumeInt(0, 7)) {
                case 0 -> n.put(key, data.pickValue(NAMES));
                case 1 -> n.put(key, data.consumeString(250));
                case 2 -> n.put(key, data.consumeInt(-2, 120));
                case 3 -> n.putNull(key);
                case 4 -> n.put(key, data.pickValue(IDS));
                case 5 -> n.putArray(key).add(data.consumeString(10));
                case 6 -> n.putObject(key).put(data.pickValue(NAMES), data.pickValue(IDS));
                default -> n.put(key, data.consumeBoolean());
            }
        }
        return n.toString();
    }

    private static void checkFrames(List<String> frames, List<String> sent, int maxText) {
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
                case "message" -> checkMessage(f, sent, maxText);
                case "ack" -> check(StreamId.isValid(f.path("id").textValue()), "ack without a valid id " + raw, sent);
                case "joined", "history" -> {
                    check(f.path("messages").isArray(), type + " without messages " + raw, sent);
                    f.path("messages").forEach(m -> checkMessage(m, sent, maxText));
                }
                default -> {
                }
            }
        }
    }

    private static void checkMessage(JsonNode m, List<String> sent, int maxText) {
        check("message".equals(m.path("type").textValue()) && StreamId.isValid(m.path("id").textValue())
                && m.path("from").isTextual() && m.path("text").isTextual() && !m.path("text").textValue().isBlank()
                && m.path("text").textValue().length() <= maxText
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
}
