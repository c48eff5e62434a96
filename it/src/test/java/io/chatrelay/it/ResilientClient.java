package io.chatrelay.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A client that behaves like the browser client's transport: it reconnects through the load
 * balancer whenever its connection ends, rejoins its rooms with {@code since} = the last id it
 * received, and records every message it is given, raw (duplicates included), so that tests can
 * check for gaps and duplicates.
 */
final class ResilientClient implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final URI uri;
    private final String room;
    private final List<String> received = new CopyOnWriteArrayList<>();
    private final Map<String, String> acked = new ConcurrentHashMap<>();
    private final List<String> nodes = new CopyOnWriteArrayList<>();
    private final List<Integer> closeCodes = new CopyOnWriteArrayList<>();
    private final AtomicInteger refused = new AtomicInteger();
    private final AtomicLong refs = new AtomicLong();
    private final ReentrantLock lock = new ReentrantLock();
    private volatile WebSocket ws;
    private volatile boolean joined;
    private volatile boolean closed;
    private volatile String lastId;
    private final Thread loop;

    ResilientClient(URI lbBase, String name, String room) {
        this.uri = lbBase.resolve("/ws?name=" + name);
        this.room = room;
        this.loop = Thread.ofVirtual().name("resilient-" + name).start(this::run);
    }

    /** Connects, waits for the end of the connection, reconnects with backoff; until closed. */
    private void run() {
        long backoff = 100;
        while (!closed) {
            Connection connection = new Connection();
            try {
                ws = HTTP.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(5)).buildAsync(uri, connection)
                        .get(10, TimeUnit.SECONDS);
                backoff = 100;
                closeCodes.add(connection.ended.get());
            } catch (Exception e) {
                refused.incrementAndGet();
            }
            joined = false;
            ws = null;
            sleep(backoff);
            backoff = Math.min(backoff * 2, 2000);
        }
    }

    /** Sends a message if connected and joined; returns whether it was handed to the socket. */
    boolean send(String text) {
        WebSocket socket = ws;
        if (socket == null || !joined) {
            return false;
        }
        ObjectNode frame = JSON.createObjectNode().put("type", "send").put("room", room).put("text", text)
                .put("ref", "r" + refs.incrementAndGet());
        lock.lock();
        try {
            socket.sendText(frame.toString(), true).get(5, TimeUnit.SECONDS);
            return true;
        } catch (Exception e) {
            return false;
        } finally {
            lock.unlock();
        }
    }

    boolean joined() {
        return joined;
    }

    /** Message ids received in {@link #room}, in arrival order, duplicates included. */
    List<String> received() {
        return List.copyOf(received);
    }

    /** Ids of this client's acknowledged messages. */
    List<String> acked() {
        return new ArrayList<>(acked.values());
    }

    /** Nodes this client was connected to, in order. */
    List<String> nodes() {
        return List.copyOf(nodes);
    }

    List<Integer> closeCodes() {
        return List.copyOf(closeCodes);
    }

    @Override
    public void close() {
        closed = true;
        WebSocket socket = ws;
        if (socket != null) {
            socket.abort();
        }
        loop.interrupt();
    }

    private void onFrame(WebSocket socket, JsonNode frame) {
        switch (frame.path("type").asText()) {
            case "welcome" -> {
                nodes.add(frame.path("node").asText());
                ObjectNode join = JSON.createObjectNode().put("type", "join").put("room", room);
                if (lastId != null) {
                    join.put("since", lastId);
                }
                socket.sendText(join.toString(), true);
            }
            case "joined" -> {
                if (room.equals(frame.path("room").asText())) {
                    if (lastId != null || frame.has("recovered")) {
                        frame.path("messages").forEach(this::record);
                    }
                    joined = true;
                }
            }
            case "message" -> {
                if (room.equals(frame.path("room").asText())) {
                    record(frame);
                }
            }
            case "ack" -> acked.put(frame.path("ref").asText(), frame.path("id").asText());
            default -> {
            }
        }
    }

    private void record(JsonNode message) {
        String id = message.path("id").asText();
        received.add(id);
        lastId = id;
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** One connection's listener; {@link #ended} completes with the close code (or -1). */
    private final class Connection implements WebSocket.Listener {
        private final java.util.concurrent.CompletableFuture<Integer> ended = new java.util.concurrent.CompletableFuture<>();
        private final StringBuilder text = new StringBuilder();

        @Override
        public CompletionStage<?> onText(WebSocket socket, CharSequence data, boolean last) {
            text.append(data);
            if (last) {
                try {
                    onFrame(socket, JSON.readTree(text.toString()));
                } catch (Exception e) {
                    ended.complete(-2);
                }
                text.setLength(0);
            }
            socket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket socket, int statusCode, String reason) {
            ended.complete(statusCode);
            return null;
        }

        @Override
        public void onError(WebSocket socket, Throwable error) {
            ended.complete(-1);
        }
    }

    /** Sorted copy of ids (stream-id order). */
    static List<String> sorted(List<String> ids) {
        List<String> copy = new ArrayList<>(ids);
        copy.sort(ResilientClient::compareIds);
        return copy;
    }

    static int compareIds(String a, String b) {
        String[] x = a.split("-");
        String[] y = b.split("-");
        int c = Long.compare(Long.parseLong(x[0]), Long.parseLong(y[0]));
        return c != 0 ? c : Long.compare(Long.parseLong(x[1]), Long.parseLong(y[1]));
    }

    /** Unused map kept for debugging output. */
    Map<String, Object> describe() {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("nodes", nodes());
        d.put("closeCodes", closeCodes());
        d.put("received", received.size());
        d.put("acked", acked.size());
        return d;
    }
}
