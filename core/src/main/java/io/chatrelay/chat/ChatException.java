package io.chatrelay.chat;

import io.chatrelay.chat.protocol.ErrorCode;

/**
 * A core operation refused for a reason of the chat (not of the broker): what every door turns
 * into its own answer (an error frame with this code, an HTTP status).
 */
public final class ChatException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final ErrorCode code;

    /**
     * Creates the exception.
     *
     * @param code    the documented code
     * @param message a reason safe to show
     */
    public ChatException(ErrorCode code, String message) {
        super(message, null, false, false);
        this.code = code;
    }

    /**
     * The code.
     *
     * @return the code
     */
    public ErrorCode code() {
        return code;
    }
}
