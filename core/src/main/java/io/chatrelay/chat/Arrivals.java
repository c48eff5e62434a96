package io.chatrelay.chat;

import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Paces arrivals on this gateway: at most {@code concurrency} sessions opening (welcome, inbox,
 * the rooms they resume) or joining a room at once, the others waiting their turn in arrival
 * order, each for at most {@code maxWait}. After a gateway dies, its clients all come back at
 * once; paced, they are served one batch after the other, so the first are back early instead of
 * all of them late, and live traffic (sends, deliveries: never paced) keeps its share of the CPU.
 *
 * <p>A session steps out of its turn while it waits on something that is not this gateway's work
 * ({@link #outside}: its own client reading a recovery backlog, the application's join hook), so
 * no client that does not read and no slow hook holds the turn of others. Every other wait inside
 * a turn is bounded (broker calls by their timeout), so every turn ends.
 */
public final class Arrivals {
    private final Semaphore turns;
    private final long maxWaitNanos;
    private final ThreadLocal<Boolean> holding = new ThreadLocal<>();

    /**
     * Creates the pacer.
     *
     * @param concurrency sessions served at once, at least 1
     * @param maxWait     how long one waits for its turn at most
     */
    public Arrivals(int concurrency, Duration maxWait) {
        if (concurrency < 1) {
            throw new IllegalArgumentException("arrival concurrency must be at least 1");
        }
        if (maxWait.isNegative()) {
            throw new IllegalArgumentException("arrival wait must not be negative");
        }
        this.turns = new Semaphore(concurrency, true);
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
     * Runs work in this thread's turn; a thread already in its turn runs it at once.
     *
     * @param work the work
     * @param <E>  what the work throws
     * @return {@code false} when the turn did not come within the wait (the work did not run)
     * @throws E what the work throws
     */
    public <E extends Exception> boolean inTurn(Work<E> work) throws E {
        if (Boolean.TRUE.equals(holding.get())) {
            work.run();
            return true;
        }
        try {
            if (!turns.tryAcquire(maxWaitNanos, TimeUnit.NANOSECONDS)) {
                return false;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
        holding.set(Boolean.TRUE);
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
        if (!Boolean.TRUE.equals(holding.get())) {
            return wait.get();
        }
        holding.remove();
        turns.release();
        try {
            return wait.get();
        } finally {
            turns.acquireUninterruptibly();
            holding.set(Boolean.TRUE);
        }
    }

    /**
     * Sessions waiting for their turn now (an estimate).
     *
     * @return the number waiting
     */
    public int waiting() {
        return turns.getQueueLength();
    }
}
