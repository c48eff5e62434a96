package io.chatrelay.broker.memory;

import io.chatrelay.broker.Broker;
import io.chatrelay.broker.BrokerException;
import io.chatrelay.broker.BrokerListener;
import io.chatrelay.broker.BrokerState;
import io.chatrelay.broker.FrameTemplate;
import io.chatrelay.broker.HistoryPage;
import io.chatrelay.broker.PresenceEntry;
import io.chatrelay.broker.StoredFrame;

import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * A {@link Broker} inside one JVM: the embedded default when no Redis is configured. It keeps the
 * same guarantees as the Redis broker for a single gateway: ids in stream form, capped history,
 * callbacks on one dispatcher thread in append order.
 */
public final class InMemoryBroker implements Broker {
    private final ConcurrentHashMap<String, TopicLog> logs = new ConcurrentHashMap<>();
    private final Set<String> subscriptions = ConcurrentHashMap.newKeySet();
    private final InMemoryPresence presence;
    private final int historyMaxLen;
    private final LongSupplier clock;
    private final ExecutorService dispatcher =
            Executors.newSingleThreadExecutor(Thread.ofPlatform().daemon().name("memory-broker-dispatch").factory());
    private volatile BrokerListener listener;
    private volatile BrokerState state = BrokerState.CONNECTING;

    /**
     * Creates a broker.
     *
     * @param historyMaxLen frames kept per topic
     */
    public InMemoryBroker(int historyMaxLen) {
        this(historyMaxLen, System::currentTimeMillis);
    }

    /**
     * Creates a broker with a given clock (for tests).
     *
     * @param historyMaxLen frames kept per topic
     * @param clock         epoch milliseconds
     */
    public InMemoryBroker(int historyMaxLen, LongSupplier clock) {
        if (historyMaxLen < 1) {
            throw new IllegalArgumentException("historyMaxLen must be >= 1");
        }
        this.historyMaxLen = historyMaxLen;
        this.clock = clock;
        this.presence = new InMemoryPresence(clock);
    }

    @Override
    public void start(BrokerListener listener) {
        this.listener = Objects.requireNonNull(listener, "listener");
        changeState(BrokerState.UP);
    }

    @Override
    public BrokerState state() {
        return state;
    }

    @Override
    public CompletionStage<Void> subscribe(String topic) {
        return run(() -> {
            subscriptions.add(topic);
            return null;
        });
    }

    @Override
    public CompletionStage<Void> unsubscribe(String topic) {
        return run(() -> {
            subscriptions.remove(topic);
            return null;
        });
    }

    @Override
    public CompletionStage<String> append(String topic, FrameTemplate frame) {
        return run(() -> log(topic).append(frame, stored -> deliver(stored)));
    }

    @Override
    public CompletionStage<Void> publish(String topic, String frame) {
        return run(() -> {
            deliver(new StoredFrame(topic, null, frame));
            return null;
        });
    }

    @Override
    public CompletionStage<HistoryPage> readAfter(String topic, String afterId, int limit) {
        return run(() -> log(topic).after(afterId, limit));
    }

    @Override
    public CompletionStage<HistoryPage> readBefore(String topic, String beforeId, int limit) {
        return run(() -> log(topic).before(beforeId, limit));
    }

    @Override
    public CompletionStage<Boolean> addPresence(String topic, String member, String node, long ttlMillis) {
        return run(() -> presence.add(topic, member, node, ttlMillis));
    }

    @Override
    public CompletionStage<Boolean> removePresence(String topic, String member, String node) {
        return run(() -> presence.remove(topic, member, node));
    }

    @Override
    public CompletionStage<Void> refreshPresence(List<PresenceEntry> entries, String node, long ttlMillis) {
        return run(() -> {
            presence.refresh(entries, node, ttlMillis);
            return null;
        });
    }

    @Override
    public CompletionStage<List<String>> presence(String topic) {
        return run(() -> presence.members(topic));
    }

    @Override
    public CompletionStage<List<PresenceEntry>> sweepPresence(long lockMillis) {
        return run(presence::sweep);
    }

    @Override
    public void close() {
        if (state != BrokerState.CLOSED) {
            changeState(BrokerState.CLOSED);
            dispatcher.shutdown();
        }
    }

    private TopicLog log(String topic) {
        return logs.computeIfAbsent(topic, t -> new TopicLog(t, historyMaxLen, clock));
    }

    private void deliver(StoredFrame frame) {
        if (subscriptions.contains(frame.topic())) {
            BrokerListener target = listener;
            dispatcher.execute(() -> target.onFrame(frame));
        }
    }

    private void changeState(BrokerState next) {
        state = next;
        BrokerListener target = listener;
        if (target != null && !dispatcher.isShutdown()) {
            dispatcher.execute(() -> target.onStateChange(next));
        }
    }

    private <T> CompletionStage<T> run(Supplier<T> action) {
        if (state != BrokerState.UP) {
            return CompletableFuture.failedFuture(new BrokerException("broker is " + state));
        }
        try {
            return CompletableFuture.completedFuture(action.get());
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(new BrokerException("in-memory broker failed: " + e.getMessage(), e));
        }
    }
}
