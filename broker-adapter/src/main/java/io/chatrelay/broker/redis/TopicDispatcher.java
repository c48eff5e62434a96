package io.chatrelay.broker.redis;

import io.chatrelay.broker.BrokerListener;
import io.chatrelay.broker.BrokerState;
import io.chatrelay.broker.HistoryPage;
import io.chatrelay.broker.StoredFrame;
import io.chatrelay.broker.StreamId;

import java.lang.System.Logger.Level;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Predicate;

/**
 * Moves deliveries off Lettuce's event loop onto one dispatcher thread and closes the gaps that
 * Pub/Sub leaves across reconnects and failovers: when a connection to a node drops, the topics
 * served there turn stale and their live frames are ignored; once that node (or the replica that
 * took over its slots) is reachable again, each stale topic is subscribed again and read from its
 * stream after the last id delivered, and then live delivery resumes with ids compared, so each
 * stored frame reaches the listener once and in order. Topics on other shards are never held
 * up: staleness, and the catch-up, are per topic, and a topic whose shard is still down is
 * retried later ({@link #retry}) without blocking the others.
 *
 * <p>All topic state is touched only on the dispatcher thread.
 */
final class TopicDispatcher implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(TopicDispatcher.class.getName());
    private static final int CATCH_UP_PAGE = 500;

    /** Blocking access to Redis needed to catch up. */
    interface CatchUpSource {
        /** Whether the topic's shard is reachable now, so that a catch-up is worth trying. */
        boolean reachable(String topic);

        /** Re-issues the subscription of a topic and waits for it. */
        void resubscribe(String topic) throws Exception;

        /** Reads a page of a topic's stream after an id. */
        HistoryPage readAfter(String topic, String afterId, int limit) throws Exception;
    }

    private final ExecutorService executor =
            Executors.newSingleThreadExecutor(Thread.ofPlatform().daemon().name("redis-broker-dispatch").factory());
    private final Map<String, TopicState> topics = new HashMap<>();
    private final java.util.concurrent.atomic.AtomicBoolean catchUpQueued = new java.util.concurrent.atomic.AtomicBoolean();
    private final CatchUpSource source;
    private final BrokerListener listener;

    TopicDispatcher(BrokerListener listener, CatchUpSource source) {
        this.listener = listener;
        this.source = source;
    }

    /**
     * Starts following a topic.
     *
     * @param topic  the topic
     * @param baseId the stream's newest id before subscribing ({@code 0-0} when empty)
     */
    void register(String topic, String baseId) {
        StreamId base = StreamId.parse(baseId);
        run(() -> topics.putIfAbsent(topic, new TopicState(base)));
    }

    void unregister(String topic) {
        run(() -> topics.remove(topic));
    }

    /** A channel message, an {@link Envelope}. */
    void onPayload(String topic, String payload) {
        run(() -> handle(topic, payload));
    }

    void onState(BrokerState state) {
        run(() -> listener.onStateChange(state));
    }

    /**
     * A connection dropped: the topics it served may have missed frames.
     *
     * @param affected which topics (those served by the node the connection went to)
     */
    void subscriptionLost(Predicate<String> affected) {
        run(() -> topics.forEach((topic, state) -> {
            if (affected.test(topic)) {
                state.stale = true;
            }
        }));
    }

    /** A connection came back: catch up the stale topics now. */
    void subscriptionRestored() {
        retry();
    }

    /** Catches up the stale topics whose shard is reachable (called periodically too); at most one queued at a time. */
    void retry() {
        if (catchUpQueued.compareAndSet(false, true)) {
            run(() -> {
                catchUpQueued.set(false);
                catchUp();
            });
        }
    }

    private void handle(String topic, String payload) {
        StoredFrame frame = Envelope.decode(topic, payload);
        if (frame == null) {
            LOG.log(Level.WARNING, "event=malformed_payload topic={0}", topic);
            return;
        }
        if (frame.ephemeral()) {
            listener.onFrame(frame);
            return;
        }
        TopicState state = topics.get(topic);
        if (state == null || state.stale) {
            return;
        }
        deliver(state, StreamId.parse(frame.id()), frame);
    }

    private void deliver(TopicState state, StreamId id, StoredFrame frame) {
        if (state.lastId != null && id.compareTo(state.lastId) <= 0) {
            return;
        }
        state.lastId = id;
        listener.onFrame(frame);
    }

    private void catchUp() {
        int caught = 0;
        int recovered = 0;
        int waiting = 0;
        Exception failure = null;
        for (Map.Entry<String, TopicState> e : topics.entrySet()) {
            TopicState state = e.getValue();
            if (!state.stale) {
                continue;
            }
            if (!source.reachable(e.getKey())) {
                waiting++;
                continue;
            }
            try {
                source.resubscribe(e.getKey());
                recovered += catchUp(e.getKey(), state);
                caught++;
            } catch (Exception error) {
                waiting++;
                failure = error;
            }
        }
        if (caught > 0 || failure != null) {
            LOG.log(failure == null ? Level.INFO : Level.WARNING, "event=caught_up topics={0} frames={1} still_stale={2} error={3}",
                    String.valueOf(caught), String.valueOf(recovered), String.valueOf(waiting), String.valueOf(failure));
        }
    }

    private int catchUp(String topic, TopicState state) throws Exception {
        int count = 0;
        if (state.lastId != null) {
            HistoryPage page;
            do {
                page = source.readAfter(topic, state.lastId.toString(), CATCH_UP_PAGE);
                for (StoredFrame f : page.frames()) {
                    deliver(state, StreamId.parse(f.id()), f);
                    count++;
                }
            } while (page.more());
        }
        state.stale = false;
        return count;
    }
    /** Queues work on the dispatcher thread; after {@link #close} there is nothing left to do. */
    private void run(Runnable task) {
        try {
            executor.execute(task);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            if (!executor.isShutdown()) {
                throw e;
            }
        }
    }

    @Override
    public void close() {
        executor.shutdown();
    }

    private static final class TopicState {
        private StreamId lastId;
        private boolean stale;

        private TopicState(StreamId base) {
            this.lastId = base;
        }
    }
}
