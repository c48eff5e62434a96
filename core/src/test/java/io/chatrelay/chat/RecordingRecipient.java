package io.chatrelay.chat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;

/**
 * A {@link Recipient} that records every frame (as JSON) for assertions, with bounded waits.
 * Frames passed over by a wait are kept for later waits.
 */
public final class RecordingRecipient implements Recipient {
    /** How long a wait for a frame may take. */
    public static final Duration WAIT = Duration.ofSeconds(5);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final LinkedBlockingQueue<JsonNode> queue = new LinkedBlockingQueue<>();
    private final List<JsonNode> pending = new ArrayList<>();
    private final List<String> all = Collections.synchronizedList(new ArrayList<>());
    private final List<Boolean> droppable = Collections.synchronizedList(new ArrayList<>());
    private volatile CloseCode closed;
    private volatile boolean roomAvailable = true;
    private final AtomicBoolean awaited = new AtomicBoolean();
    private volatile Runnable beforeReply;
    private volatile Runnable beforeAwaitRoom;

    /**
     * Runs an action once, on the replying thread, before the next reply is recorded (to hold
     * the session there).
     *
     * @param action the action
     */
    public void beforeNextReply(Runnable action) {
        beforeReply = action;
    }

    /**
     * Runs an action once, on the recovering thread, when a recovery next waits for room.
     *
     * @param action the action
     */
    public void beforeNextAwaitRoom(Runnable action) {
        beforeAwaitRoom = action;
    }

    @Override
    public void deliver(String frame, boolean droppable) {
        if (closed == null) {
            record(frame);
            this.droppable.add(droppable);
        }
    }

    @Override
    public void reply(String frame) {
        Runnable before = beforeReply;
        if (before != null) {
            beforeReply = null;
            before.run();
        }
        if (closed == null) {
            record(frame);
        }
    }

    private void record(String frame) {
        all.add(frame);
        try {
            queue.add(JSON.readTree(frame));
        } catch (IOException e) {
            throw new UncheckedIOException("not JSON: " + frame, e);
        }
    }

    @Override
    public boolean awaitRoom(Duration timeout) {
        awaited.set(true);
        Runnable before = beforeAwaitRoom;
        if (before != null) {
            beforeAwaitRoom = null;
            before.run();
        }
        return roomAvailable && closed == null;
    }

    @Override
    public void close(CloseCode code, String reason, boolean afterQueued) {
        if (closed == null) {
            closed = code;
        }
    }

    /** Makes {@link #awaitRoom} answer {@code false}: a client that does not read. */
    public void stopReading() {
        roomAvailable = false;
    }

    /**
     * Whether a recovery waited for room at least once.
     *
     * @return {@code true} if {@link #awaitRoom} was called
     */
    public boolean paced() {
        return awaited.get();
    }

    /**
     * How the connection was closed.
     *
     * @return the close code, or {@code null} while open
     */
    public CloseCode closed() {
        return closed;
    }

    /**
     * Every frame so far, as text, in order.
     *
     * @return the frames
     */
    public List<String> frames() {
        synchronized (all) {
            return List.copyOf(all);
        }
    }

    /**
     * The next frame of a type, waiting at most {@link #WAIT}.
     *
     * @param type the type
     * @return the frame
     */
    public JsonNode next(String type) {
        return next(f -> type.equals(f.path("type").asText()), WAIT);
    }

    /**
     * The next frame matching, waiting at most {@code wait}; frames passed over stay for later.
     *
     * @param match what to wait for
     * @param wait  how long
     * @return the frame
     * @throws AssertionError if none came
     */
    public JsonNode next(Predicate<JsonNode> match, Duration wait) {
        JsonNode found = poll(match, wait);
        if (found == null) {
            throw new AssertionError("no matching frame within " + wait + "; received " + frames());
        }
        return found;
    }

    /**
     * The next frame matching, or {@code null} if none came within {@code wait}.
     *
     * @param match what to wait for
     * @param wait  how long
     * @return the frame or {@code null}
     */
    public JsonNode poll(Predicate<JsonNode> match, Duration wait) {
        synchronized (pending) {
            for (int i = 0; i < pending.size(); i++) {
                if (match.test(pending.get(i))) {
                    return pending.remove(i);
                }
            }
        }
        long deadline = System.nanoTime() + wait.toNanos();
        try {
            while (true) {
                long left = deadline - System.nanoTime();
                JsonNode f = left <= 0 ? queue.poll() : queue.poll(left, TimeUnit.NANOSECONDS);
                if (f == null) {
                    return null;
                }
                if (match.test(f)) {
                    return f;
                }
                synchronized (pending) {
                    pending.add(f);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /**
     * Every frame received but not yet taken by a wait, in order, and forgets them.
     *
     * @return the frames
     */
    public List<JsonNode> drain() {
        List<JsonNode> out;
        synchronized (pending) {
            out = new ArrayList<>(pending);
            pending.clear();
        }
        queue.drainTo(out);
        return out;
    }

    /**
     * Frames of a type among those not yet taken (waits briefly for stragglers).
     *
     * @param type the type
     * @param settle how long to let frames arrive first
     * @return the frames
     */
    public List<JsonNode> all(String type, Duration settle) {
        try {
            Thread.sleep(settle.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return drain().stream().filter(f -> type.equals(f.path("type").asText())).toList();
    }
}
