package io.chatrelay.broker;

import java.util.Objects;

/**
 * A frame as delivered or read back from history: the exact text clients receive, with what it
 * is beside it.
 *
 * @param topic the topic it was published to
 * @param id    its id for stored frames ({@code <ms>-<seq>}, see {@link StreamId}), or {@code null}
 *              for ephemeral frames
 * @param meta  kind, sender and time
 * @param frame the exact text clients receive
 */
public record StoredFrame(String topic, String id, FrameMeta meta, String frame) {
    /** Validates the fields. */
    public StoredFrame {
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(meta, "meta");
        Objects.requireNonNull(frame, "frame");
    }

    /**
     * Whether this frame is ephemeral (published but not stored).
     *
     * @return {@code true} when it has no id
     */
    public boolean ephemeral() {
        return id == null;
    }
}
