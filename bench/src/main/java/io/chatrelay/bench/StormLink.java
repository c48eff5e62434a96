package io.chatrelay.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.URI;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * One chat-relay connection of the storm run that comes back like the JS SDK's
 * ({@code client/src/socket.js}): after a close or a failed attempt it waits
 * {@link #backoffMs} (500 ms doubling to 15 s, ±30 % jitter; a connection that was welcomed and
 * lived 10 s resets it) and connects again. Each attempt is its own {@link Connector.Endpoint}:
 * events of an attempt that is no longer the current one are ignored. A welcome that does not
 * come within {@link #ATTEMPT_TIMEOUT_S} seconds of the attempt fails it.
 *
 * <p>Frames are parsed with Jackson. Subclasses see them under {@link #lock}, on a selector
 * thread.
 */
abstract class StormLink {
    static final long INITIAL_BACKOFF_MS = 500;
    static final long MAX_BACKOFF_MS = 15_000;
    static final double JITTER = 0.3;
    static final long STABLE_AFTER_NANOS = TimeUnit.SECONDS.toNanos(10);
    static final int ATTEMPT_TIMEOUT_S = 15;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Counters shared by all links of a run. */
    static final class Stats {
        final LongAdder attempts = new LongAdder();
        final LongAdder failedAttempts = new LongAdder();
        final LongAdder closes = new LongAdder();
        final LongAdder errors = new LongAdder();
        final LongAdder badFrames = new LongAdder();
        final Map<String, LongAdder> failures = new ConcurrentHashMap<>();
        final Map<String, LongAdder> closeCodes = new ConcurrentHashMap<>();
        /**
         * Delivery latency of live messages to the members that stayed connected (never
         * reconnected), in µs at the resolution of the message's {@code ts} (ms): what the
         * storm costs the clients it does not concern. Read per window.
         */
        final org.HdrHistogram.Recorder live = new org.HdrHistogram.Recorder(TimeUnit.HOURS.toMicros(1), 3);
        volatile String firstError;

        /** A live message's latency, from its {@code ts} (epoch ms, the gateway's clock: this machine's). */
        void live(long ts) {
            long ms = System.currentTimeMillis() - ts;
            live.recordValue(Math.min(TimeUnit.HOURS.toMillis(1) - 1, Math.max(0, ms)) * 1000);
        }

        void failed(String why) {
            failedAttempts.increment();
            failures.computeIfAbsent(reason(why), k -> new LongAdder()).increment();
        }

        void closed(int code) {
            closes.increment();
            closeCodes.computeIfAbsent(Integer.toString(code), k -> new LongAdder()).increment();
        }

        void error(String frame) {
            errors.increment();
            if (firstError == null) {
                firstError = frame.length() > 300 ? frame.substring(0, 300) : frame;
            }
        }

        static Map<String, Long> sorted(Map<String, LongAdder> m) {
            Map<String, Long> out = new TreeMap<>();
            m.forEach((k, v) -> out.put(k, v.sum()));
            return out;
        }

        /** A failure's reason without exception class names and addresses, so that equal ones add up. */
        static String reason(String why) {
            String r = why == null ? "?" : why.replaceAll("[a-z]+(\\.[a-zA-Z]+)+(Exception|Error): ", "");
            r = r.replaceAll("\\s+", " ").trim();
            return r.length() > 80 ? r.substring(0, 80) : r;
        }
    }

    /** What the links of a run share. */
    record Context(Connector connector, ScheduledExecutorService timer, Stats stats) {
    }

    protected final ReentrantLock lock = new ReentrantLock();
    protected final Context ctx;
    final String name;
    private final URI uri;
    private Attempt current;
    private boolean welcomed;
    private long welcomedAt;
    private int backoffAttempt;
    private boolean stopped;
    private String node;

    StormLink(Context ctx, String name, URI uri) {
        this.ctx = ctx;
        this.name = name;
        this.uri = uri;
    }

    /**
     * The delay before reconnect attempt {@code attempt} (0 for the first retry): doubling from
     * 500 ms to 15 s, times a random factor in [0.7, 1.3], as the JS SDK's {@code backoffMs}.
     */
    static long backoffMs(int attempt, Random random) {
        double base = Math.min(MAX_BACKOFF_MS, INITIAL_BACKOFF_MS * Math.pow(2, Math.min(attempt, 30)));
        double factor = 1 + (random.nextDouble() * 2 - 1) * JITTER;
        return Math.max(0, Math.round(base * factor));
    }

    /** {@code body}'s value, computed under the lock. */
    protected final <T> T locked(Supplier<T> body) {
        lock.lock();
        try {
            return body.get();
        } finally {
            lock.unlock();
        }
    }

    /** Runs {@code body} under the lock. */
    protected final void locked(Runnable body) {
        lock.lock();
        try {
            body.run();
        } finally {
            lock.unlock();
        }
    }

    /** Connects now (the first time). */
    void start() {
        locked(() -> {
            stopped = false;
            connect();
        });
    }

    /** Closes (1000) and does not come back. */
    void stop() {
        locked(() -> {
            stopped = true;
            if (current != null && current.conn != null) {
                current.conn.sendClose(1000);
            }
        });
    }

    /** Closes without a close handshake, at once (the end of a run). */
    void abort() {
        locked(() -> {
            stopped = true;
            if (current != null && current.conn != null) {
                current.conn.abort();
            }
            current = null;
        });
    }

    /** Whether the current connection was welcomed and is open. */
    boolean welcomed() {
        return locked(() -> welcomed);
    }

    /** The node of the latest welcome ({@code null} before the first). */
    String node() {
        return locked(() -> node);
    }

    /** Sends an application ping (as the SDK does every 25 s) if welcomed. */
    void ping() {
        locked(() -> send("{\"type\":\"ping\"}"));
    }

    /** Sends a text frame on the current connection; false if there is none or it failed. Hold the lock. */
    protected boolean send(String text) {
        if (current == null || current.conn == null || !welcomed) {
            return false;
        }
        try {
            current.conn.sendText(text);
            return true;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** The welcome came: the connection is usable. Under the lock. */
    protected abstract void onWelcome(long nanos);

    /** Any other frame. Under the lock. */
    protected abstract void onFrame(String type, JsonNode frame, long nanos);

    /** The welcomed connection ended. Under the lock. */
    protected void onDisconnected(int code, long nanos) {
    }

    private void connect() {
        Attempt a = new Attempt();
        current = a;
        welcomed = false;
        ctx.stats().attempts.increment();
        ctx.connector().connect(a);
        ctx.timer().schedule(() -> timedOut(a), ATTEMPT_TIMEOUT_S, TimeUnit.SECONDS);
    }

    private void timedOut(Attempt a) {
        locked(() -> {
            if (current == a && !welcomed) {
                if (a.conn != null) {
                    a.conn.abort();
                }
                ended(a, 1006, "no welcome within " + ATTEMPT_TIMEOUT_S + " s");
            }
        });
    }

    private void ended(Attempt a, int code, String why) {
        if (current != a) {
            return;
        }
        current = null;
        long now = System.nanoTime();
        if (welcomed) {
            welcomed = false;
            ctx.stats().closed(code);
            if (now - welcomedAt >= STABLE_AFTER_NANOS) {
                backoffAttempt = 0;
            }
            onDisconnected(code, now);
        } else {
            ctx.stats().failed(code == 1006 ? why : "closed " + code + " before welcome");
        }
        if (stopped) {
            return;
        }
        long delay = backoffMs(backoffAttempt, ThreadLocalRandom.current());
        backoffAttempt++;
        ctx.timer().schedule(this::reconnect, delay, TimeUnit.MILLISECONDS);
    }

    private void reconnect() {
        locked(() -> {
            if (!stopped && current == null) {
                connect();
            }
        });
    }

    private void frame(Attempt a, String text) {
        long now = System.nanoTime();
        JsonNode f;
        try {
            f = JSON.readTree(text);
        } catch (IOException e) {
            ctx.stats().badFrames.increment();
            return;
        }
        String type = f.path("type").asText("");
        lock.lock();
        try {
            if (current != a) {
                if (a.conn != null) {
                    a.conn.abort();
                }
                return;
            }
            if ("welcome".equals(type)) {
                welcomed = true;
                welcomedAt = now;
                node = f.path("node").asText("?");
                onWelcome(now);
            } else if (welcomed) {
                onFrame(type, f, now);
            }
        } finally {
            lock.unlock();
        }
    }

    /** One connection attempt. */
    private final class Attempt implements Connector.Endpoint {
        private volatile Connector.Conn conn;

        @Override
        public URI uri() {
            return uri;
        }

        @Override
        public void attach(Connector.Conn c) {
            conn = c;
        }

        @Override
        public void onOpen() {
            locked(() -> {
                if (current != this) {
                    conn.abort(); // given up on (timed out) before it opened
                }
            });
        }

        @Override
        public void onText(CharSequence frame) {
            frame(this, frame.toString());
        }

        @Override
        public void onClosed(int code, String why) {
            locked(() -> {
                ended(this, code, why);
            });
        }
    }
}
