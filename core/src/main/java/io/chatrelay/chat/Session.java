package io.chatrelay.chat;

import java.util.Objects;

/**
 * One admitted connection, as the core sees it: an id, who it is, which protocol it speaks and
 * where its frames go. Its rooms are kept by the core's room registry, not here.
 */
public final class Session {
    private final String id;
    private volatile Identity identity;
    private final Recipient out;
    private final int protocol;

    /**
     * Creates a session; {@link ChatCore#open} admits it.
     *
     * @param id       unique within this gateway
     * @param identity who it is
     * @param out      where its frames go
     * @param protocol the protocol version it speaks (1 or 2)
     */
    public Session(String id, Identity identity, Recipient out, int protocol) {
        this.id = Objects.requireNonNull(id, "id");
        this.identity = Objects.requireNonNull(identity, "identity");
        this.out = Objects.requireNonNull(out, "out");
        this.protocol = protocol;
    }

    /**
     * The session id.
     *
     * @return the id
     */
    public String id() {
        return id;
    }

    /**
     * Who it is.
     *
     * @return the identity
     */
    public Identity identity() {
        return identity;
    }

    /**
     * Replaces the identity after a token refresh; the user id never changes.
     *
     * @param renewed the identity from the new token
     */
    void renew(Identity renewed) {
        if (!renewed.user().equals(identity.user())) {
            throw new IllegalArgumentException("a refresh cannot change the user");
        }
        identity = renewed;
    }

    /**
     * The user id.
     *
     * @return the user id
     */
    public String user() {
        return identity.user();
    }

    /**
     * Where its frames go.
     *
     * @return the recipient
     */
    public Recipient out() {
        return out;
    }

    /**
     * The protocol version.
     *
     * @return 1 or 2
     */
    public int protocol() {
        return protocol;
    }

    @Override
    public String toString() {
        return "Session[" + id + ", " + identity.user() + "]";
    }
}
