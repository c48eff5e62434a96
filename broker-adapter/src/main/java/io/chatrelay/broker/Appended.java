package io.chatrelay.broker;

import java.util.Objects;

/**
 * The outcome of an append.
 *
 * @param id        the frame's id
 * @param duplicate {@code true} when an earlier append with the same dedup key stored the frame:
 *                  nothing was stored or published this time and {@code id} is the earlier one's
 */
public record Appended(String id, boolean duplicate) {
    /** Validates. */
    public Appended {
        Objects.requireNonNull(id, "id");
    }
}
