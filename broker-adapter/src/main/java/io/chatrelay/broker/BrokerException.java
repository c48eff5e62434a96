package io.chatrelay.broker;

/**
 * A broker operation failed: the broker is unreachable, timed out, or refused the command.
 * Futures returned by {@link Broker} complete exceptionally with this type.
 */
public class BrokerException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates an exception.
     *
     * @param message what failed
     * @param cause   the underlying failure, may be {@code null}
     */
    public BrokerException(String message, Throwable cause) {
        super(message, cause);
    }

    /**
     * Creates an exception without a cause.
     *
     * @param message what failed
     */
    public BrokerException(String message) {
        super(message);
    }
}
