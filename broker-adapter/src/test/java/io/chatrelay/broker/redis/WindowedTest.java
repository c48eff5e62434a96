package io.chatrelay.broker.redis;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class WindowedTest {
    @Test
    void atMostAWindowOfCallsIsInFlightAndEveryItemIsCalledOnce() throws Exception {
        List<Integer> items = IntStream.range(0, 1000).boxed().toList();
        AtomicInteger inFlight = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        List<Integer> called = new CopyOnWriteArrayList<>();
        var done = Windowed.run(items, 32, item -> {
            most.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
            called.add(item);
            // completes later, on another thread, like a Redis reply
            return CompletableFuture.runAsync(inFlight::decrementAndGet, CompletableFuture.delayedExecutor(1, TimeUnit.MILLISECONDS));
        }).toCompletableFuture().get(30, TimeUnit.SECONDS);

        assertThat(done).hasSize(1000).allMatch(f -> f.isDone() && !f.isCompletedExceptionally());
        assertThat(called).containsExactlyInAnyOrderElementsOf(items);
        assertThat(most.get()).isLessThanOrEqualTo(32).isGreaterThan(1);
    }

    @Test
    void failedCallsDoNotStopTheOthersAndAreReturned() throws Exception {
        List<Integer> items = IntStream.range(0, 100).boxed().toList();
        List<Integer> called = new CopyOnWriteArrayList<>();
        var done = Windowed.run(items, 10, item -> {
            called.add(item);
            if (item < 10) {
                // the whole first window fails, one of them before returning a future
                if (item == 0) {
                    throw new IllegalStateException("refused");
                }
                return CompletableFuture.failedFuture(new IllegalStateException("failed"));
            }
            return CompletableFuture.completedFuture(null);
        }).toCompletableFuture().get(30, TimeUnit.SECONDS);

        assertThat(called).hasSize(100);
        List<Integer> failed = new ArrayList<>();
        for (int i = 0; i < done.size(); i++) {
            if (done.get(i).isCompletedExceptionally()) {
                failed.add(i);
            }
        }
        assertThat(failed).containsExactlyElementsOf(IntStream.range(0, 10).boxed().toList());
    }

    @Test
    void noItemsCompleteAtOnceAndAWindowBelowOneIsRefused() throws Exception {
        assertThat(Windowed.<Integer>run(List.of(), 8, item -> CompletableFuture.completedFuture(null))
                .toCompletableFuture().get(1, TimeUnit.SECONDS)).isEmpty();
        assertThatThrownBy(() -> Windowed.<Integer>run(List.of(1), 0, item -> CompletableFuture.completedFuture(null)))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
