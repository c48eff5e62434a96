package io.chatrelay.gateway.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/** A test WebSocket client on the JDK's HttpClient: collects text frames as JSON, waits bounded. */
public final class WsClient implements AutoCloseable {
    public static final Duration WAIT = Duration.ofSeconds(10);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private final LinkedBlockingQueue<JsonNode> frames = new LinkedBlockingQueue<>();
    private final List<JsonNode> skipped = new ArrayList<>();
    private final List<JsonNode> seen = java.util.Collections.synchronizedList(new ArrayList<>());
    private final CompletableFuture<Integer> closed = new CompletableFuture<>();
    private final WebSocket ws;
    private final JsonNode welcome;

    private WsClient(URI uri, String origin) throws Exception {
        var builder = HTTP.newWebSocketBuilder().connectTimeout(WAIT);
        if (origin != null) {
            builder.header("Origin", origin);
        }
        ws = builder.buildAsync(uri, new Listener()).get(WAIT.toSeconds(), TimeUnit.SECONDS);
        welcome = next("welcome");
    }

    public static WsClient connect(int port, String name) throws Exception {
        return connect(URI.create("ws://127.0.0.1:" + port + "/ws" + (name == null ? "" : "?name=" + name)));
    }

    public static WsClient connect(URI uri) throws Exception {
        return new WsClient(uri, null);
    }

    public static WsClient connect(URI uri, String origin) throws Exception {
        return new WsClient(uri, origin);
    }

    public JsonNode welcome() {
        return welcome;
    }

    public String user() {
        return welcome.get("user").asText();
    }

    public String node() {
        return welcome.get("node").asText();
    }

    public void sendText(String text) {
        ws.sendText(text, true).join();
    }

    public void sendBinary(byte[] data) {
        ws.sendBinary(ByteBuffer.wrap(data), true).join();
    }

    public void send(Object... keyValues) {
        ObjectNode node = JSON.createObjectNode();
        for (int i = 0; i < keyValues.length; i += 2) {
            node.set((String) keyValues[i], JSON.valueToTree(keyValues[i + 1]));
        }
        sendText(node.toString());
    }

    public JsonNode join(String room) {
        send("type", "join", "room", room);
        return next(f -> "joined".equals(f.path("type").asText()) && room.equals(f.path("room").asText()));
    }

    public JsonNode next(String type) {
        return next(f -> type.equals(f.path("type").asText()));
    }

    /**
     * The first frame matching that no earlier call returned; frames passed over stay available
     * to later calls, in order. Fails after {@link #WAIT}.
     */
    public JsonNode next(Predicate<JsonNode> match) {
        return next(match, WAIT);
    }

    public JsonNode next(Predicate<JsonNode> match, Duration wait) {
        for (var it = skipped.iterator(); it.hasNext(); ) {
            JsonNode f = it.next();
            if (match.test(f)) {
                it.remove();
                return f;
            }
        }
        long deadline = System.nanoTime() + wait.toNanos();
        try {
            while (true) {
                long left = deadline - System.nanoTime();
                JsonNode f = left > 0 ? frames.poll(left, TimeUnit.NANOSECONDS) : null;
                if (f == null) {
                    throw new AssertionError("no matching frame within " + wait + "; seen: " + seen);
                }
                if (match.test(f)) {
                    return f;
                }
                skipped.add(f);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /** Frames received so far and not yet consumed, without waiting. */
    public List<JsonNode> drain() {
        List<JsonNode> out = new ArrayList<>(skipped);
        skipped.clear();
        frames.drainTo(out);
        return out;
    }

    /** Every frame received since the connection opened. */
    public List<JsonNode> seen() {
        synchronized (seen) {
            return List.copyOf(seen);
        }
    }

    public CompletableFuture<Integer> closed() {
        return closed;
    }

    public boolean isOpen() {
        return !ws.isOutputClosed() && !closed.isDone();
    }

    @Override
    public void close() {
        if (!ws.isOutputClosed()) {
            ws.sendClose(WebSocket.NORMAL_CLOSURE, "bye").exceptionally(e -> null);
        }
        ws.abort();
    }

    private final class Listener implements WebSocket.Listener {
        private final StringBuilder text = new StringBuilder();

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            text.append(data);
            if (last) {
                try {
                    JsonNode node = JSON.readTree(text.toString());
                    seen.add(node);
                    frames.add(node);
                } catch (Exception e) {
                    frames.add(JSON.createObjectNode().put("type", "_unparseable").put("raw", text.toString()));
                }
                text.setLength(0);
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            closed.complete(statusCode);
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            closed.complete(-1);
        }
    }
}
