package io.chatrelay.gateway.ws;

import java.util.Objects;

/**
 * Who a connection is, decided at the handshake.
 *
 * @param user  user id (the JWT {@code sub}, or the guest name)
 * @param guest whether the name was not authenticated
 */
public record Identity(String user, boolean guest) {
    /** Validates. */
    public Identity {
        Objects.requireNonNull(user, "user");
    }
}
