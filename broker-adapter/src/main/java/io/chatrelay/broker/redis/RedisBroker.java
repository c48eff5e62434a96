package io.chatrelay.broker.redis;

import io.chatrelay.broker.Broker;
import io.chatrelay.broker.BrokerException;
import io.chatrelay.broker.BrokerListener;
import io.chatrelay.broker.BrokerState;
import io.chatrelay.broker.FrameTemplate;
import io.chatrelay.broker.HistoryPage;
import io.chatrelay.broker.PresenceEntry;
import io.chatrelay.broker.StoredFrame;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * A {@link Broker} on Redis or Redis Cluster: one Pub/Sub connection for every subscription and
 * one connection for commands (a subscribed connection cannot publish). Channels are shard
 * channels ({@code SSUBSCRIBE}/{@code SPUBLISH}), so in a cluster a topic's channel, stream and
 * presence keys, which share a hash tag, live on one shard. Appends are one Lua script
 * ({@code XADD} then {@code SPUBLISH}); history is the topic's stream; presence is a sorted set
 * per topic. Lettuce reconnects and resubscribes by itself; {@link TopicDispatcher} then reads
 * what Pub/Sub missed from the streams. Commands issued while disconnected fail at once.
 */
public final class RedisBroker implements Broker {
    private static final System.Logger LOG = System.getLogger(RedisBroker.class.getName());

    private final RedisSettings settings;
    private final RedisKeys keys;
    private final ConnectionTracker tracker = new ConnectionTracker(this::onConnectionChange);
    private final RedisConnections connections;
    private volatile RedisClusterAsyncCommands<String, String> commands;
    private volatile StatefulRedisPubSubConnection<String, String> pubsub;
    private volatile TopicDispatcher dispatcher;
    private volatile RedisPresence presence;
    private volatile BrokerState state = BrokerState.CONNECTING;
    private volatile boolean closed;

