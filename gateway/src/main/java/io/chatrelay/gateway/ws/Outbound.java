package io.chatrelay.gateway.ws;

import io.helidon.common.buffers.BufferData;
import io.helidon.websocket.WsSession;

import java.lang.System.Logger.Level;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The one writer of a connection: Helidon's {@link WsSession#send} is not thread-safe, so every
 * frame, pong and close goes through this queue. There is no thread per connection: when the
 * queue goes from idle to busy, a drain task starts on a virtual thread, writes everything
 * queued and ends; at most one drain task runs at a time, so writes never overlap. An idle
 * connection costs no writer thread (memory), and a burst costs one wake-up, not one per frame.
 *
 * <p>Frames are queued encoded ({@link WsFrames}: the fan-out's frames encoded once per gateway,
 * the same array for every recipient) and the drain task writes what it finds queued with one
 * socket write per batch of up to {@link #BATCH_BYTES} bytes, not one per frame.
 *
 * <p>The queue is bounded in frames and bytes for fan-out traffic. Ephemeral frames are dropped
 * once it is half full; a chat frame that does not fit marks the connection a slow consumer, which
 * is closed with 1013 so that the client reconnects and recovers from history. Replies to the
 * client's own requests, and pongs to its pings, are queued up to twice the frame and byte bounds
 * (a client that floods requests or pings without reading the answers is closed with 1008).
 * {@link #offer} never blocks.
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
    /** The most bytes of queued frames gathered into one socket write. */
    static final int BATCH_BYTES = 32 * 1024;
    /** The most frames gathered into one socket write. */
    static final int MAX_BATCH_FRAMES = 64;

    private record Control(int code, String reason, BufferData pong, boolean ping) {
    }

    private static final VarHandle DRAINING;
    private static final VarHandle FRAMES;
    private static final VarHandle BYTES;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            DRAINING = lookup.findVarHandle(Outbound.class, "draining", boolean.class);
            FRAMES = lookup.findVarHandle(Outbound.class, "frames", int.class);
            BYTES = lookup.findVarHandle(Outbound.class, "bytes", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final ConcurrentLinkedQueue<Object> queue = new ConcurrentLinkedQueue<>();
    // the counters and the drain flag are fields of this object, changed through VarHandles, not
    // three Atomic* objects: the fan-out touches them for every recipient, so that is three
    // objects (cache lines) fewer to fetch per delivery
    /** A drain task runs. */
    private volatile boolean draining;
    /** Frames queued (and pongs). */
    private volatile int frames;
    /** Bytes of the frames queued. */
    private volatile long bytes;
    private final WsSession ws;
    private final WsFrames.Writer socket;
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
        /**
         * Frames were written.
         *
         * @param frames how many
         */
        default void sent(int frames) {
        }

        /** An ephemeral frame was dropped. */
        default void dropped() {
        }

        /** The connection was closed as a slow consumer. */
        default void slowConsumer() {
        }
    }

    Outbound(WsSession ws, WsFrames.Writer socket, String sessionId, int maxFrames, long maxBytes, Listener listener,
             Runnable onTerminated) {
        this.ws = ws;
        this.socket = socket;
        this.onTerminated = onTerminated;
        this.sessionId = sessionId;
        this.maxFrames = maxFrames;
        this.maxBytes = maxBytes;
        this.listener = listener;
    }

    /** Queues a frame, encoding it; returns whether it was queued. */
    boolean offer(String frame, Kind kind) {
        return offer(WsFrames.text(frame), kind);
    }

    /**
     * Queues an encoded frame ({@link WsFrames#text}); returns whether it was queued. The array is
     * never changed, so the same one may be queued for many connections.
     */
    boolean offer(byte[] frame, Kind kind) {
        if (closing) {
            return false;
        }
        int n = frames;
        long b = bytes;
        if (kind == Kind.EPHEMERAL && (n >= maxFrames / 2 || b >= maxBytes / 2)) {
            listener.dropped();
            return false;
        }
        if (kind == Kind.REPLY && (n >= 2 * maxFrames || b + frame.length > 2 * maxBytes)) {
            LOG.log(Level.INFO, "event=replies_unread session={0} queued_frames={1} queued_bytes={2}", sessionId,
                    String.valueOf(n), String.valueOf(b));
            close(1008, "not reading replies", true);
            return false;
        }
        if (kind == Kind.CHAT && (n >= maxFrames || b + frame.length > maxBytes)) {
            LOG.log(Level.INFO, "event=slow_consumer session={0} queued_frames={1} queued_bytes={2}", sessionId, String.valueOf(n), String.valueOf(b));
            listener.slowConsumer();
            close(1013, "slow consumer: reconnect and recover with since", true);
            return false;
        }
        count(1, frame.length);
        enqueue(frame);
        return true;
    }

    /**
     * Waits until the queue is at most half full (frames and bytes), so that a page of recovered
     * messages fits; called on the connection's own virtual thread.
     *
     * @param timeout how long at most
     * @return {@code false} if the queue did not drain in time or the connection is closing
     */
    boolean awaitRoom(java.time.Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!closing) {
            if (frames <= maxFrames / 2 && bytes <= maxBytes / 2) {
                return true;
            }
            if (System.nanoTime() > deadline) {
                return false;
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return false;
    }

    /**
     * Queues a pong answering a client ping. Pongs count against the queue's bounds like replies:
     * a client that pings without reading is closed with 1008 instead of growing the queue.
     */
    void pong(BufferData payload) {
        if (closing) {
            return;
        }
        int n = frames;
        if (n >= 2 * maxFrames || bytes + payload.available() > 2 * maxBytes) {
            LOG.log(Level.INFO, "event=pongs_unread session={0} queued_frames={1}", sessionId, String.valueOf(n));
            close(1008, "not reading: pings unanswered", true);
            return;
        }
        count(1, payload.available());
        enqueue(new Control(0, null, payload, false));
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
        return frames;
    }

    /** Whether a drain task runs; false while the connection is idle. */
    boolean draining() {
        return draining;
    }

    /** Changes the queued frames and bytes (negative when written). */
    private void count(int frameDelta, long byteDelta) {
        FRAMES.getAndAdd(this, frameDelta);
        BYTES.getAndAdd(this, byteDelta);
    }

    /** Adds an item and starts a drain task unless one is running (it will see the item). */
    private void enqueue(Object item) {
        queue.add(item);
        if (DRAINING.compareAndSet(this, false, true)) {
            Thread.startVirtualThread(drainTask);
        }
    }

    /** Writes until the queue is empty, then ends; the last check closes the race with {@link #enqueue}. */
    private void drain() {
        while (finished.getCount() > 0) {
            Object item = queue.poll();
            if (item == null) {
                draining = false;
                if (queue.isEmpty() || !DRAINING.compareAndSet(this, false, true)) {
                    return;
                }
            } else if (!write(item)) {
                finish();
            }
        }
        queue.clear();
        draining = false;
    }

    /** Writes one item, with the frames queued right behind it; returns whether the writer goes on. */
    private boolean write(Object item) {
        try {
            if (item instanceof byte[] frame) {
                writeFrames(frame);
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

    /**
     * Writes a frame and the frames queued behind it, up to {@link #BATCH_BYTES}, with one socket
     * write (the frame alone, without a copy, when nothing else is queued).
     */
    private void writeFrames(byte[] first) {
        if (!(queue.peek() instanceof byte[] second) || first.length + second.length > BATCH_BYTES) {
            count(-1, -first.length);
            socket.write(first, 0, first.length);
            listener.sent(1);
            return;
        }
        byte[][] parts = new byte[MAX_BATCH_FRAMES][];
        parts[0] = first;
        int frameCount = 1;
        int total = first.length;
        while (frameCount < MAX_BATCH_FRAMES && queue.peek() instanceof byte[] next && total + next.length <= BATCH_BYTES) {
            queue.poll();
            parts[frameCount++] = next;
            total += next.length;
        }
        byte[] batch = new byte[total];
        int at = 0;
        for (int i = 0; i < frameCount; i++) {
            System.arraycopy(parts[i], 0, batch, at, parts[i].length);
            at += parts[i].length;
        }
        count(-frameCount, -total);
        socket.write(batch, 0, total);
        listener.sent(frameCount);
    }

    /** Performs a control item; returns whether the writer goes on. */
    private boolean control(Control c) {
        if (c.ping()) {
            ws.ping(BufferData.empty());
            return true;
        }
        if (c.pong() != null) {
            count(-1, -c.pong().available());
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
     * Cuts the connection: Helidon (4.2 and 4.5) tells the listener nothing when a socket dies or a close
     * handshake is never answered, so the gateway ends such connections itself, by interrupting
     * the connection's reader (a virtual thread blocked on a socket read closes the socket).
     */
    private void abort() {
        if (ws instanceof io.helidon.webserver.spi.ServerConnection connection) {
            connection.close(true);
        }
    }
}
