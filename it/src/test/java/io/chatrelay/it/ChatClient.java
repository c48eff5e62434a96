package io.chatrelay.it;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;

/**
 * A minimal test client for the chat-relay protocol on the JDK's {@link WebSocket}.
 *
 * <p>Every text frame the server sends is parsed and put in a queue; {@link #await} takes the
 * first frame matching a predicate within a bounded time. Frames skipped while waiting for
 * another one are kept (in order) for later calls, so no frame is lost whatever order the
 * test asks for them in.
 */
final class ChatClient implements AutoCloseable {

    static final ObjectMapper JSON = new ObjectMapper();
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
    static final Duration FRAME_TIMEOUT = Duration.ofSeconds(10);

    private static final HttpClient HTTP = HttpClient.newBuilder()
            .connectTimeout(CONNECT_TIMEOUT)
            .build();

    private final URI uri;
    private final BlockingQueue<JsonNode> inbox = new LinkedBlockingQueue<>();
    private final List<JsonNode> skipped = new ArrayList<>();
    private final CompletableFuture<Integer> closed = new CompletableFuture<>();
    private final WebSocket ws;
    private final JsonNode welcome;

    private ChatClient(URI uri) throws Exception {
        this.uri = uri;
        Listener listener = new Listener();
        try {
            this.ws = HTTP.newWebSocketBuilder()
                    .connectTimeout(CONNECT_TIMEOUT)
                    .buildAsync(uri, listener)
                    .get(CONNECT_TIMEOUT.toSeconds() + 5, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new IllegalStateException("WebSocket handshake with " + uri + " failed: " + e.getCause(), e.getCause());
        }
        JsonNode first;
        try {
            first = poll(FRAME_TIMEOUT);
        } catch (RuntimeException e) {
            abort();
            throw e;
        }
        if (first == null || !"welcome".equals(first.path("type").asText())) {
            abort();
            throw new IllegalStateException("first frame from " + uri + " is not a welcome: " + first);
        }
        this.welcome = first;
    }

    /** Opens a connection and reads its {@code welcome} frame (the first frame). */
    static ChatClient connect(URI uri) throws Exception {
        return new ChatClient(uri);
    }

    /** Opens a connection as guest {@code name}, reads its welcome and waits until it joined the lobby. */
    static ChatClient connectToLobby(URI base, String name) throws Exception {
        URI uri = base.resolve("/ws" + (name == null ? "" : "?name=" + name));
        ChatClient client = connect(uri);
        try {
            client.await(f -> "joined".equals(f.path("type").asText()) && "lobby".equals(f.path("room").asText()),
                    FRAME_TIMEOUT);
        } catch (RuntimeException | Error e) {
            client.abort();
            throw e;
        }
        return client;
    }

    /**
     * Connects as guest {@code name} through the load balancer until a connection lands on a
     * gateway not in {@code avoid}; the connections on other gateways stay open meanwhile (so that
     * leastconn moves on) and are closed before this returns. At most {@code attempts} connections.
     */
    static ChatClient connectAvoiding(URI base, String name, Set<String> avoid, int attempts) throws Exception {
        List<ChatClient> extra = new ArrayList<>();
        List<String> seen = new ArrayList<>();
        try {
            for (int i = 0; i < attempts; i++) {
                ChatClient c = connectToLobby(base, name);
                if (!avoid.contains(c.node())) {
                    return c;
                }
                seen.add(c.node());
                extra.add(c);
            }
        } finally {
            extra.forEach(ChatClient::close);
        }
        throw new AssertionError("no connection landed on a gateway other than " + avoid + ": " + seen);
    }

    JsonNode welcome() {
        return welcome;
    }

    /** The id of the gateway this connection landed on ({@code welcome.node}). */
    String node() {
        return welcome.path("node").asText();
    }

    /** The user name the server gave this connection ({@code welcome.user}). */
    String user() {
        return welcome.path("user").asText();
    }

    URI uri() {
        return uri;
    }

    /** Sends a JSON frame. */
    void send(ObjectNode frame) {
        try {
            sendText(JSON.writeValueAsString(frame));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(e);
        }
    }

    /** Sends a text frame as is (plain text is a send to the lobby). */
    void sendText(String text) {
        try {
            ws.sendText(text, true).get(FRAME_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("could not send on " + uri + ": " + e, e);
        }
    }

    /** A {@code send} frame to a room. */
    static ObjectNode sendFrame(String room, String text, String ref) {
        ObjectNode frame = JSON.createObjectNode();
        frame.put("type", "send");
        frame.put("room", room);
        frame.put("text", text);
        if (ref != null) {
            frame.put("ref", ref);
        }
        return frame;
    }

    static ObjectNode frame(String type) {
        return JSON.createObjectNode().put("type", type);
    }

    /** The first frame of the given type, within the default timeout. */
    JsonNode await(String type) {
        return await(f -> type.equals(f.path("type").asText()), FRAME_TIMEOUT);
    }

    /**
     * The first frame (received so far or within {@code timeout}) matching {@code predicate}; it is
     * consumed. Fails with an {@link AssertionError} listing what arrived instead when none did.
     */
    JsonNode await(Predicate<JsonNode> predicate, Duration timeout) {
        synchronized (skipped) {
            for (Iterator<JsonNode> it = skipped.iterator(); it.hasNext(); ) {
                JsonNode f = it.next();
                if (predicate.test(f)) {
                    it.remove();
                    return f;
                }
            }
            long deadline = System.nanoTime() + timeout.toNanos();
            while (true) {
                long left = deadline - System.nanoTime();
                JsonNode f = left <= 0 ? null : poll(Duration.ofNanos(left));
                if (f == null) {
                    throw new AssertionError("no matching frame within " + timeout + " on " + uri
                            + " (node " + (welcome == null ? "?" : node()) + "); closed="
                            + (closed.isDone() ? closed.join() : "no") + "; other frames: " + skipped);
                }
                if (predicate.test(f)) {
                    return f;
                }
                skipped.add(f);
            }
        }
    }

    /** Whether the server closed this connection (or it broke) within {@code timeout}. */
    boolean awaitClosed(Duration timeout) {
        try {
            closed.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (ExecutionException e) {
            return true;
        }
    }

    private JsonNode poll(Duration timeout) {
        try {
            return inbox.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private void abort() {
        if (ws != null) {
            ws.abort();
        }
    }

    @Override
    public void close() {
        if (ws == null || ws.isOutputClosed()) {
            abort();
            return;
        }
        try {
            ws.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(2, TimeUnit.SECONDS);
            closed.get(2, TimeUnit.SECONDS);
        } catch (Exception ignored) {
            // best effort: the connection is aborted below anyway
        } finally {
            abort();
        }
    }

    @Override
    public String toString() {
        return "ChatClient[" + (welcome == null ? uri : user() + "@" + node()) + "]";
    }

    private final class Listener implements WebSocket.Listener {
        private final StringBuilder partial = new StringBuilder();

        @Override
        public void onOpen(WebSocket webSocket) {
            webSocket.request(1);
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                String text = partial.toString();
                partial.setLength(0);
                try {
                    inbox.add(JSON.readTree(text));
                } catch (JsonProcessingException e) {
                    inbox.add(JSON.createObjectNode().put("type", "<not json>").put("raw", text));
                }
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
            inbox.add(JSON.createObjectNode().put("type", "<binary>").put("bytes", data.remaining()));
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
            closed.completeExceptionally(error);
        }
    }
}
