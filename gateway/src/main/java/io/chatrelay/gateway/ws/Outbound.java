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

/**
 * The one writer of a connection: Helidon's {@link WsSession#send} is not thread-safe, so every
 * frame, pong and close goes through this queue. There is no thread per connection: when the
 * queue goes from idle to busy, a drain task starts on a virtual thread, writes everything
 * queued and ends; at most one drain task runs at a time, so writes never overlap. An idle
 * connection costs no writer thread (memory), and a burst costs one wake-up, not one per frame.
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

    private record Control(int code, String reason, BufferData pong, boolean ping) {
    }

    private final ConcurrentLinkedQueue<Object> queue = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean draining = new AtomicBoolean();
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

    /** Whether a drain task runs; false while the connection is idle. */
    boolean draining() {
        return draining.get();
    }

    /** Adds an item and starts a drain task unless one is running (it will see the item). */
    private void enqueue(Object item) {
        queue.add(item);
        if (draining.compareAndSet(false, true)) {
            Thread.startVirtualThread(drainTask);
        }
    }

    /** Writes until the queue is empty, then ends; the last check closes the race with {@link #enqueue}. */
    private void drain() {
        while (finished.getCount() > 0) {
            Object item = queue.poll();
            if (item == null) {
                draining.set(false);
                if (queue.isEmpty() || !draining.compareAndSet(false, true)) {
                    return;
                }
            } else if (!write(item)) {
                finish();
            }
        }
        queue.clear();
        draining.set(false);
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
