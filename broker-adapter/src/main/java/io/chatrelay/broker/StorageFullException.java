package io.chatrelay.broker;

/**
 * The store refused a write because it is out of memory (Redis {@code maxmemory} with
 * {@code noeviction}): nothing was written, and nothing will be until space is freed.
 */
public class StorageFullException extends BrokerException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates an exception.
     *
     * @param message what happened
     * @param cause   the underlying failure
     */
    public StorageFullException(String message, Throwable cause) {
        super(message, cause);
    }
}
