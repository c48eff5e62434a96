package io.chatrelay.broker;

import java.util.Objects;

/**
 * A frame whose id the broker assigns when it is stored: the text delivered to subscribers and
 * kept in history is {@code head + id + tail}. This lets the whole frame be serialized once, by
 * the sender's gateway, while the id comes from the store.
 *
 * <p>A <em>fixed</em> template ({@link #fixed}, {@code tail == null}) is a frame whose text does not
 * carry the id it is stored under: a copy of a frame stored elsewhere (a direct message in its
 * recipient's inbox carries the conversation's id, not the inbox's).
 *
 * @param meta what the frame is, delivered beside it
 * @param head text before the id, never {@code null}; the whole text of a fixed template
 * @param tail text after the id; {@code null} for a fixed template
 */
public record FrameTemplate(FrameMeta meta, String head, String tail) {
    /** Validates the parts. */
    public FrameTemplate {
        Objects.requireNonNull(meta, "meta");
        Objects.requireNonNull(head, "head");
    }

    /**
     * A frame whose text is stored and delivered as is, whatever id it gets.
     *
     * @param meta what the frame is
     * @param text its text
     * @return the template
     */
    public static FrameTemplate fixed(FrameMeta meta, String text) {
        return new FrameTemplate(meta, text, null);
    }

    /**
     * Whether the text ignores the id it is stored under.
     *
     * @return {@code true} for a fixed template
     */
    public boolean isFixed() {
        return tail == null;
    }

    /**
     * The frame text for an assigned id.
     *
     * @param id the id given by the broker
     * @return {@code head + id + tail}, or {@code head} for a fixed template
     */
    public String render(String id) {
        return tail == null ? head : head + id + tail;
    }

    /**
     * The stored frame for an assigned id.
     *
     * @param topic the topic
     * @param id    the id given by the broker
     * @return the frame as subscribers receive it
     */
    public StoredFrame stored(String topic, String id) {
        return new StoredFrame(topic, id, meta, render(id));
    }
}
