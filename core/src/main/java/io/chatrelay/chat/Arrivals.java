package io.chatrelay.chat;

import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Paces arrivals on this gateway: at most {@code concurrency} sessions opening (welcome, inbox,
 * the rooms they resume) at once, and at most {@code concurrency} sessions joining a room at
 * once, the others waiting their turn in arrival order, each for at most {@code maxWait}. After
 * a gateway dies, its clients all come back at once; paced, they are served one batch after the
 * other, so the first are back early instead of all of them late, and live traffic (sends,
 * deliveries: never paced) keeps its share of the CPU. Opens and joins wait in separate lines
 * ({@link Lane}): a client that was just welcomed and joins its rooms next does not wait again
 * behind every client that arrived after it.
 *
 * <p>A session steps out of its turn while it waits on something that is not this gateway's work
 * ({@link #outside}: its own client reading a recovery backlog, the application's join hook), so
 * no client that does not read and no slow hook holds the turn of others. Every other wait inside
 * a turn is bounded (broker calls by their timeout), so every turn ends.
 */
public final class Arrivals {
    /** The two lines. */
    public enum Lane {
        /** Sessions opening. */
        OPEN,
        /** Sessions joining a room. */
        JOIN
    }

    private final Semaphore[] lanes;
    private final long maxWaitNanos;
    /** The line whose turn this thread holds, if any. */
    private final ThreadLocal<Semaphore> holding = new ThreadLocal<>();

    /**
     * Creates the pacer.
     *
     * @param concurrency sessions served at once in each line, at least 1
     * @param maxWait     how long one waits for its turn at most
     */
    public Arrivals(int concurrency, Duration maxWait) {
        if (concurrency < 1) {
            throw new IllegalArgumentException("arrival concurrency must be at least 1");
        }
        if (maxWait.isNegative()) {
            throw new IllegalArgumentException("arrival wait must not be negative");
        }
        this.lanes = new Semaphore[] {new Semaphore(concurrency, true), new Semaphore(concurrency, true)};
        this.maxWaitNanos = maxWait.toNanos();
    }

    /** Work done in turn. */
    @FunctionalInterface
    public interface Work<E extends Exception> {
        /**
         * Does the work.
         *
         * @throws E what the work throws
         */
        void run() throws E;
    }

    /**
     * Runs work in this thread's turn in a line; a thread already in its turn runs it at once.
     *
     * @param lane the line
     * @param work the work
     * @param <E>  what the work throws
     * @return {@code false} when the turn did not come within the wait (the work did not run)
     * @throws E what the work throws
     */
    public <E extends Exception> boolean inTurn(Lane lane, Work<E> work) throws E {
        if (holding.get() != null) {
            work.run();
            return true;
        }
        Semaphore turns = lanes[lane.ordinal()];
        try {
            if (!turns.tryAcquire(maxWaitNanos, TimeUnit.NANOSECONDS)) {
                return false;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
        holding.set(turns);
        try {
            work.run();
            return true;
        } finally {
            holding.remove();
            turns.release();
        }
    }

    /** A wait done outside one's turn. */
    @FunctionalInterface
    public interface Wait<T> {
        /**
         * Waits.
         *
         * @return what the wait yields
         */
        T get();
    }

    /**
     * Waits outside this thread's turn, if it holds one: the turn goes to the next in line meanwhile
     * and this thread takes its place at the end of the line afterwards (this wait for its turn
     * again is not bounded by {@code maxWait}: the work it interrupted must finish).
     *
     * @param wait the wait
     * @param <T>  what it yields
     * @return what it yielded
     */
    public <T> T outside(Wait<T> wait) {
        Semaphore turns = holding.get();
        if (turns == null) {
            return wait.get();
        }
        holding.remove();
        turns.release();
        try {
            return wait.get();
        } finally {
            turns.acquireUninterruptibly();
            holding.set(turns);
        }
    }

    /**
     * Sessions waiting for their turn now (an estimate).
     *
     * @return the number waiting
     */
    public int waiting() {
        return lanes[0].getQueueLength() + lanes[1].getQueueLength();
    }
}
