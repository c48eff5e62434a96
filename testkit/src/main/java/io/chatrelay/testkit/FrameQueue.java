package io.chatrelay.testkit;

import com.fasterxml.jackson.databind.JsonNode;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * The frames a {@link ChatClient} received: queued for {@link #next} (frames passed over stay, in
 * order, for later calls) and kept for {@link #seen}. Filled on the WebSocket's thread; read by
 * the test's threads, one at a time.
 */
final class FrameQueue {
    private final LinkedBlockingQueue<JsonNode> inbox = new LinkedBlockingQueue<>();
    private final List<JsonNode> skipped = new ArrayList<>();
    private final ReentrantLock reading = new ReentrantLock();
    private final List<JsonNode> seen = Collections.synchronizedList(new ArrayList<>());
    private final Supplier<String> describe;

    /**
     * Creates the queue.
     *
     * @param describe what a failed wait reports about the connection
     */
    FrameQueue(Supplier<String> describe) {
        this.describe = describe;
    }

    void add(JsonNode frame) {
        seen.add(frame);
        inbox.add(frame);
    }

    /** The first frame matching that no earlier call took; fails with an AssertionError after the timeout. */
    JsonNode next(Predicate<JsonNode> match, Duration timeout) {
        reading.lock();
        try {
            for (Iterator<JsonNode> it = skipped.iterator(); it.hasNext(); ) {
                JsonNode f = it.next();
                if (match.test(f)) {
                    it.remove();
                    return f;
                }
            }
            long deadline = System.nanoTime() + timeout.toNanos();
            while (true) {
                long left = deadline - System.nanoTime();
                JsonNode f = left <= 0 ? inbox.poll() : poll(Duration.ofNanos(left));
                if (f == null) {
                    throw new AssertionError("no matching frame within " + timeout + " at " + describe.get()
                            + "; other frames: " + skipped);
                }
                if (match.test(f)) {
                    return f;
                }
                skipped.add(f);
            }
        } finally {
            reading.unlock();
        }
    }

    /** The next frame in arrival order, or {@code null} after the timeout. */
    JsonNode poll(Duration timeout) {
        try {
            return inbox.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    List<JsonNode> drain() {
        reading.lock();
        try {
            List<JsonNode> out = new ArrayList<>(skipped);
            skipped.clear();
            inbox.drainTo(out);
            return out;
        } finally {
            reading.unlock();
        }
    }

    List<JsonNode> seen() {
        synchronized (seen) {
            return List.copyOf(seen);
        }
    }
}
