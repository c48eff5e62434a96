package io.chatrelay.gateway.ws;

import io.helidon.common.buffers.BufferData;
import io.helidon.websocket.WsSession;

import java.lang.System.Logger.Level;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The one writer of a connection: Helidon's {@link WsSession#send} is not thread-safe, so every
 * frame, pong and close goes through this queue. There is no thread per idle connection: when
 * the queue goes from idle to busy, a drain task starts on a virtual thread, writes everything
 * queued, waits briefly for more and ends; at most one drain task runs at a time, so writes
 * never overlap. An idle connection costs no writer thread (memory), and steady traffic costs a
 * wake-up, not a new thread, per frame.
 *
 * <p>The queue is bounded in frames and bytes for fan-out traffic. Ephemeral frames are dropped
 * once it is half full; a chat frame that does not fit marks the connection a slow consumer, which
 * is closed with 1013 so that the client reconnects and recovers from history. Replies to the
 * client's own requests are queued up to twice the frame bound (a client that floods requests
 * without reading the answers is closed with 1008). {@link #offer} never blocks.
 */
final class Outbound {
    /** What a frame is, for the slow-consumer policy. */
    enum Kind {
        /** An answer to the client's own frame: always queued. */
        REPLY,
        /** A fanned-out message: closes the connection if it does not fit. */
        CHAT,
        /** Typing, presence: dropped first. */
        EPHEMERAL
    }

    private static final System.Logger LOG = System.getLogger(Outbound.class.getName());
    /** How long a close handshake, or a write stuck on a client that reads nothing, may take. */
    private static final long CLOSE_WAIT_SECONDS = 5;
    /** How long a drain task waits for more frames before it ends. */
    private static final long LINGER_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

    private record Control(int code, String reason, BufferData pong, boolean ping) {
    }

    private final ConcurrentLinkedQueue<Object> queue = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean draining = new AtomicBoolean();
    /** The drain task while it waits for more; null while it writes or when none runs. */
    private volatile Thread lingering;
    private final AtomicInteger frames = new AtomicInteger();
    private final AtomicLong bytes = new AtomicLong();
    private final WsSession ws;
    private final String sessionId;
    private final int maxFrames;
    private final long maxBytes;
    private final Listener listener;
    private final Runnable onTerminated;
    /** Helidon reported the connection closed. */
    private final CountDownLatch stopped = new CountDownLatch(1);
    /** The writer is done for good (closed, stopped or failed); then nothing is written any more. */
    private final CountDownLatch finished = new CountDownLatch(1);
    private final Runnable drainTask = this::drain;
    private volatile boolean closing;

    /** Observes what the writer does. */
    interface Listener {
        /** A frame was written. */
        default void sent() {
        }

        /** An ephemeral frame was dropped. */
        default void dropped() {
        }

        /** The connection was closed as a slow consumer. */
        default void slowConsumer() {
        }
    }

    Outbound(WsSession ws, String sessionId, int maxFrames, long maxBytes, Listener listener, Runnable onTerminated) {
        this.ws = ws;
        this.onTerminated = onTerminated;
        this.sessionId = sessionId;
        this.maxFrames = maxFrames;
        this.maxBytes = maxBytes;
        this.listener = listener;
    }

    /** Queues a frame; returns whether it was queued. */
    boolean offer(String frame, Kind kind) {
        if (closing) {
            return false;
        }
        int n = frames.get();
        long b = bytes.get();
        if (kind == Kind.EPHEMERAL && (n >= maxFrames / 2 || b >= maxBytes / 2)) {
            listener.dropped();
            return false;
        }
        if (kind == Kind.REPLY && n >= 2 * maxFrames) {
            LOG.log(Level.INFO, "event=replies_unread session={0} queued_frames={1}", sessionId, String.valueOf(n));
            close(1008, "not reading replies", true);
            return false;
        }
        if (kind == Kind.CHAT && (n >= maxFrames || b + frame.length() > maxBytes)) {
            LOG.log(Level.INFO, "event=slow_consumer session={0} queued_frames={1} queued_bytes={2}", sessionId, String.valueOf(n), String.valueOf(b));
            listener.slowConsumer();
            close(1013, "slow consumer: reconnect and recover with since", true);
            return false;
        }
        frames.incrementAndGet();
        bytes.addAndGet(frame.length());
        enqueue(frame);
        return true;
    }

    /** Queues a pong answering a client ping. */
    void pong(BufferData payload) {
        if (!closing) {
            enqueue(new Control(0, null, payload, false));
        }
    }

    /** Queues a ping. */
    void ping() {
        if (!closing) {
            enqueue(new Control(0, null, null, true));
        }
    }

    /**
     * Closes the connection after what is queued ({@code discard} false) or at once.
     *
     * @param code    close code
     * @param reason  close reason
     * @param discard drop queued frames first
     */
    void close(int code, String reason, boolean discard) {
        if (closing) {
            return;
        }
        closing = true;
        if (discard) {
            queue.clear();
        }
        enqueue(new Control(code, reason, null, false));
        if (discard) {
            Thread.ofVirtual().start(this::terminateIfStuck);
        }
    }

    /** Stops the writer without sending anything more (the connection is gone). */
    void stop() {
        closing = true;
        stopped.countDown();
        queue.clear();
        enqueue(new Control(-1, null, null, false));
    }

    boolean closing() {
        return closing;
    }

    /** Frames waiting to be written. */
    int queued() {
        return frames.get();
    }

    /**
     * Adds an item, then wakes the drain task if it is lingering, or starts one if none runs.
     * The drain task publishes itself in {@link #lingering} before its last look at the queue,
     * and this method adds to the queue before reading it: one of the two sees the other.
     */
    private void enqueue(Object item) {
        queue.add(item);
        if (draining.compareAndSet(false, true)) {
            Thread.startVirtualThread(drainTask);
        } else {
            Thread waiting = lingering;
            if (waiting != null) {
                LockSupport.unpark(waiting);
            }
        }
    }

    /**
     * Writes until the queue stays empty for {@link #LINGER_NANOS}, then ends. Lingering keeps one
     * thread per busy connection instead of starting one per frame under steady traffic (a new
     * virtual thread per wake-up was a fifth of the gateway's allocation at 120,000 deliveries/s),
     * and an idle connection still holds no thread.
     */
    private void drain() {
        while (finished.getCount() > 0) {
            Object item = queue.poll();
            if (item != null) {
                if (!write(item)) {
                    finish();
                }
            } else if (!lingerForMore()) {
                draining.set(false);
                if (queue.isEmpty() || !draining.compareAndSet(false, true)) {
                    return;
                }
            }
        }
        queue.clear();
        draining.set(false);
    }

    /** Waits a little for the next item; returns whether one came. */
    private boolean lingerForMore() {
        lingering = Thread.currentThread();
        try {
            long deadline = System.nanoTime() + LINGER_NANOS;
            long left = LINGER_NANOS;
            while (queue.isEmpty() && left > 0 && finished.getCount() > 0) {
                LockSupport.parkNanos(this, left);
                left = deadline - System.nanoTime();
            }
        } finally {
            lingering = null;
        }
        return !queue.isEmpty();
    }

    /** Writes one item; returns whether the writer goes on. */
    private boolean write(Object item) {
        try {
            if (item instanceof String frame) {
                frames.decrementAndGet();
                bytes.addAndGet(-frame.length());
                ws.send(frame, true);
                listener.sent();
                return true;
            }
            return control((Control) item);
        } catch (RuntimeException e) {
            LOG.log(Level.DEBUG, "event=write_failed session={0} error={1}", sessionId, e.toString());
            closing = true;
            abort();
            return false;
        }
    }

    /** Performs a control item; returns whether the writer goes on. */
    private boolean control(Control c) {
        if (c.ping()) {
            ws.ping(BufferData.empty());
            return true;
        }
        if (c.pong() != null) {
            ws.pong(c.pong());
            return true;
        }
        if (c.code() > 0) {
            ws.close(c.code(), c.reason());
            awaitCloseReply();
        }
        return false;
    }

    private void finish() {
        closing = true;
        finished.countDown();
        onTerminated.run();
    }

    /** Gives the client a few seconds to answer our close frame, then cuts the connection. */
    private void awaitCloseReply() {
        try {
            if (!stopped.await(CLOSE_WAIT_SECONDS, TimeUnit.SECONDS)) {
                abort();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A write blocked on a client that reads nothing cannot send the close: cut the socket. */
    private void terminateIfStuck() {
        try {
            if (!finished.await(CLOSE_WAIT_SECONDS, TimeUnit.SECONDS)) {
                LOG.log(Level.INFO, "event=terminate_stuck_writer session={0}", sessionId);
                abort();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Cuts the connection: Helidon 4.2 tells the listener nothing when a socket dies or a close
     * handshake is never answered, so the gateway ends such connections itself, by interrupting
     * the connection's reader (a virtual thread blocked on a socket read closes the socket).
     */
    private void abort() {
        if (ws instanceof io.helidon.webserver.spi.ServerConnection connection) {
            connection.close(true);
        }
    }
}
