package io.chatrelay.broker.redis;

import io.chatrelay.broker.AppendOptions;
import io.chatrelay.broker.Appended;
import io.chatrelay.broker.Await;
import io.chatrelay.broker.Broker;
import io.chatrelay.broker.Counted;
import io.chatrelay.broker.EventLog;
import io.chatrelay.broker.Moderation;
import io.chatrelay.broker.CountedSet;
import io.chatrelay.broker.ReadState;
import io.chatrelay.broker.BrokerException;
import io.chatrelay.broker.BrokerListener;
import io.chatrelay.broker.BrokerState;
import io.chatrelay.broker.FrameMeta;
import io.chatrelay.broker.FrameTemplate;
import io.chatrelay.broker.HistoryPage;
import io.chatrelay.broker.OutcomeUnknownException;
import io.chatrelay.broker.StoredFrame;
import io.chatrelay.broker.StorageFullException;
import io.chatrelay.broker.StreamId;
import io.chatrelay.broker.UserDirectory;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * A {@link Broker} on Redis or Redis Cluster: one Pub/Sub connection for every subscription and
 * one connection for commands (a subscribed connection cannot publish). Channels are shard
 * channels ({@code SSUBSCRIBE}/{@code SPUBLISH}), so in a cluster a topic's channel, stream and
 * presence keys, which share a hash tag, live on one shard. Appends are one Lua script
 * ({@code append.lua}: {@code XADD} then {@code SPUBLISH}); history is the topic's stream.
 * Lettuce reconnects and resubscribes by itself; {@link TopicDispatcher} then reads what Pub/Sub
 * missed from the streams. Commands issued while disconnected fail at once. The presence half of
 * the SPI shares this broker's connection: {@link #presenceStore}.
 *
 * <p>Failures stay on their shard: the broker is {@link BrokerState#UP} while the masters it
 * reaches serve more than half of the slots (a single Redis: while it is reached), so one shard
 * down leaves the gateway serving the rooms of the others; commands for a topic on the shard
 * that is down fail on their own (Lettuce rejects them), and only that shard's topics turn stale
 * for delivery. While a master is unreachable the broker asks the cluster for its topology every
 * second, so that the replica promoted in its place is used as soon as it serves the slots. In
 * {@link RedisSettings.Durability#REPLICA} mode appends are acknowledged once a replica has them
 * ({@link ReplicaWrites}).
 */
public final class RedisBroker implements Broker {
    private static final System.Logger LOG = System.getLogger(RedisBroker.class.getName());
    private static final int REJECTED_RETRIES = 10;

    private static final long REJECTED_PAUSE_MS = 50;

    private final RedisSettings settings;
    private final RedisKeys keys;
    private final ConnectionTracker tracker = new ConnectionTracker(this::onConnectionChange);
    private final RedisConnections connections;
    private final ReplicaWrites replicas;
    private final ShardMonitor monitor;
    /** This broker's script calls, kept in order (also used by its stores). */
    final ScriptCalls scripts = new ScriptCalls();
    private volatile RedisClusterAsyncCommands<String, String> commands;
    private volatile StatefulRedisPubSubConnection<String, String> pubsub;
    private volatile TopicDispatcher dispatcher;
    private volatile BrokerState state = BrokerState.CONNECTING;
    private volatile boolean closed;

    /**
     * Creates a broker; nothing connects before {@link #start}.
     *
     * @param settings connection and history settings
     */
    public RedisBroker(RedisSettings settings) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.keys = new RedisKeys(settings.prefix(), settings.cluster());
        this.connections = new RedisConnections(settings, tracker);
        this.replicas = settings.durability() == RedisSettings.Durability.REPLICA
                ? new ReplicaWrites(connections, settings.waitTimeout()) : null;
        this.monitor = new ShardMonitor(connections, tracker, this::onShards);
    }

    /**
     * The presence store on this broker's Redis.
     *
     * @param settings this node's presence settings
     * @return the store; usable once this broker is up
     */
    public RedisPresenceStore presenceStore(RedisPresenceStore.Settings settings) {
        return new RedisPresenceStore(this, keys, settings);
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
        StatefulRedisPubSubConnection<String, String> sub = connections.connect();
        sub.addListener(new RedisPubSubAdapter<>() {
            @Override
            public void smessage(String channel, String message) {
                String topic = keys.topicOfChannel(channel);
                if (topic != null) {
                    dispatcher.onPayload(topic, message);
                }
            }
        });
        commands = connections.commands();
        pubsub = sub;
        tracker.start();
        monitor.start();
        LOG.log(Level.INFO, "event=redis_connected prefix={0} cluster={1} durability={2}", settings.prefix(), settings.cluster(),
                settings.durability());
    }

    /** A connection went down or came back (on Lettuce's event loop: hands work off, never blocks). */
    private void onConnectionChange(ConnectionTracker.Change change) {
        if (change.subscriptionLost()) {
            java.util.BitSet slots = connections.slotsAt(change.lost());
            dispatcher.subscriptionLost(topic -> slots.get(SlotHash.getSlot(keys.stream(topic))));
        }
        if (change.restored()) {
            dispatcher.subscriptionRestored();
        }
        monitor.wake();
    }

    /** The monitor's periodic view of the shards: the state, and stale topics retried. */
    private void onShards(BrokerState next) {
        if (closed || state == BrokerState.CONNECTING && next != BrokerState.UP) {
            // connecting for the first time: node connections are still opening
            return;
        }
        if (next != state) {
            state = next;
            LOG.log(Level.INFO, "event=broker_state state={0} shards={1}", next, monitor.describe());
            dispatcher.onState(next);
        }
        dispatcher.retry();
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
    public CompletionStage<Appended> append(String topic, FrameTemplate frame, AppendOptions options) {
        FrameMeta meta = frame.meta();
        String dedup = keys.dedup(topic, options.dedupKey() == null ? "-" : options.dedupKey());
        return write(keys.stream(topic), cmd -> scripts.<List<Object>>run(LuaScript.APPEND, cmd, inOrder(topic, meta.sender()), ScriptOutputType.MULTI,
                new String[] {keys.stream(topic), keys.channel(topic), dedup},
                frame.head(), frame.isFixed() ? "" : frame.tail(), retention(options), meta.kind(),
                meta.sender(), Long.toString(meta.ts()), Long.toString(options.idleTtl().toMillis()),
                Long.toString(options.dedupKey() == null ? 0 : options.dedupWindow().toMillis()), frame.isFixed() ? "1" : "0"))
                .thenApply(r -> new Appended((String) r.get(0), (Long) r.get(1) == 1L));
    }

    @Override
    public CompletionStage<Counted> appendCounted(String topic, CountedSet set, String member, boolean add, FrameTemplate frame,
                                                  AppendOptions options) {
        FrameMeta meta = frame.meta();
        return write(keys.stream(topic), cmd -> scripts.<List<Object>>run(LuaScript.REACT, cmd, inOrder(topic, meta.sender()), ScriptOutputType.MULTI,
                new String[] {keys.stream(topic), keys.channel(topic), keys.countedSet(topic, set.key()),
                    keys.countedGroup(topic, set.group())},
                frame.head(), frame.tail(), retention(options), meta.kind(), meta.sender(),
                Long.toString(meta.ts()), Long.toString(options.idleTtl().toMillis()), member, add ? "1" : "0", set.name(),
                Integer.toString(set.groupCap())))
                .thenApply(r -> (Long) r.get(1) < 0 ? Counted.groupFull()
                        : new Counted(((String) r.get(0)).isEmpty() ? null : (String) r.get(0), (Long) r.get(1)));
    }

    /** The order key of a sender's writes to a topic ({@link ScriptCalls}). */
    static String inOrder(String topic, String who) {
        return topic + '\n' + who;
    }

    /** The retention argument of the append scripts ({@code retain.lua}). */
    private String retention(AppendOptions options) {
        int maxLen = settings.historyMaxLen();
        return options.minAge().isZero() ? Integer.toString(maxLen)
                : maxLen + ":" + options.minAge().toMillis() + ":" + Math.max(maxLen, options.maxLenHard());
    }

    @Override
    public CompletionStage<StoredFrame> read(String topic, String id) {
        return call(cmd -> {
            String exact = StreamId.parse(id).toString();
            return cmd.xrange(keys.stream(topic), Range.create(exact, exact), Limit.from(1))
                    .thenApply(entries -> entries.isEmpty() ? null : frames(topic, entries).getFirst());
        });
    }

    @Override
    public CompletionStage<Integer> countAfter(String topic, String afterId, int cap) {
        return call(cmd -> cmd.xrange(keys.stream(topic),
                Range.from(Range.Boundary.excluding(StreamId.parse(afterId).toString()), Range.Boundary.unbounded()),
                Limit.from(positive(cap))).thenApply(List::size));
    }

    /**
     * Read cursors and receipts on this broker's Redis, both kept per room in the room's slot.
     *
     * @param ttl how long a user's cursor in a room lives after the user's last read there, and a
     *            room's receipts after their last change
     * @return the read state
     */
    public ReadState readState(Duration ttl) {
        return new ReadState() {
            @Override
            public CompletionStage<Boolean> markRead(String user, String room, String id) {
                String valid = StreamId.parse(id).toString();
                return call(cmd -> scripts.<Long>run(LuaScript.MARK_READ, cmd, null, ScriptOutputType.INTEGER,
                        new String[] {keys.readCursors(room)}, user, valid, Long.toString(ttl.toMillis()))).thenApply(n -> n == 1L);
            }

            @Override
            public CompletionStage<java.util.Map<String, String>> cursors(String user, java.util.Collection<String> rooms) {
                if (rooms.isEmpty()) {
                    return CompletableFuture.completedFuture(java.util.Map.of());
                }
                // one key per room (each on its room's shard)
                List<String> order = List.copyOf(new java.util.LinkedHashSet<>(rooms));
                List<CompletableFuture<String>> each = order.stream()
                        .map(room -> call(cmd -> cmd.hget(keys.readCursors(room), user)).toCompletableFuture()).toList();
                return CompletableFuture.allOf(each.toArray(CompletableFuture[]::new)).thenApply(v -> {
                    java.util.Map<String, String> map = new java.util.LinkedHashMap<>();
                    for (int i = 0; i < order.size(); i++) {
                        String id = each.get(i).join();
                        if (id != null) {
                            map.put(order.get(i), id);
                        }
                    }
                    return map;
                });
            }

            @Override
            public CompletionStage<Void> receipt(String room, String user, String id) {
                String key = keys.receipts(room);
                return call(cmd -> cmd.hset(key, user, StreamId.parse(id).toString()))
                        .thenCompose(n -> call(cmd -> cmd.pexpire(key, ttl.toMillis()))).thenApply(ok -> null);
            }

            @Override
            public CompletionStage<java.util.Map<String, String>> receipts(String room) {
                return call(cmd -> cmd.hgetall(keys.receipts(room)));
            }
        };
    }

    /**
     * Bans and mutes on this broker's Redis.
     *
     * @return the store
     */
    public Moderation moderation() {
        return new RedisModeration(this, keys, System::currentTimeMillis);
    }

    /**
     * The event log (what webhooks deliver) on this broker's Redis.
     *
     * @param maxLen the most events kept (the oldest are trimmed beyond it)
     * @return the log
     */
    public EventLog eventLog(int maxLen) {
        return new RedisEventLog(this, keys, maxLen);
    }

    /**
     * The directory of known users on this broker's Redis.
     *
     * @param retention how long a user stays known after connecting
     * @return the directory
     */
    public UserDirectory userDirectory(Duration retention) {
        return new UserDirectory() {
            @Override
            public CompletionStage<Void> seen(String user) {
                return call(redis -> redis.set(keys.known(user), "1", io.lettuce.core.SetArgs.Builder.px(retention.toMillis())))
                        .thenApply(ok -> null);
            }

            @Override
            public CompletionStage<Boolean> known(String user) {
                return call(redis -> redis.exists(keys.known(user))).thenApply(n -> n > 0);
            }
        };
    }

    @Override
    public CompletionStage<Void> publish(String topic, FrameMeta meta, String frame) {
        return call(cmd -> cmd.spublish(keys.channel(topic), Envelope.ephemeral(meta, frame)).thenApply(n -> null));
    }

    @Override
    public CompletionStage<HistoryPage> readAfter(String topic, String afterId, int limit) {
        return call(cmd -> readAfter(cmd, topic, afterId, limit));
    }

    private CompletionStage<HistoryPage> readAfter(RedisClusterAsyncCommands<String, String> redis, String topic,
                                                   String afterId, int limit) {
        StreamId after = StreamId.parse(afterId);
        String stream = keys.stream(topic);
        var page = redis.xrange(stream, Range.from(Range.Boundary.excluding(after.toString()), Range.Boundary.unbounded()),
                Limit.from(positive(limit) + 1L)).toCompletableFuture();
        var first = redis.xrange(stream, Range.unbounded(), Limit.from(1)).toCompletableFuture();
        var length = redis.xlen(stream).toCompletableFuture();
        return CompletableFuture.allOf(page, first, length).thenCompose(v -> {
            List<StreamMessage<String, String>> entries = page.join();
            boolean more = entries.size() > limit;
            List<StoredFrame> frames = frames(topic, more ? entries.subList(0, limit) : entries);
            List<StreamMessage<String, String>> head = first.join();
            if (head.isEmpty() || StreamId.parse(head.getFirst().getId()).compareTo(after) <= 0) {
                return CompletableFuture.completedFuture(new HistoryPage(frames, true, more));
            }
            // `after` is older than the first entry: covered only if nothing was ever trimmed away
            // (XINFO STREAM's entries-added equals the length)
            return redis.xinfoStream(stream).thenApply(info -> new HistoryPage(frames, entriesAdded(info) == length.join(), more));
        });
    }

    /** XINFO STREAM's entries-added (Redis 7+); -1 if absent. */
    private static long entriesAdded(List<Object> info) {
        for (int i = 0; i + 1 < info.size(); i += 2) {
            if ("entries-added".equals(String.valueOf(info.get(i))) && info.get(i + 1) instanceof Long n) {
                return n;
            }
        }
        return -1;
    }

    @Override
    public CompletionStage<HistoryPage> readBefore(String topic, String beforeId, int limit) {
        return call(cmd -> {
            Range.Boundary<String> upper = beforeId == null ? Range.Boundary.unbounded()
                    : Range.Boundary.excluding(StreamId.parse(beforeId).toString());
            return cmd.xrevrange(keys.stream(topic), Range.from(Range.Boundary.unbounded(), upper), Limit.from(positive(limit) + 1L))
                    .thenApply(entries -> {
                        boolean more = entries.size() > limit;
                        List<StreamMessage<String, String>> newestFirst = new ArrayList<>(more ? entries.subList(0, limit) : entries);
                        Collections.reverse(newestFirst);
                        return new HistoryPage(frames(topic, newestFirst), true, more);
                    });
        });
    }

    private static int positive(int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be >= 1");
        }
        return limit;
    }

    private static List<StoredFrame> frames(String topic, List<StreamMessage<String, String>> entries) {
        List<StoredFrame> frames = new ArrayList<>(entries.size());
        for (StreamMessage<String, String> m : entries) {
            Map<String, String> body = m.getBody();
            FrameMeta meta = new FrameMeta(body.getOrDefault("k", "message"), body.getOrDefault("s", ""),
                    Long.parseLong(body.getOrDefault("m", "0")));
            String flag = body.get("f");
            String text = "1".equals(flag) ? body.getOrDefault("h", "")
                    : "c".equals(flag) ? body.getOrDefault("h", "") + m.getId() + "\",\"count\":" + body.getOrDefault("c", "0")
                            + body.getOrDefault("t", "")
                    : body.getOrDefault("h", "") + m.getId() + body.getOrDefault("t", "");
            frames.add(new StoredFrame(topic, m.getId(), meta, text));
        }
        return frames;
    }

    /**
     * Runs a command on the command connection, failing fast unless the broker is up.
     *
     * @param action the command
     * @param <T>    result type
     * @return its result; failures are {@link BrokerException}s
     */
    <T> CompletionStage<T> call(Function<RedisClusterAsyncCommands<String, String>, CompletionStage<T>> action) {
        return whenUp(action, commands);
    }

    /**
     * Runs a write that makes a frame durable (an append): like {@link #call} in
     * {@link RedisSettings.Durability#ASYNC} mode; in {@code REPLICA} mode on the master of the
     * key's slot, acknowledged once a replica has it ({@link ReplicaWrites}).
     */
    private <T> CompletionStage<T> write(String key, Function<RedisClusterAsyncCommands<String, String>, CompletionStage<T>> action) {
        return replicas == null ? call(action) : whenUp(r -> r.run(key, action), replicas);
    }

    private <C, T> CompletionStage<T> whenUp(Function<C, CompletionStage<T>> action, C connection) {
        return attempt(action, connection, REJECTED_RETRIES);
    }

    /**
     * Runs a command; retries it (after a short pause) while Lettuce rejects it without sending it
     * because the connection to a cluster node is still being opened: Lettuce 7 opens node
     * connections on first use and rejects commands meanwhile under {@code REJECT_COMMANDS}.
     */
    private <C, T> CompletionStage<T> attempt(Function<C, CompletionStage<T>> action, C connection, int retries) {
        if (connection == null || state != BrokerState.UP) {
            return CompletableFuture.failedFuture(new BrokerException("redis is " + state));
        }
        CompletionStage<T> result;
        try {
            result = action.apply(connection);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(wrap(e));
        }
        return result.exceptionallyCompose(e -> {
            if (retries > 0 && rejectedUnsent(e)) {
                return CompletableFuture.supplyAsync(() -> null, CompletableFuture.delayedExecutor(REJECTED_PAUSE_MS, TimeUnit.MILLISECONDS))
                        .thenCompose(v -> attempt(action, connection, retries - 1));
            }
            return CompletableFuture.failedFuture(wrap(e));
        });
    }

    private static boolean rejectedUnsent(Throwable e) {
        Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
        return cause instanceof RedisException && cause.getMessage() != null
                && cause.getMessage().startsWith("Currently not connected");
    }

    private static BrokerException wrap(Throwable e) {
        Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
        if (cause instanceof BrokerException be) {
            return be;
        }
        if (cause instanceof RedisCommandTimeoutException) {
            return new OutcomeUnknownException("redis: no answer in time: " + cause.getMessage(), cause);
        }
        if (cause.getMessage() != null && (cause.getMessage().startsWith("Connection disconnected")
                || cause.getMessage().startsWith("Connection closed"))) {
            // Lettuce fails the commands it had sent, and those it had buffered, when the
            // connection drops or is closed: a sent one may have run
            return new OutcomeUnknownException("redis: connection lost before the answer: " + cause.getMessage(), cause);
        }
        if (cause.getMessage() != null && cause.getMessage().contains("OOM command not allowed")) {
            return new StorageFullException("redis is full (maxmemory): " + cause.getMessage(), cause);
        }
        return new BrokerException("redis: " + cause.getMessage(), cause);
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        state = BrokerState.CLOSED;
        monitor.close();
        tracker.close();
        connections.close();
        if (dispatcher != null) {
            dispatcher.onState(BrokerState.CLOSED);
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
        public boolean reachable(String topic) {
            return monitor.reachable(keys.stream(topic));
        }

        @Override
        public void resubscribe(String topic) throws Exception {
            Await.result(pubsub.async().ssubscribe(keys.channel(topic)), settings.commandTimeout());
        }

        @Override
        public HistoryPage readAfter(String topic, String afterId, int limit) throws Exception {
            return Await.result(RedisBroker.this.readAfter(commands, topic, afterId, limit), settings.commandTimeout());
        }
    }
}
