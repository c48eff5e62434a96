package io.chatrelay.chat.protocol;

import java.util.Locale;

/** The error codes of {@code {"type":"error"}} frames, as documented in docs/protocol.md. */
public enum ErrorCode {
    /** Starts like JSON but does not parse, or nests too deeply. */
    BAD_JSON,
    /** JSON that is not an object, or a field of the wrong type. */
    BAD_FRAME,
    /** Missing or unknown {@code type}. */
    UNKNOWN_TYPE,
    /** Missing or invalid room name. */
    BAD_ROOM,
    /** Missing or invalid user id of a direct message. */
    BAD_USER,
    /** A direct message to a user the system does not know (never connected, or not for long). */
    UNKNOWN_USER,
    /** Missing or empty text. */
    BAD_TEXT,
    /** Text longer than the limit. */
    TEXT_TOO_LONG,
    /** A binary frame. */
    BINARY_UNSUPPORTED,
    /** An operation on a room the connection has not joined. */
    NOT_MEMBER,
    /** Too many rooms joined. */
    TOO_MANY_ROOMS,
    /** An invalid message id. */
    BAD_ID,
    /** A new reaction on a message that has as many distinct reactions as it may hold. */
    TOO_MANY_REACTIONS,
    /** Too many frames too fast. */
    RATE_LIMITED,
    /** The room's policy does not let this connection in (or the room token was refused). */
    FORBIDDEN,
    /** A token was refused (a {@code refresh} with a bad token). */
    UNAUTHORIZED,
    /** The store is full (Redis {@code maxmemory}): nothing was sent. */
    STORAGE_FULL,
    /** No answer from the store in time: the message may have been stored (send again with the same cid). */
    OUTCOME_UNKNOWN,
    /** Redis unreachable: nothing was sent. */
    BROKER_UNAVAILABLE,
    /** An unexpected gateway failure. */
    INTERNAL;

    /**
     * The code as it appears on the wire.
     *
     * @return the lower-case code
     */
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }
}
