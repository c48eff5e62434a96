package io.chatrelay.chat.protocol;

/** A client frame that cannot be served; becomes an error frame, the connection stays open. */
public final class ProtocolException extends Exception {
    private static final long serialVersionUID = 1L;
    private final ErrorCode code;
    private final String ref;

    /**
     * Creates the exception.
     *
     * @param code    the documented code
     * @param message a human-readable reason (never echoes user content)
     * @param ref     the client's {@code ref}, or {@code null}
     */
    public ProtocolException(ErrorCode code, String message, String ref) {
        super(message, null, false, false);
        this.code = code;
        this.ref = ref;
    }

    /**
     * The error code.
     *
     * @return the code
     */
    public ErrorCode code() {
        return code;
    }

    /**
     * The client's ref.
     *
     * @return the ref, or {@code null}
     */
    public String ref() {
        return ref;
    }
}
