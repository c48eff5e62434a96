package io.chatrelay.chat;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * Who a connection is, decided when it is admitted (and renewed by a token refresh).
 *
 * @param user    user id: the token's {@code sub}, or a guest id; the only thing that identifies
 * @param name    display name, shown to others; data, not identity
 * @param guest   whether the id was not authenticated by a token
 * @param grants  rooms the connection token grants (names, or prefixes ending in {@code *})
 * @param expires when the connection's token expires, or {@code null} for none (guests)
 */
public record Identity(String user, String name, boolean guest, List<String> grants, Instant expires) {
    /** Validates. */
    public Identity {
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(name, "name");
        grants = List.copyOf(grants);
    }

    /**
     * An identity whose display name is its id, with no grants and no expiry.
     *
     * @param user  user id
     * @param guest whether it is a guest
     */
    public Identity(String user, boolean guest) {
        this(user, user, guest, List.of(), null);
    }
}
