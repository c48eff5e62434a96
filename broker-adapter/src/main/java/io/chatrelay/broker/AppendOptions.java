package io.chatrelay.broker;

import java.time.Duration;
import java.util.Objects;

/**
 * How an append treats its topic.
 *
 * @param idleTtl     how long the topic's history lives after its last append; {@link Duration#ZERO}
 *                    for no expiry
 * @param dedupKey    makes the append idempotent: a second append with the same key within
 *                    {@code dedupWindow} stores and publishes nothing and answers the first one's
 *                    id (for example {@code sender + ":" + client id}); {@code null} for none
 * @param dedupWindow how long a dedup key is remembered
 * @param minAge      history retention in time: frames younger than this are kept even past the
 *                    broker's max length (the count it keeps), up to {@code maxLenHard};
 *                    {@link Duration#ZERO} for count only
 * @param maxLenHard  with a {@code minAge}, the most frames kept whatever their age (approximately,
 *                    like the max length); at least the broker's max length counts
 */
public record AppendOptions(Duration idleTtl, String dedupKey, Duration dedupWindow, Duration minAge, int maxLenHard) {
    /** No expiry, no deduplication. */
    public static final AppendOptions NONE = new AppendOptions(Duration.ZERO);

    /** Validates. */
    public AppendOptions {
        Objects.requireNonNull(idleTtl, "idleTtl");
        Objects.requireNonNull(dedupWindow, "dedupWindow");
        Objects.requireNonNull(minAge, "minAge");
        if (idleTtl.isNegative() || dedupWindow.isNegative() || minAge.isNegative()) {
            throw new IllegalArgumentException("durations must not be negative");
        }
        if (maxLenHard < 0 || !minAge.isZero() && maxLenHard < 1) {
            throw new IllegalArgumentException("a minimum age needs a hard cap of at least 1");
        }
        if (dedupKey != null && (dedupKey.isEmpty() || dedupKey.length() > 200)) {
            throw new IllegalArgumentException("dedup key must have 1 to 200 characters");
        }
        if (dedupKey != null && dedupWindow.isZero()) {
            throw new IllegalArgumentException("a dedup key needs a window");
        }
    }

    /**
     * Expiry and deduplication, retention by count only.
     *
     * @param idleTtl     the topic's idle time-to-live ({@link Duration#ZERO}: none)
     * @param dedupKey    the dedup key, or {@code null}
     * @param dedupWindow how long it is remembered
     */
    public AppendOptions(Duration idleTtl, String dedupKey, Duration dedupWindow) {
        this(idleTtl, dedupKey, dedupWindow, Duration.ZERO, 0);
    }

    /**
     * Expiry only.
     *
     * @param idleTtl the topic's idle time-to-live ({@link Duration#ZERO}: none)
     */
    public AppendOptions(Duration idleTtl) {
        this(idleTtl, null, Duration.ZERO);
    }

    /**
     * The same options with a dedup key.
     *
     * @param key    the key
     * @param window how long it is remembered
     * @return the options
     */
    public AppendOptions dedup(String key, Duration window) {
        return new AppendOptions(idleTtl, key, window, minAge, maxLenHard);
    }

    /**
     * The same options with retention in time: frames younger than {@code minAge} stay past the
     * max length, up to {@code maxLenHard} frames.
     *
     * @param minAge     the minimum age ({@link Duration#ZERO}: count only)
     * @param maxLenHard the most frames kept
     * @return the options
     */
    public AppendOptions retain(Duration minAge, int maxLenHard) {
        return new AppendOptions(idleTtl, dedupKey, dedupWindow, minAge, maxLenHard);
    }

    /**
     * Whether a frame may be trimmed away: the log holds more than {@code maxLen} frames (or more
     * than the hard cap) and the frame is older than the minimum age.
     *
     * @param size       frames in the log
     * @param maxLen     the broker's max length
     * @param frameMillis the frame's time (its id's milliseconds)
     * @param nowMillis  now
     * @return {@code true} if the oldest frame may go
     */
    public boolean trims(int size, int maxLen, long frameMillis, long nowMillis) {
        if (minAge.isZero()) {
            return size > maxLen;
        }
        return size > Math.max(maxLen, maxLenHard) || size > maxLen && nowMillis - frameMillis >= minAge.toMillis();
    }
}
