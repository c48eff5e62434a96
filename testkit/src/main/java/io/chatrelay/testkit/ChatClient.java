package io.chatrelay.testkit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * The chat-relay WebSocket test client, on the JDK's {@link WebSocket}: protocol 1 (credentials in
 * the URL) and protocol 2 (sub-protocol {@code chatrelay.v2}, then a {@code hello} frame).
 *
 * <p>Every text frame the server sends is parsed (a frame that is not JSON becomes
 * {@code {"type":"<not json>","raw":...}}, a binary one {@code {"type":"<binary>","bytes":n}}) and
 * queued. {@link #next(Predicate)} takes the first queued frame that matches, waiting a bounded
 * time; frames passed over stay available to later calls, in order, so no frame is lost whatever
 * order a test asks for them in. {@link #seen()} keeps every frame since the connection opened.
 * A {@link ChatClientBuilder#onFrame frame observer} sees each frame first, on the WebSocket's thread, which
 * is how {@link ResilientClient} records what it receives without a listener of its own.
 *
 * <p>Sends are serialized (one at a time on the socket) and bounded; any thread may send.
 */
public final class ChatClient implements AutoCloseable {
    /** The default bound of every wait: connecting, sending, a frame to arrive. */
    public static final Duration WAIT = Duration.ofSeconds(10);
    /** The sub-protocol that selects protocol 2. */
    public static final String SUBPROTOCOL_V2 = "chatrelay.v2";

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(WAIT).build();

    private final URI uri;
    private final Duration wait;
    private final Consumer<JsonNode> observer;
    private final FrameQueue frames = new FrameQueue(this::state);
    private final ReentrantLock writing = new ReentrantLock();
    private final CompletableFuture<Integer> closed = new CompletableFuture<>();
    private volatile String closeReason;
    private WebSocket ws;
    private JsonNode welcome;

    ChatClient(ChatClientBuilder b) {
        this.uri = b.uri;
        this.wait = b.wait;
        this.observer = b.observer;
    }

    // ------------------------------------------------------------------ connecting

    /**
     * Options for a connection to a full {@code ws://} URI.
     *
     * @param uri the WebSocket URI
     * @return the builder
     */
    public static ChatClientBuilder to(URI uri) {
        return new ChatClientBuilder(uri);
    }

    /**
     * Connects (protocol 1) and reads the {@code welcome}.
     *
     * @param uri the WebSocket URI, credentials in its query
     * @return the client
     */
    public static ChatClient connect(URI uri) {
        return to(uri).connect();
    }

    /**
     * Connects to a gateway on this machine (protocol 1) as a guest and reads the {@code welcome}.
     * The guest's id is the server's ({@link #user()}); the name is only its display name.
     *
     * @param port the gateway's port
     * @param name the name the guest picks, or {@code null} for a generated one
     * @return the client
     */
    public static ChatClient connect(int port, String name) {
        return connect(local(port, name));
    }

    /**
     * {@code ws://127.0.0.1:<port>/ws}, with {@code ?name=} unless {@code name} is {@code null}.
     *
     * @param port the gateway's port
     * @param name the guest name, or {@code null}
     * @return the URI
     */
    public static URI local(int port, String name) {
        return URI.create("ws://127.0.0.1:" + port + "/ws" + (name == null ? "" : "?name=" + name));
    }

    /**
     * {@code ws://127.0.0.1:<port>/ws?token=<token>}: a connection token, or a guest's
     * {@link #guestToken()} to come back as the same guest.
     *
     * @param port  the gateway's port
     * @param token the token
     * @return the URI
     */
    public static URI localToken(int port, String token) {
        return URI.create("ws://127.0.0.1:" + port + "/ws?token=" + token);
    }

    /**
     * Connects (protocol 1) to a gateway on this machine with a token ({@code ?token=}) and reads
     * the {@code welcome}.
     *
     * @param port  the gateway's port
     * @param token a connection token, or a guest token
     * @return the client
     */
    public static ChatClient connectWithToken(int port, String token) {
        return connect(localToken(port, token));
    }

    /**
     * Connects as guest {@code name} to {@code base}'s {@code /ws} (protocol 1) and waits until it
     * joined the lobby.
     *
     * @param base e.g. {@code ws://127.0.0.1:8080/}
     * @param name the guest name, or {@code null}
     * @return the client
     */
    public static ChatClient connectToLobby(URI base, String name) {
        ChatClient client = connect(base.resolve("/ws" + (name == null ? "" : "?name=" + name)));
        try {
            client.next(Frames.joined("lobby"));
        } catch (RuntimeException | Error e) {
            client.abort();
            throw e;
        }
        return client;
    }

    /**
     * Connects as guest {@code name} through a load balancer until a connection lands on a gateway
     * not in {@code avoid}: the connections that landed elsewhere stay open meanwhile (so that
     * {@code leastconn} moves on) and are closed before this returns; a failed attempt (a gateway
     * just killed) is retried after a short pause. At most {@code attempts} attempts.
     *
     * @param base     the load balancer, e.g. {@code ws://127.0.0.1:8080/}
     * @param name     the guest name
     * @param avoid    node ids to avoid
     * @param attempts most connections to try
     * @return a client in the lobby on another gateway
     */
    public static ChatClient connectAvoiding(URI base, String name, Set<String> avoid, int attempts) {
        List<ChatClient> extra = new ArrayList<>();
        List<String> seenNodes = new ArrayList<>();
        try {
            for (int i = 0; i < attempts; i++) {
                ChatClient c;
                try {
                    c = connectToLobby(base, name);
                } catch (RuntimeException | AssertionError e) {
                    seenNodes.add("failed: " + e.getMessage());
                    pause(Duration.ofMillis(500));
                    continue;
                }
                if (!avoid.contains(c.node())) {
                    return c;
                }
                seenNodes.add(c.node());
                extra.add(c);
            }
        } finally {
            extra.forEach(ChatClient::close);
        }
        throw new AssertionError("no connection landed on a gateway other than " + avoid + " in " + attempts
                + " attempts: " + seenNodes);
    }

    /** Paces retries; not a synchronisation. */
    private static void pause(Duration d) {
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    void open(ChatClientBuilder b) {
        WebSocket.Builder builder = HTTP.newWebSocketBuilder().connectTimeout(wait);
        b.headers.forEach(builder::header);
        if (!b.subprotocols.isEmpty()) {
            builder.subprotocols(b.subprotocols.getFirst(), b.subprotocols.subList(1, b.subprotocols.size()).toArray(String[]::new));
        }
        try {
            ws = builder.buildAsync(uri, new Listener()).get(wait.toMillis() + 5000, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new IllegalStateException("WebSocket handshake with " + uri + " failed: " + describe(e.getCause()), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("WebSocket handshake with " + uri + " timed out after " + wait, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
        try {
            if (b.hello != null) {
                send(b.hello);
            }
            if (b.awaitWelcome) {
                JsonNode first = frames.poll(wait);
                if (first == null || !Frames.is(first, "welcome")) {
                    throw new AssertionError("first frame from " + uri + " is not a welcome: " + first + "; closed="
                            + (closed.isDone() ? closed.join() + " " + closeReason : "no"));
                }
                welcome = first;
            }
        } catch (RuntimeException | Error e) {
            abort();
            throw e;
        }
    }

    private static String describe(Throwable t) {
        if (t instanceof WebSocketHandshakeException h) {
            return "HTTP " + h.getResponse().statusCode() + " (" + h + ")";
        }
        return String.valueOf(t);
    }

    // ------------------------------------------------------------------ what the connection is

    /**
     * The {@code welcome} frame.
     *
     * @return it, or {@code null} when the builder did not wait for it
     */
    public JsonNode welcome() {
        return welcome;
    }

    /**
     * The user id the server gave this connection: a token's {@code sub}, or for a guest an id of
     * its own ({@code guest:} and 12 characters), never the name it picked. Compare {@code from},
     * {@code user} and {@code members} with this.
     *
     * @return {@code welcome.user}
     */
    public String user() {
        return welcome.path("user").asText();
    }

    /**
     * The display name the server gave this connection: the name a guest picked (or a generated
     * one), a token's {@code name} claim (or its {@code sub}). Shown to others; not an identity.
     *
     * @return {@code welcome.name}
     */
    public String name() {
        return welcome.path("name").asText();
    }

    /**
     * For a guest, the token that brings the same guest (id and name) back: present it as the
     * {@code token} of a {@code hello} or as {@code ?token=} ({@link #localToken}).
     *
     * @return {@code welcome.guest_token}, or {@code null} when the connection is not a guest's
     */
    public String guestToken() {
        JsonNode token = welcome.get("guest_token");
        return token == null || token.isNull() ? null : token.asText();
    }

    /**
     * The gateway this connection landed on.
     *
     * @return {@code welcome.node}
     */
    public String node() {
        return welcome.path("node").asText();
    }

    /**
     * The protocol version the server speaks on this connection.
     *
     * @return {@code welcome.protocol}
     */
    public int protocol() {
        return welcome.path("protocol").asInt();
    }

    /**
     * The sub-protocol the server selected at the handshake.
     *
     * @return it, or "" for none
     */
    public String subprotocol() {
        return ws.getSubprotocol();
    }

    /**
     * Where this client connected.
     *
     * @return the URI
     */
    public URI uri() {
        return uri;
    }

    // ------------------------------------------------------------------ sending

    /**
     * Sends a text frame as is (plain text is a {@code send} to the lobby). Bounded.
     *
     * @param text the frame
     */
    public void sendText(String text) {
        write(() -> ws.sendText(text, true));
    }

    /**
     * Sends a binary frame. Bounded.
     *
     * @param data the payload
     */
    public void sendBinary(byte[] data) {
        write(() -> ws.sendBinary(ByteBuffer.wrap(data), true));
    }

    /** Sends one frame at a time, waiting (bounded) for the JDK client to take it. */
    private void write(java.util.function.Supplier<java.util.concurrent.CompletableFuture<WebSocket>> send) {
        writing.lock();
        try {
            send.get().get(wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("could not send on " + uri + ": " + e, e);
        } finally {
            writing.unlock();
        }
    }

    /**
     * Sends a JSON frame.
     *
     * @param frame the frame
     */
    public void send(JsonNode frame) {
        try {
            sendText(Frames.JSON.writeValueAsString(frame));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(e);
        }
    }

    /**
     * Sends a JSON object made of key/value pairs ({@link Frames#object}).
     *
     * @param keyValues key, value, ...
     */
    public void send(Object... keyValues) {
        send(Frames.object(keyValues));
    }

    /**
     * Joins a room (no {@code since}) and returns its {@code joined}.
     *
     * @param room the room
     * @return the {@code joined} frame
     */
    public JsonNode join(String room) {
        return join(room, null);
    }

    /**
     * Joins a room, recovering after {@code since}, and returns its {@code joined}.
     *
     * @param room  the room
     * @param since the last id the client has, or {@code null}
     * @return the {@code joined} frame
     */
    public JsonNode join(String room, String since) {
        send(Frames.join(room, since));
        return next(Frames.joined(room));
    }

    /**
     * Leaves a room and returns its {@code left}.
     *
     * @param room the room
     * @return the {@code left} frame
     */
    public JsonNode leave(String room) {
        send(Frames.leave(room));
        return next(Frames.left(room));
    }

    /**
     * Sends a message to a room and waits for its {@code ack}.
     *
     * @param room the room
     * @param text the text
     * @return the message id
     */
    public String sendAcked(String room, String text) {
        String ref = "ref-" + UUID.randomUUID().toString().substring(0, 8);
        send(Frames.send(room, text, ref));
        return next(Frames.ack(ref)).path("id").asText();
    }

    /**
     * Every stored frame of a room's history, oldest first, paging back with {@code before}
     * ({@code history} frames of 100) until the server says there is no more. The connection
     * must be in the room.
     *
     * @param room the room
     * @return the frames (messages and, for protocol 2, edits, deletions, reactions)
     */
    public List<JsonNode> fullHistory(String room) {
        return pageBack(Frames.frame("history").put("room", room));
    }

    /**
     * Every message of the connection's direct conversation with a user, oldest first.
     *
     * @param with the other user's id
     * @return the messages
     */
    public List<JsonNode> fullDirectHistory(String with) {
        return pageBack(Frames.frame("history").put("with", with));
    }

    private List<JsonNode> pageBack(com.fasterxml.jackson.databind.node.ObjectNode request) {
        List<JsonNode> newestFirst = new ArrayList<>();
        String before = null;
        for (int page = 0; page < 10_000; page++) {
            String ref = "hist-" + UUID.randomUUID().toString().substring(0, 8);
            com.fasterxml.jackson.databind.node.ObjectNode frame = request.deepCopy().put("limit", 100).put("ref", ref);
            if (before != null) {
                frame.put("before", before);
            }
            send(frame);
            JsonNode history = next(f -> Frames.is(f, "history") && ref.equals(f.path("ref").asText())
                    || Frames.is(f, "error") && ref.equals(f.path("ref").asText()));
            if (Frames.is(history, "error")) {
                throw new AssertionError("history failed: " + history);
            }
            List<JsonNode> messages = new ArrayList<>();
            history.path("messages").forEach(messages::add);
            for (int i = messages.size() - 1; i >= 0; i--) {
                newestFirst.add(messages.get(i));
            }
            if (!history.path("more").asBoolean() || messages.isEmpty()) {
                break;
            }
            before = messages.getFirst().path("id").asText();
        }
        java.util.Collections.reverse(newestFirst);
        return newestFirst;
    }

    // ------------------------------------------------------------------ receiving

    /**
     * The first frame of a type not taken yet, within the client's wait.
     *
     * @param type the type
     * @return the frame
     */
    public JsonNode next(String type) {
        return next(Frames.ofType(type));
    }

    /**
     * The first frame matching that no earlier call took, within the client's wait.
     *
     * @param match the predicate
     * @return the frame
     */
    public JsonNode next(Predicate<JsonNode> match) {
        return next(match, wait);
    }

    /**
     * The first frame matching that no earlier call took (received so far, or within
     * {@code timeout}); frames passed over stay for later calls, in order. Fails with an
     * {@link AssertionError} listing what arrived instead.
     *
     * @param match   the predicate
     * @param timeout the bound
     * @return the frame
     */
    public JsonNode next(Predicate<JsonNode> match, Duration timeout) {
        return frames.next(match, timeout);
    }

    /**
     * The next {@code n} frames matching, in order.
     *
     * @param match the predicate
     * @param n     how many
     * @return the frames
     */
    public List<JsonNode> next(Predicate<JsonNode> match, int n) {
        List<JsonNode> frames = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            frames.add(next(match));
        }
        return frames;
    }

    /**
     * Takes every frame received so far and not taken yet, without waiting.
     *
     * @return the frames, in order
     */
    public List<JsonNode> drain() {
        return frames.drain();
    }

    /**
     * Every frame received since the connection opened, taken or not.
     *
     * @return the frames, in order
     */
    public List<JsonNode> seen() {
        return frames.seen();
    }

    /**
     * The frames received so far that match, taken or not.
     *
     * @param match the predicate
     * @return the frames, in order
     */
    public List<JsonNode> seen(Predicate<JsonNode> match) {
        return seen().stream().filter(match).toList();
    }

    // ------------------------------------------------------------------ closing

    /**
     * Completes with the close code the server sent, or -1 when the connection failed or was
     * aborted.
     *
     * @return the future
     */
    public CompletableFuture<Integer> closed() {
        return closed;
    }

    /**
     * Waits for the connection to end.
     *
     * @param timeout the bound
     * @return the server's close code, or -1 when it failed
     * @throws AssertionError when it is still open after the timeout
     */
    public int awaitClose(Duration timeout) {
        try {
            return closed.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError(this + " still open after " + timeout, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException e) {
            return -1;
        }
    }

    /**
     * Whether the server closed this connection (or it broke) within a time.
     *
     * @param timeout the bound
     * @return whether it ended
     */
    public boolean awaitClosed(Duration timeout) {
        try {
            awaitClose(timeout);
            return true;
        } catch (AssertionError e) {
            return false;
        }
    }

    /**
     * The reason of the server's close frame.
     *
     * @return it, or {@code null} before the close
     */
    public String closeReason() {
        return closeReason;
    }

    /**
     * Whether the connection is open both ways.
     *
     * @return whether it is
     */
    public boolean isOpen() {
        return ws != null && !ws.isOutputClosed() && !closed.isDone();
    }

    /** Drops the connection without a close frame (as a network failure or a crashed client would). */
    public void abort() {
        if (ws != null) {
            ws.abort();
        }
        closed.complete(-1);
    }

    /** Closes with 1000 and waits briefly (bounded) for the server's answer, then aborts. */
    @Override
    public void close() {
        if (ws == null || ws.isOutputClosed()) {
            abort();
            return;
        }
        try {
            ws.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(2, TimeUnit.SECONDS);
            closed.get(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            // best effort: the connection is aborted below anyway
        } finally {
            abort();
        }
    }

    @Override
    public String toString() {
        return "ChatClient[" + (welcome == null ? uri : user() + " (" + name() + ")@" + node()) + "]";
    }

    private void received(JsonNode frame) {
        observer.accept(frame);
        frames.add(frame);
    }

    /** This connection and whether it is closed, for failure messages. */
    private String state() {
        return this + "; closed=" + (closed.isDone() ? closed.join() + " " + closeReason : "no");
    }

    private final class Listener implements WebSocket.Listener {
        private final StringBuilder partial = new StringBuilder();

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                String text = partial.toString();
                partial.setLength(0);
                JsonNode frame;
                try {
                    frame = Frames.JSON.readTree(text);
                } catch (JsonProcessingException e) {
                    frame = Frames.JSON.createObjectNode().put("type", "<not json>").put("raw", text);
                }
                received(frame);
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
            received(Frames.JSON.createObjectNode().put("type", "<binary>").put("bytes", data.remaining()));
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            closeReason = reason;
            closed.complete(statusCode);
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            closeReason = String.valueOf(error);
            closed.complete(-1);
        }
    }
}
