package io.chatrelay.broker.redis;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/**
 * Runs one asynchronous call per item with at most a window of them in flight, so that a
 * periodic chore over thousands of keys (the presence sweep) does not queue thousands of commands
 * at once on the connection that also carries the messages: a message's command then waits
 * behind at most a window of them, not behind all.
 */
final class Windowed {
    private Windowed() {
    }

    /**
     * Calls {@code each} for every item, {@code window} at a time (the next window starts once
     * every call of the previous one has completed, failed or not).
     *
     * @param items  the items
     * @param window the most calls in flight, at least 1
     * @param each   the call for one item
     * @param <T>    item type
     * @return completes, once every call has, with every call's future (in item order), failed
     *         ones included
     */
    static <T> CompletionStage<List<CompletableFuture<Void>>> run(List<T> items, int window,
                                                                  Function<T, ? extends CompletionStage<Void>> each) {
        if (window < 1) {
            throw new IllegalArgumentException("window must be at least 1");
        }
        List<CompletableFuture<Void>> all = Collections.synchronizedList(new ArrayList<>(items.size()));
        CompletableFuture<Void> chain = CompletableFuture.completedFuture(null);
        for (int from = 0; from < items.size(); from += window) {
            List<T> part = items.subList(from, Math.min(items.size(), from + window));
            chain = chain.thenCompose(v -> {
                List<CompletableFuture<Void>> started = new ArrayList<>(part.size());
                for (T item : part) {
                    started.add(start(each, item));
                }
                all.addAll(started);
                return CompletableFuture.allOf(started.stream().map(f -> f.handle((ok, e) -> null)).toArray(CompletableFuture[]::new));
            });
        }
        return chain.thenApply(v -> List.copyOf(all));
    }

    private static <T> CompletableFuture<Void> start(Function<T, ? extends CompletionStage<Void>> each, T item) {
        try {
            return each.apply(item).toCompletableFuture();
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }
}
