package io.chatrelay.broker;

import java.util.Objects;

/**
 * A frame whose id the broker assigns when it is stored: the text delivered to subscribers and
 * kept in history is {@code head + id + tail}. This lets the whole frame be serialized once, by
 * the sender's gateway, while the id comes from the store.
 *
 * @param head text before the id, never {@code null}
 * @param tail text after the id, never {@code null}
 */
public record FrameTemplate(String head, String tail) {
    /** Validates the parts. */
    public FrameTemplate {
        Objects.requireNonNull(head, "head");
        Objects.requireNonNull(tail, "tail");
    }

    /**
     * The frame text for an assigned id.
     *
     * @param id the id given by the broker
     * @return {@code head + id + tail}
     */
    public String render(String id) {
        return head + id + tail;
    }
}
