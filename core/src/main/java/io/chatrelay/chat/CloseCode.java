package io.chatrelay.chat;

/**
 * The WebSocket close codes chat-relay uses, by name (docs/protocol.md, "Close codes").
 */
public enum CloseCode {
    /** Normal close. */
    NORMAL(1000),
    /** The client went silent (heartbeat timeout). */
    GOING_AWAY(1001),
    /** Policy: flooding, not reading replies, a frame that breaks the protocol's rules. */
    POLICY(1008),
    /** A frame larger than the limit. */
    TOO_BIG(1009),
    /** An unexpected server failure. */
    INTERNAL(1011),
    /** The gateway is restarting (draining): reconnect with {@code since}. */
    RESTART(1012),
    /** Overload: the gateway is full, or the connection could not keep up; reconnect with {@code since}. */
    OVERLOAD(1013),
    /** Protocol 2: the first frame was not a valid {@code hello} in time. */
    HELLO_REQUIRED(4400),
    /** The credentials were refused (bad or expired token, guests not allowed). */
    UNAUTHORIZED(4401),
    /** The application disconnected this user (server API); reconnecting may be refused. */
    KICKED(4403),
    /** Too many connections of this user, or from this client address. */
    TOO_MANY_CONNECTIONS(4429);

    private final int code;

    CloseCode(int code) {
        this.code = code;
    }

    /**
     * The numeric code sent in the close frame.
     *
     * @return the code
     */
    public int code() {
        return code;
    }
}
