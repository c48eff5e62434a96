package io.chatrelay.broker;

/**
 * A message id in Redis Stream form, {@code <milliseconds>-<sequence>}: unique and ordered within
 * one topic. Both brokers use this form so that clients can compare ids the same way.
 *
 * @param millis   the time part
 * @param sequence the sequence within that millisecond
 */
public record StreamId(long millis, long sequence) implements Comparable<StreamId> {
    /** Validates the parts. */
    public StreamId {
        if (millis < 0 || sequence < 0) {
            throw new IllegalArgumentException("stream id parts must not be negative");
        }
    }

    /**
     * Parses an id.
     *
     * @param text an id such as {@code 1732291234567-0}
     * @return the id
     * @throws IllegalArgumentException if the text is not an id
     */
    public static StreamId parse(String text) {
        if (text == null || text.length() > 41) {
            throw new IllegalArgumentException("not a message id");
        }
        int dash = text.indexOf('-');
        if (dash <= 0 || dash == text.length() - 1) {
            throw new IllegalArgumentException("not a message id");
        }
        try {
            return new StreamId(parsePart(text, 0, dash), parsePart(text, dash + 1, text.length()));
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("not a message id", e);
        }
    }

    /**
     * Whether the text is a valid id.
     *
     * @param text candidate
     * @return {@code true} if {@link #parse} would accept it
     */
    public static boolean isValid(String text) {
        try {
            parse(text);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /**
     * Compares two ids given as text.
     *
     * @param a an id
     * @param b another id
     * @return negative, zero or positive as {@code a} is before, equal to or after {@code b}
     */
    public static int compare(String a, String b) {
        return parse(a).compareTo(parse(b));
    }

    private static long parsePart(String text, int from, int to) {
        if (to - from > 19) {
            throw new IllegalArgumentException("not a message id");
        }
        long value = 0;
        for (int i = from; i < to; i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                throw new IllegalArgumentException("not a message id");
            }
            value = Math.multiplyExact(value, 10) + (c - '0');
        }
        return value;
    }

    @Override
    public int compareTo(StreamId other) {
        int byMillis = Long.compare(millis, other.millis);
        return byMillis != 0 ? byMillis : Long.compare(sequence, other.sequence);
    }

    @Override
    public String toString() {
        return millis + "-" + sequence;
    }
}
