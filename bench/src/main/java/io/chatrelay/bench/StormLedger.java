package io.chatrelay.bench;

import java.util.Arrays;

/**
 * The storm run's accounting, free of I/O: message ids as numbers, what a room's publishers had
 * acked and when ({@link RoomLog}), what one client received and when ({@link Received}), and
 * the two answers computed from them: when a client had recovered after the kill
 * ({@link #recoveredAt}) and what it never received ({@link #missing}).
 *
 * <p>Not thread-safe: callers hold the owner's lock.
 */
final class StormLedger {
    private static final int SEQ_BITS = 20;
    private static final long MAX_MS = 1L << (63 - SEQ_BITS);

    private StormLedger() {
    }

    /**
     * A message id ({@code <ms>-<seq>}, a Redis stream id) as one number that orders like the id:
     * by milliseconds, then by sequence.
     *
     * @throws IllegalArgumentException for anything else
     */
    static long id(String id) {
        int dash = id == null ? -1 : id.indexOf('-');
        if (dash <= 0 || dash == id.length() - 1) {
            throw new IllegalArgumentException("not a message id: " + id);
        }
        long ms;
        long seq;
        try {
            ms = Long.parseLong(id, 0, dash, 10);
            seq = Long.parseLong(id, dash + 1, id.length(), 10);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a message id: " + id, e);
        }
        if (ms < 0 || ms >= MAX_MS || seq < 0 || seq >= 1L << SEQ_BITS) {
            throw new IllegalArgumentException("message id out of range: " + id);
        }
        return ms << SEQ_BITS | seq;
    }

    /** The id text of a number from {@link #id(String)}. */
    static String text(long id) {
        return (id >>> SEQ_BITS) + "-" + (id & ((1L << SEQ_BITS) - 1));
    }

    /** What happened to one received id. */
    enum Outcome { NEW, DUPLICATE, OUT_OF_ORDER }

    /** Ids and their times, kept sorted by id. */
    private static class Sorted {
        long[] ids = new long[16];
        long[] times = new long[16];
        int size;

        int indexOf(long id) {
            return Arrays.binarySearch(ids, 0, size, id);
        }

        void insert(int at, long id, long nanos) {
            if (size == ids.length) {
                ids = Arrays.copyOf(ids, size * 2);
                times = Arrays.copyOf(times, size * 2);
            }
            System.arraycopy(ids, at, ids, at + 1, size - at);
            System.arraycopy(times, at, times, at + 1, size - at);
            ids[at] = id;
            times[at] = nanos;
            size++;
        }

        int size() {
            return size;
        }
    }

    /** What one client received of its room: each id once, with the time it first came. */
    static final class Received extends Sorted {
        private long duplicates;
        private long outOfOrder;

        /** Records an id received at {@code nanos}: new, a duplicate, or new but older than the newest. */
        Outcome record(long id, long nanos) {
            if (size == 0 || id > ids[size - 1]) {
                insert(size, id, nanos);
                return Outcome.NEW;
            }
            int at = indexOf(id);
            if (at >= 0) {
                duplicates++;
                return Outcome.DUPLICATE;
            }
            insert(-at - 1, id, nanos);
            outOfOrder++;
            return Outcome.OUT_OF_ORDER;
        }

        /** The newest id received, or -1. */
        long last() {
            return size == 0 ? -1 : ids[size - 1];
        }

        /** When {@code id} first came, or -1 if it did not. */
        long timeOf(long id) {
            int at = indexOf(id);
            return at >= 0 ? times[at] : -1;
        }

        long count() {
            return size;
        }

        long duplicates() {
            return duplicates;
        }

        long outOfOrder() {
            return outOfOrder;
        }
    }

    /** The ids a room's publishers had acked, with the time of each ack. */
    static final class RoomLog extends Sorted {
        /** Records an ack; an id acked twice keeps its first time. */
        void acked(long id, long nanos) {
            int at = indexOf(id);
            if (at < 0) {
                insert(-at - 1, id, nanos);
            }
        }

        /** The ids acked strictly before {@code nanos}, sorted. */
        long[] ackedBefore(long nanos) {
            long[] out = new long[size];
            int n = 0;
            for (int i = 0; i < size; i++) {
                if (times[i] < nanos) {
                    out[n++] = ids[i];
                }
            }
            return Arrays.copyOf(out, n);
        }

        /** Every acked id, sorted. */
        long[] all() {
            return Arrays.copyOf(ids, size);
        }
    }

    /**
     * When a client had recovered: the later of its re-join after the kill and the arrival of the
     * last of {@code mustHave} (what its room had acked before the kill) that it did not have yet.
     *
     * @param rejoinedAt when it joined again after the kill (a {@code joined} with
     *                   {@code recovered:true}), or -1 if it has not
     * @return that time, or -1 while it has not re-joined or misses one of {@code mustHave}
     */
    static long recoveredAt(Received received, long rejoinedAt, long[] mustHave) {
        if (rejoinedAt < 0) {
            return -1;
        }
        long at = rejoinedAt;
        for (long id : mustHave) {
            long t = received.timeOf(id);
            if (t < 0) {
                return -1;
            }
            at = Math.max(at, t);
        }
        return at;
    }

    /**
     * How many of {@code acked} a client should have and did not receive: those newer than its
     * {@code baseline} (the newest id its first {@code joined} showed, -1 for none: everything
     * after it reaches a member live or by recovery).
     */
    static long missing(Received received, long baseline, long[] acked) {
        long missing = 0;
        for (long id : acked) {
            if (id > baseline && received.indexOf(id) < 0) {
                missing++;
            }
        }
        return missing;
    }

    /** How many of {@code acked} are newer than {@code baseline}: what a client should receive. */
    static long expected(long baseline, long[] acked) {
        long n = 0;
        for (long id : acked) {
            if (id > baseline) {
                n++;
            }
        }
        return n;
    }
}
