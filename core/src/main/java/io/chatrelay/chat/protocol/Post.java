package io.chatrelay.chat.protocol;

import java.util.Objects;

/**
 * What a client (or the server API) posts as a message: the text and its optional parts.
 *
 * @param text    the text (validated: not blank, no control characters but line feed and tab,
 *                bounded in bytes as sent)
 * @param cid     the client's own id for the message (1-64 characters), which makes re-sending
 *                it safe: the store keeps one copy per sender and {@code cid}; {@code null} for none
 * @param replyTo the id of the message this one answers, or {@code null}
 * @param meta    a small JSON object (as canonical JSON text) the application attaches, or {@code null}
 */
public record Post(String text, String cid, String replyTo, String meta) {
    /** Validates. */
    public Post {
        Objects.requireNonNull(text, "text");
    }

    /**
     * A plain post.
     *
     * @param text the text
     * @return the post
     */
    public static Post of(String text) {
        return new Post(text, null, null, null);
    }
}
