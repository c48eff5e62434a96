package io.chatrelay.broker;


import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The one blocking wait on a broker future, for code that runs on a connection's virtual
 * thread. A failure comes back as the broker's own {@link BrokerException}; no answer in time as
 * {@link OutcomeUnknownException} (the operation may still have happened).
 */
public final class Await {
    private Await() {
    }

    /**
     * Waits for a broker future.
     *
     * @param stage   the future
     * @param timeout how long at most
     * @param <T>     result type
     * @return its value
     * @throws BrokerException when it failed, timed out or the thread was interrupted
     */
    public static <T> T result(CompletionStage<T> stage, Duration timeout) {
        try {
            return stage.toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof BrokerException be) {
                throw be;
            }
            throw new BrokerException("broker failed: " + cause, cause);
        } catch (TimeoutException e) {
            throw new OutcomeUnknownException("broker timed out after " + timeout.toMillis() + " ms", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BrokerException("interrupted while waiting for the broker", e);
        }
    }
}
