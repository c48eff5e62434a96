package io.chatrelay.broker;

import java.util.List;
import java.util.Objects;

/**
 * A page of stored frames, oldest first.
 *
 * @param frames  the frames, oldest first
 * @param covered for reads after an id: whether history still reached back to that id (nothing
 *                between it and the first frame returned was trimmed away); always {@code true}
 *                for reads before an id
 * @param more    whether more frames exist beyond this page in the direction read
 */
public record HistoryPage(List<StoredFrame> frames, boolean covered, boolean more) {
    /** Copies the list. */
    public HistoryPage {
        frames = List.copyOf(Objects.requireNonNull(frames, "frames"));
    }
}