    /**
     * Creates a broker; nothing connects before {@link #start}.
     *
     * @param settings connection and history settings
     */
    public RedisBroker(RedisSettings settings) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.keys = new RedisKeys(settings.prefix());
        this.connections = new RedisConnections(settings, tracker);
    }

    @Override
    public void start(BrokerListener listener) {
        Objects.requireNonNull(listener, "listener");
        dispatcher = new TopicDispatcher(listener, new CatchUp());
        Thread.ofVirtual().name("redis-broker-connect").start(this::connectUntilUp);
    }

    private void connectUntilUp() {
        long backoff = 200;
        while (!closed) {
            try {
                connect();
                return;
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "event=redis_connect_failed retry_ms={0} error={1}", String.valueOf(backoff), e.getMessage());
                sleep(backoff);
                backoff = Math.min(backoff * 2, 5000);
            }
        }
    }

    private void connect() {
        StatefulConnection<String, String> cmd = connections.connectCommands();
        StatefulRedisPubSubConnection<String, String> sub;
        try {
            sub = connections.connectPubSub();
        } catch (RuntimeException e) {
            cmd.closeAsync();
            throw e;
        }
        sub.addListener(new RedisPubSubAdapter<>() {
            @Override
            public void smessage(String channel, String message) {
                String topic = keys.topicOfChannel(channel);
                if (topic != null) {
                    dispatcher.onPayload(topic, message);
                }
            }
        });
        commands = RedisConnections.async(cmd);
        pubsub = sub;
        presence = new RedisPresence(commands, keys);
        tracker.start();
        LOG.log(Level.INFO, "event=redis_connected prefix={0} cluster={1}", settings.prefix(), settings.cluster());
    }

    private void onConnectionChange(ConnectionTracker.Change change) {
        BrokerState next = closed ? BrokerState.CLOSED : change.allUp() ? BrokerState.UP : BrokerState.DOWN;
        if (change.subscriptionLost()) {
            dispatcher.subscriptionLost();
        }
        if (change.subscriptionRestored()) {
            dispatcher.subscriptionRestored();
        }
        if (next != state) {
            state = next;
            LOG.log(Level.INFO, "event=broker_state state={0}", next);
            dispatcher.onState(next);
        }
    }

    @Override
    public BrokerState state() {
        return state;
    }

    @Override
    public CompletionStage<Void> subscribe(String topic) {
        // The stream's newest id before subscribing is where a later catch-up starts if the
        // subscription drops before anything was delivered.
        return whenUp(sub -> commands.xrevrange(keys.stream(topic), Range.unbounded(), Limit.from(1)).thenCompose(last -> {
            dispatcher.register(topic, last.isEmpty() ? "0-0" : last.getFirst().getId());
            return sub.async().ssubscribe(keys.channel(topic)).thenApply(v -> (Void) null);
        }), pubsub);
    }

    @Override
    public CompletionStage<Void> unsubscribe(String topic) {
        return whenUp(sub -> {
            dispatcher.unregister(topic);
            return sub.async().sunsubscribe(keys.channel(topic)).thenApply(v -> null);
        }, pubsub);
    }

    @Override
    public CompletionStage<String> append(String topic, FrameTemplate frame) {
        return whenUp(cmd -> cmd.<String>eval(RedisScripts.APPEND, ScriptOutputType.VALUE,
                new String[] {keys.stream(topic), keys.channel(topic)},
                frame.head(), frame.tail(), Integer.toString(settings.historyMaxLen())), commands);
    }

    @Override
    public CompletionStage<Void> publish(String topic, String frame) {
        return whenUp(cmd -> cmd.spublish(keys.channel(topic), "\n" + frame).thenApply(n -> null), commands);
    }

    @Override
    public CompletionStage<HistoryPage> readAfter(String topic, String afterId, int limit) {
        return whenUp(cmd -> readAfter(cmd, topic, afterId, limit), commands);
    }

    private CompletionStage<HistoryPage> readAfter(RedisClusterAsyncCommands<String, String> redis, String topic,
                                                   String afterId, int limit) {
        String stream = keys.stream(topic);
        var page = redis.xrange(stream, Range.from(Range.Boundary.excluding(afterId), Range.Boundary.unbounded()),
                Limit.from(limit + 1L));
        var first = redis.xrange(stream, Range.unbounded(), Limit.from(1));
        return page.thenCombine(first, (entries, head) -> {
            boolean covered = head.isEmpty() || io.chatrelay.broker.StreamId.compare(head.get(0).getId(), afterId) <= 0;
            boolean more = entries.size() > limit;
            return new HistoryPage(frames(topic, more ? entries.subList(0, limit) : entries), covered, more);
        });
    }

    @Override
    public CompletionStage<HistoryPage> readBefore(String topic, String beforeId, int limit) {
        Range.Boundary<String> upper = beforeId == null ? Range.Boundary.unbounded() : Range.Boundary.excluding(beforeId);
        return whenUp(cmd -> cmd.xrevrange(keys.stream(topic), Range.from(Range.Boundary.unbounded(), upper),
                Limit.from(limit + 1L)).thenApply(entries -> {
                    boolean more = entries.size() > limit;
                    List<StreamMessage<String, String>> newestFirst = new ArrayList<>(more ? entries.subList(0, limit) : entries);
                    Collections.reverse(newestFirst);
                    return new HistoryPage(frames(topic, newestFirst), true, more);
                }), commands);
    }

    private static List<StoredFrame> frames(String topic, List<StreamMessage<String, String>> entries) {
        List<StoredFrame> frames = new ArrayList<>(entries.size());
        for (StreamMessage<String, String> m : entries) {
            String head = m.getBody().getOrDefault("h", "");
            String tail = m.getBody().getOrDefault("t", "");
            frames.add(new StoredFrame(topic, m.getId(), head + m.getId() + tail));
        }
        return frames;
    }

    @Override
    public CompletionStage<Boolean> addPresence(String topic, String member, String node, long ttlMillis) {
        return whenUp(cmd -> presence.add(topic, member, node, ttlMillis), commands);
    }

    @Override
    public CompletionStage<Boolean> removePresence(String topic, String member, String node) {
        return whenUp(cmd -> presence.remove(topic, member, node), commands);
    }

    @Override
    public CompletionStage<Void> refreshPresence(List<PresenceEntry> entries, String node, long ttlMillis) {
        return whenUp(cmd -> presence.refresh(entries, node, ttlMillis), commands);
    }

    @Override
    public CompletionStage<List<String>> presence(String topic) {
        return whenUp(cmd -> presence.members(topic), commands);
    }

    @Override
    public CompletionStage<List<PresenceEntry>> sweepPresence(long lockMillis) {
        return whenUp(cmd -> presence.sweep(lockMillis), commands);
    }

    private <C, T> CompletionStage<T> whenUp(Function<C, CompletionStage<T>> action, C connection) {
        if (connection == null || state != BrokerState.UP) {
            return CompletableFuture.failedFuture(new BrokerException("redis is " + state));
        }
        try {
            return action.apply(connection).exceptionallyCompose(e -> CompletableFuture.failedFuture(wrap(e)));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(wrap(e));
        }
    }

    private static BrokerException wrap(Throwable e) {
        Throwable cause = e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
        return cause instanceof BrokerException be ? be : new BrokerException("redis: " + cause.getMessage(), cause);
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        state = BrokerState.CLOSED;
        tracker.close();
        connections.close();
        if (dispatcher != null) {
            dispatcher.close();
        }
    }

    private static void sleep(long millis) {
        try {
            TimeUnit.MILLISECONDS.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private final class CatchUp implements TopicDispatcher.CatchUpSource {
        @Override
        public void resubscribe(Iterable<String> topics) throws Exception {
            // one channel per command: in a cluster, channels of different slots cannot share one
            List<CompletableFuture<Void>> all = new ArrayList<>();
            topics.forEach(t -> all.add(pubsub.async().ssubscribe(keys.channel(t)).toCompletableFuture()));
            CompletableFuture.allOf(all.toArray(CompletableFuture[]::new))
                    .get(settings.commandTimeout().toMillis(), TimeUnit.MILLISECONDS);
        }

        @Override
        public HistoryPage readAfter(String topic, String afterId, int limit) throws Exception {
            return RedisBroker.this.readAfter(commands, topic, afterId, limit).toCompletableFuture()
                    .get(settings.commandTimeout().toMillis(), TimeUnit.MILLISECONDS);
        }
    }
}
