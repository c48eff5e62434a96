package io.chatrelay.testkit;

import com.fasterxml.jackson.databind.JsonNode;

import java.net.URI;
import java.net.http.WebSocketHandshakeException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A {@link ChatClient} that behaves like the browser client's transport: whenever its connection
 * ends it connects again (through the load balancer, with backoff), rejoins its room with
 * {@code since} = the last id it received, and records the id of every message it is given
 * ({@code joined} of a recovery, then {@code message} frames), duplicates included, so that tests
 * can check for gaps and duplicates. Each connection is a plain {@link ChatClient}; this class
 * only observes its frames ({@link ChatClientBuilder#onFrame}).
 *
 * <p>Identity: it connects as a guest with the name it was given (its display name); from then
 * on it comes back with the {@code guest_token} of its last {@code welcome} ({@code ?token=}), so
 * it keeps its guest id. When a gateway refuses that token (HTTP 401: gateways that do not share
 * {@code CHAT_AUTH_GUEST_SECRET}, or an expired token) it forgets it and connects by name again,
 * as a new guest with the same display name, as the browser client does. {@link #users()} lists
 * the id of every connection.
 *
 * <p>Idempotent sending ({@link #sendReliably}): like the browser client's SDK, every such message
 * gets a {@code cid} and stays in an outbox until it is acknowledged (or comes back with its cid);
 * it is sent again, with the same cid, after {@code outcome_unknown}, {@code broker_unavailable}
 * and the other retryable errors (with backoff) and after every reconnect (once the room is joined
 * again). The server stores it once; {@link #conflicts()} lists any cid acknowledged with two
 * different ids (which would be a message stored twice).
 */
public final class ResilientClient implements AutoCloseable {
    private static final Duration CONNECT = Duration.ofSeconds(10);
    private static final long FIRST_BACKOFF_MS = 100;
    private static final long MAX_BACKOFF_MS = 2000;
    /** Answers after which a message is sent again with its cid ({@code not_member}: the room is being joined again). */
    private static final Set<String> RETRY_CODES = Set.of("outcome_unknown", "broker_unavailable", "storage_full", "rate_limited",
            "internal", "not_member");
    /** Pace of re-sending a backlog: under the gateway's default rate limit (20 frames/s). */
    private static final long RESEND_SPACING_MS = 70;

    private final URI uri;
    private final URI base;
    private final String name;
    private final String room;
    private final List<String> received = new CopyOnWriteArrayList<>();
    private final Map<String, String> acked = new ConcurrentHashMap<>();
    private final List<String> nodes = new CopyOnWriteArrayList<>();
    private final List<String> users = new CopyOnWriteArrayList<>();
    private final AtomicInteger tokensRefused = new AtomicInteger();
    private final List<Integer> closeCodes = new CopyOnWriteArrayList<>();
    private final AtomicInteger refused = new AtomicInteger();
    private final AtomicInteger duplicateAcks = new AtomicInteger();
    private final AtomicLong refs = new AtomicLong();
    private final ReentrantLock outboxLock = new ReentrantLock();
    private final Map<String, String> outbox = new LinkedHashMap<>(); // cid -> text, not acknowledged yet
    private final Map<String, Integer> attempts = new ConcurrentHashMap<>(); // cid -> sends so far
    private final Map<String, String> refToCid = new ConcurrentHashMap<>();
    private final Map<String, String> ackedByCid = new ConcurrentHashMap<>(); // cid -> the id it was stored with
    private final List<String> conflicts = new CopyOnWriteArrayList<>();
    private final List<String> failed = new CopyOnWriteArrayList<>();
    private final Map<String, AtomicInteger> errorCodes = new ConcurrentHashMap<>();
    private final List<String> receivedCids = new CopyOnWriteArrayList<>();
    private final AtomicLong cids = new AtomicLong();
    private final ScheduledExecutorService resender =
            Executors.newSingleThreadScheduledExecutor(Thread.ofVirtual().name("resend-", 0).factory());
    private final Thread loop;
    private volatile String user;
    private volatile ChatClient current;
    private volatile boolean joined;
    private volatile boolean stopped;
    private volatile String lastId;
    private volatile String guestToken;

    /**
     * Starts connecting, in the background, as guest {@code name} to {@code base}'s {@code /ws},
     * and joins {@code room}; {@link #joined()} tells when it is in.
     *
     * @param base e.g. the load balancer, {@code ws://127.0.0.1:8080/}
     * @param name the guest name
     * @param room the room
     */
    public ResilientClient(URI base, String name, String room) {
        this.uri = base.resolve("/ws?name=" + name);
        this.base = base;
        this.name = name;
        this.room = room;
        this.loop = Thread.ofVirtual().name("resilient-" + name).start(this::run);
    }

    /** Connects, waits for the end of the connection, reconnects with backoff; until closed. */
    private void run() {
        long backoff = FIRST_BACKOFF_MS;
        while (!stopped) {
            try {
                ChatClient c = open();
                current = c;
                backoff = FIRST_BACKOFF_MS;
                try {
                    c.send(Frames.join(room, lastId));
                } catch (RuntimeException e) {
                    c.abort();
                }
                Integer code = awaitEnd(c);
                if (code != null) {
                    closeCodes.add(code);
                }
                c.abort();
            } catch (RuntimeException | AssertionError e) {
                refused.incrementAndGet();
            }
            joined = false;
            current = null;
            if (!stopped) {
                pause(backoff);
                backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
            }
        }
    }

    /** A connection: with the guest token when it has one (the same guest), by name otherwise or when the token is refused. */
    private ChatClient open() {
        String token = guestToken;
        if (token != null) {
            try {
                return ChatClient.to(base.resolve("/ws?token=" + token)).timeout(CONNECT).onFrame(this::onFrame).connect();
            } catch (IllegalStateException e) {
                if (!(e.getCause() instanceof WebSocketHandshakeException h) || h.getResponse().statusCode() != 401) {
                    throw e;
                }
                // this gateway does not take the token (another guest secret, or expired): a new guest
                tokensRefused.incrementAndGet();
                guestToken = null;
            }
        }
        return ChatClient.to(uri).timeout(CONNECT).onFrame(this::onFrame).connect();
    }

    /** The close code when the connection ends, or {@code null} when this client was closed first. */
    private Integer awaitEnd(ChatClient c) {
        while (!stopped) {
            try {
                return c.closed().get(1, TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                // still connected: check for close() and wait on
            } catch (ExecutionException e) {
                return -1;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
        }
        return null;
    }

    /** The reconnect backoff (pacing, not a synchronisation). */
    private void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Runs on the connection's WebSocket thread, for every frame. */
    private void onFrame(JsonNode frame) {
        switch (Frames.type(frame)) {
            case "welcome" -> {
                nodes.add(frame.path("node").asText());
                users.add(frame.path("user").asText());
                user = frame.path("user").asText();
                refToCid.clear(); // answers to the previous connection's frames cannot come any more
                JsonNode token = frame.get("guest_token");
                if (token != null && token.isTextual()) {
                    guestToken = token.asText();
                }
            }
            case "joined" -> {
                if (room.equals(frame.path("room").asText())) {
                    if (lastId != null || frame.has("recovered")) {
                        frame.path("messages").forEach(this::record);
                    }
                    joined = true;
                    resender.execute(this::resendAll);
                }
            }
            case "message" -> {
                if (room.equals(frame.path("room").asText())) {
                    record(frame);
                }
            }
            case "ack" -> {
                String ref = frame.path("ref").asText();
                acked.put(ref, frame.path("id").asText());
                String cid = frame.hasNonNull("cid") ? frame.path("cid").asText() : refToCid.get(ref);
                refToCid.remove(ref);
                if (frame.path("duplicate").asBoolean()) {
                    duplicateAcks.incrementAndGet();
                }
                if (cid != null) {
                    settle(cid, frame.path("id").asText());
                }
            }
            case "error" -> onError(frame);
            default -> {
            }
        }
    }

    private void record(JsonNode message) {
        String id = message.path("id").asText();
        received.add(id);
        lastId = id;
        if (message.hasNonNull("cid")) {
            String from = message.path("from").asText();
            String cid = message.path("cid").asText();
            receivedCids.add(from + "|" + cid);
            if (users.contains(from)) {
                settle(cid, id);
            }
        }
    }

    /** A message of this client is stored with {@code id}: out of the outbox; a second id for one cid is a conflict. */
    private void settle(String cid, String id) {
        outboxLock.lock();
        try {
            outbox.remove(cid);
        } finally {
            outboxLock.unlock();
        }
        String first = ackedByCid.putIfAbsent(cid, id);
        if (first != null && !first.equals(id)) {
            conflicts.add(cid + ": " + first + " and " + id);
        }
    }

    /** An error answering a send with a cid: sent again after a backoff when it allows, else given up. */
    private void onError(JsonNode frame) {
        String cid = refToCid.remove(frame.path("ref").asText());
        if (cid == null) {
            return;
        }
        String code = frame.path("code").asText();
        errorCodes.computeIfAbsent(code, k -> new AtomicInteger()).incrementAndGet();
        if (RETRY_CODES.contains(code)) {
            int n = attempts.getOrDefault(cid, 1);
            long delay = Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS << Math.min(n, 5));
            resender.schedule(() -> resend(cid), delay, TimeUnit.MILLISECONDS);
            return;
        }
        failed.add(cid + ": " + code);
        outboxLock.lock();
        try {
            outbox.remove(cid);
        } finally {
            outboxLock.unlock();
        }
    }

    /** After a (re)join: every message not acknowledged yet goes again, with its cid, paced. */
    private void resendAll() {
        List<String> waiting;
        outboxLock.lock();
        try {
            waiting = new ArrayList<>(outbox.keySet());
        } finally {
            outboxLock.unlock();
        }
        for (String cid : waiting) {
            if (stopped || !resend(cid)) {
                return;
            }
            pause(RESEND_SPACING_MS);
        }
    }

    /** Sends a message of the outbox (if still there) on the current connection; false when not connected. */
    private boolean resend(String cid) {
        String text;
        outboxLock.lock();
        try {
            text = outbox.get(cid);
        } finally {
            outboxLock.unlock();
        }
        ChatClient c = current;
        if (text == null) {
            return true;
        }
        if (c == null || !joined) {
            return false; // the next join sends it
        }
        String ref = "o" + refs.incrementAndGet();
        refToCid.put(ref, cid);
        attempts.merge(cid, 1, Integer::sum);
        try {
            c.send(Frames.sendOnce(room, text, cid, ref));
            return true;
        } catch (RuntimeException e) {
            refToCid.remove(ref);
            return false;
        }
    }

    /**
     * Sends a message idempotently: it gets a cid and stays in the outbox until acknowledged; it
     * is sent now when connected, and again after retryable errors and reconnects (same cid).
     *
     * @param text the text
     * @return the cid
     */
    public String sendReliably(String text) {
        String cid = name + "-" + cids.incrementAndGet();
        outboxLock.lock();
        try {
            outbox.put(cid, text);
        } finally {
            outboxLock.unlock();
        }
        resender.execute(() -> resend(cid));
        return cid;
    }

    /**
     * Messages sent with {@link #sendReliably} and not acknowledged yet.
     *
     * @return how many
     */
    public int unacknowledged() {
        outboxLock.lock();
        try {
            return outbox.size();
        } finally {
            outboxLock.unlock();
        }
    }

    /**
     * The id each acknowledged cid was stored with (the first id seen for it).
     *
     * @return cid to id
     */
    public Map<String, String> ackedByCid() {
        return Map.copyOf(ackedByCid);
    }

    /**
     * Cids acknowledged (or seen) with two different ids: a message stored twice. Empty when all is well.
     *
     * @return descriptions
     */
    public List<String> conflicts() {
        return List.copyOf(conflicts);
    }

    /**
     * Acks with {@code "duplicate":true}: re-sends that an earlier attempt with the same cid had
     * stored already (the server stored and delivered nothing again).
     *
     * @return how many
     */
    public int duplicateAcks() {
        return duplicateAcks.get();
    }

    /**
     * Cids given up after an error that does not allow a retry, with the code.
     *
     * @return descriptions
     */
    public List<String> failed() {
        return List.copyOf(failed);
    }

    /**
     * How often each error code answered a send with a cid.
     *
     * @return code to count
     */
    public Map<String, Integer> errorCodes() {
        Map<String, Integer> copy = new java.util.TreeMap<>();
        errorCodes.forEach((k, v) -> copy.put(k, v.get()));
        return copy;
    }

    /**
     * {@code from|cid} of every message with a cid received in the room, in arrival order,
     * duplicates included.
     *
     * @return the keys
     */
    public List<String> receivedCids() {
        return List.copyOf(receivedCids);
    }

    /**
     * Sends a message to the room if connected and joined.
     *
     * @param text the text
     * @return whether it was handed to the socket
     */
    public boolean send(String text) {
        ChatClient c = current;
        if (c == null || !joined) {
            return false;
        }
        try {
            c.send(Frames.send(room, text, "r" + refs.incrementAndGet()));
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    /**
     * Whether the current connection has joined the room.
     *
     * @return whether it is in
     */
    public boolean joined() {
        return joined;
    }

    /**
     * Message ids received in the room, in arrival order, duplicates included.
     *
     * @return the ids
     */
    public List<String> received() {
        return List.copyOf(received);
    }

    /**
     * Ids of this client's acknowledged messages.
     *
     * @return the ids
     */
    public List<String> acked() {
        return new ArrayList<>(acked.values());
    }

    /**
     * The nodes this client was connected to, in order.
     *
     * @return node ids
     */
    public List<String> nodes() {
        return List.copyOf(nodes);
    }

    /**
     * The user id of each of its connections, in order (the same while gateways take its guest token).
     *
     * @return user ids
     */
    public List<String> users() {
        return List.copyOf(users);
    }

    /**
     * Reconnections whose guest token a gateway refused (it then connected as a new guest).
     *
     * @return how many
     */
    public int tokensRefused() {
        return tokensRefused.get();
    }

    /**
     * The close codes of its connections that ended, in order (-1: failed without a close frame).
     *
     * @return the codes
     */
    public List<Integer> closeCodes() {
        return List.copyOf(closeCodes);
    }

    /**
     * Connection attempts that failed.
     *
     * @return how many
     */
    public int refused() {
        return refused.get();
    }

    /**
     * A summary for assertion messages.
     *
     * @return name, nodes, close codes, counts
     */
    public Map<String, Object> describe() {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("name", name);
        d.put("nodes", nodes());
        d.put("users", users.stream().distinct().toList());
        d.put("tokensRefused", tokensRefused());
        d.put("closeCodes", closeCodes());
        d.put("refused", refused());
        d.put("received", received.size());
        d.put("acked", acked.size());
        d.put("unacknowledged", unacknowledged());
        d.put("errors", errorCodes());
        d.put("duplicateAcks", duplicateAcks());
        return d;
    }

    /** Stops reconnecting and drops the current connection. */
    @Override
    public void close() {
        stopped = true;
        resender.shutdownNow();
        ChatClient c = current;
        if (c != null) {
            c.abort();
        }
        loop.interrupt();
        try {
            loop.join(Duration.ofSeconds(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return "ResilientClient" + describe();
    }
}
