package io.chatrelay.broker.redis;

import io.chatrelay.broker.BrokerListener;
import io.chatrelay.broker.BrokerState;
import io.chatrelay.broker.HistoryPage;
import io.chatrelay.broker.StoredFrame;
import io.chatrelay.broker.StreamId;

import java.lang.System.Logger.Level;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Moves deliveries off Lettuce's event loop onto one dispatcher thread and closes the gaps that
 * Pub/Sub leaves across reconnects: when the subscription connection drops, every topic turns
 * stale and its live frames are ignored; after the reconnect, the topic is read from its stream
 * after the last id delivered, and then live delivery resumes with ids compared, so each stored
 * frame reaches the listener once and in order.
 *
 * <p>All topic state is touched only on the dispatcher thread.
 */
final class TopicDispatcher implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(TopicDispatcher.class.getName());
    private static final int CATCH_UP_PAGE = 500;

    /** Blocking access to Redis needed to catch up. */
    interface CatchUpSource {
        /** Re-issues SUBSCRIBE for the topics and waits for it. */
        void resubscribe(Iterable<String> topics) throws Exception;

        /** Reads a page of a topic's stream after an id. */
        HistoryPage readAfter(String topic, String afterId, int limit) throws Exception;
    }

    private final ExecutorService executor =
            Executors.newSingleThreadExecutor(Thread.ofPlatform().daemon().name("redis-broker-dispatch").factory());
    private final Map<String, TopicState> topics = new HashMap<>();
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

    /** A channel message: {@code id\nframe}, or {@code \nframe} for an ephemeral frame. */
    void onPayload(String topic, String payload) {
        run(() -> handle(topic, payload));
    }

    void onState(BrokerState state) {
        run(() -> listener.onStateChange(state));
    }

    void subscriptionLost() {
        run(() -> topics.values().forEach(t -> t.stale = true));
    }

    void subscriptionRestored() {
        run(this::catchUp);
    }

    private void handle(String topic, String payload) {
        int newline = payload.indexOf('\n');
        if (newline < 0) {
            LOG.log(Level.WARNING, "event=malformed_payload topic={0}", topic);
            return;
        }
        String frame = payload.substring(newline + 1);
        if (newline == 0) {
            listener.onFrame(new StoredFrame(topic, null, frame));
            return;
        }
        TopicState state = topics.get(topic);
        if (state == null || state.stale) {
            return;
        }
        deliver(topic, state, StreamId.parse(payload.substring(0, newline)), frame);
    }

    private void deliver(String topic, TopicState state, StreamId id, String frame) {
        if (state.lastId != null && id.compareTo(state.lastId) <= 0) {
            return;
        }
        state.lastId = id;
        listener.onFrame(new StoredFrame(topic, id.toString(), frame));
    }

    private void catchUp() {
        if (topics.values().stream().noneMatch(t -> t.stale)) {
            return;
        }
        try {
            source.resubscribe(topics.keySet());
            int recovered = 0;
            for (Map.Entry<String, TopicState> e : topics.entrySet()) {
                if (e.getValue().stale) {
                    recovered += catchUp(e.getKey(), e.getValue());
                }
            }
            LOG.log(Level.INFO, "event=caught_up topics={0} frames={1}", String.valueOf(topics.size()), String.valueOf(recovered));
        } catch (Exception e) {
            LOG.log(Level.WARNING, "event=catch_up_failed retry_ms=1000 error={0}", e.toString());
            CompletableFuture.delayedExecutor(1, TimeUnit.SECONDS, executor).execute(this::catchUp);
        }
    }

    private int catchUp(String topic, TopicState state) throws Exception {
        int count = 0;
        if (state.lastId != null) {
            HistoryPage page;
            do {
                page = source.readAfter(topic, state.lastId.toString(), CATCH_UP_PAGE);
                for (StoredFrame f : page.frames()) {
                    deliver(topic, state, StreamId.parse(f.id()), f.frame());
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
