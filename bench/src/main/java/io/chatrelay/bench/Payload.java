package io.chatrelay.bench;

/**
 * The text of a generated message: {@code <phase>|<intended send time, ns since the run's epoch>|<padding>},
 * phase {@code w} (warm-up) or {@code m} (measured). Only characters that need no JSON escaping.
 * The receiver finds {@code "text":"} in the frame and reads the time back, without allocating.
 */
final class Payload {
    /** Returned by {@link #parse} when the frame carries no generated text. */
    static final long NONE = Long.MIN_VALUE;
    private static final String KEY = "\"text\":\"";

    private Payload() {
    }

    /**
     * The text for a message.
     *
     * @param measured whether it is in the measured window
     * @param nanos    intended send time, ns since the run's epoch (&gt;= 0)
     * @param size     total text length (padded with {@code x}; at least the header)
     * @return the text
     */
    static String text(boolean measured, long nanos, int size) {
        StringBuilder b = new StringBuilder(Math.max(size, 24));
        b.append(measured ? 'm' : 'w').append('|').append(nanos).append('|');
        while (b.length() < size) {
            b.append('x');
        }
        return b.toString();
    }

    /**
     * Reads the intended send time out of a message frame.
     *
     * @param frame a frame containing {@code "text":"m|123|...}
     * @return the time (ns since the epoch) for a measured message, {@code -1 - time} for a warm-up
     *         message, {@link #NONE} if there is none
     */
    static long parse(CharSequence frame) {
        int at = indexOf(frame, KEY);
        if (at < 0) {
            return NONE;
        }
        int i = at + KEY.length();
        if (i + 2 >= frame.length() || frame.charAt(i + 1) != '|') {
            return NONE;
        }
        char phase = frame.charAt(i);
        i += 2;
        long v = 0;
        int digits = 0;
        for (; i < frame.length(); i++) {
            char c = frame.charAt(i);
            if (c < '0' || c > '9') {
                break;
            }
            v = v * 10 + (c - '0');
            digits++;
        }
        if (digits == 0) {
            return NONE;
        }
        return switch (phase) {
            case 'm' -> v;
            case 'w' -> -1 - v;
            default -> NONE;
        };
    }

    private static int indexOf(CharSequence s, String key) {
        int n = s.length() - key.length();
        char first = key.charAt(0);
        outer:
        for (int i = 0; i <= n; i++) {
            if (s.charAt(i) != first) {
                continue;
            }
            for (int j = 1; j < key.length(); j++) {
                if (s.charAt(i + j) != key.charAt(j)) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
