package io.chatrelay.broker;

/**
 * A broker operation whose outcome is unknown: the command was sent but no answer came in time
 * (a timeout, or the connection dropped after sending). It may have run: an append that failed
 * this way may be stored and delivered.
 */
public class OutcomeUnknownException extends BrokerException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates an exception.
     *
     * @param message what happened
     * @param cause   the underlying failure, may be {@code null}
     */
    public OutcomeUnknownException(String message, Throwable cause) {
        super(message, cause);
    }
}
