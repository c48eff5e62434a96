package io.chatrelay.chat;

import java.util.Objects;

/**
 * Who a message is from, as frames show it.
 *
 * @param id   the user id
 * @param name the display name
 */
public record Sender(String id, String name) {
    /** Validates. */
    public Sender {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(name, "name");
    }

    /**
     * The sender a session's identity makes.
     *
     * @param identity the identity
     * @return the sender
     */
    public static Sender of(Identity identity) {
        return new Sender(identity.user(), identity.name());
    }
}
