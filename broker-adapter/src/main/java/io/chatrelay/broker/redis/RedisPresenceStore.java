package io.chatrelay.broker.redis;

import io.chatrelay.broker.PresenceEntry;
import io.chatrelay.broker.PresenceStore;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SetArgs;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.ToIntFunction;

/**
 * Presence on Redis. Per topic (keys sharing the topic's hash tag, so one shard holds them): a
 * sorted set of {@code member|node} entries scored by expiry in Redis server time (gateways'
 * clocks do not matter), a hash counting each member's entries and a hash of display names, so
 * that a join, a leave and a refresh cost the same in a room of ten and of ten thousand. Sets name the topics
 * with entries, for the sweep, with a lock key each that lets one node sweep them at a time: one set for a
 * single Redis; in a cluster one per range of slots, kept on the shard of that range
 * ({@link RedisKeys#presenceTopics(int)}).
 *
 * <p>A shard that is down fails only what lives there: listing a topic for the sweep is best
 * effort (the next refresh lists it again); a refresh and a sweep carry on with the topics and
 * buckets they reach, and fail only when they reach none.
 *
 * <p>A refresh and a sweep cover many topics (every connected user has an inbox topic): topics
 * that may share a script call ({@link RedisKeys#scriptGroup}: all of them on a single Redis)
 * go in batches of at most {@link #BATCH_TOPICS}, one call each, instead of a call per topic.
 *
 * <p>Each Redis command is its own {@link RedisBroker#call} (which may retry a command Lettuce
 * rejected unsent), never a chain of them: a retried chain would run its first, non-idempotent
 * commands twice.
 */
public final class RedisPresenceStore implements PresenceStore {
    private static final System.Logger LOG = System.getLogger(RedisPresenceStore.class.getName());
    /** Expired entries one sweep call removes at most (over all its topics), so that no sweep blocks Redis long. */
    private static final int SWEEP_BATCH = 500;
    /**
     * Sweep calls (each a batch of topics) in flight at once. Every connected user has an inbox
     * topic, so a sweep covers thousands of them; sent all at once, their script calls would
     * queue in front of the messages on the command connection.
     */
    static final int SWEEP_WINDOW = 32;
    /**
     * Topics one script call covers at most (a refresh's or a sweep's), when they may share a
     * call: on a single Redis every inbox topic would otherwise cost a call of its own each period.
     */
    static final int BATCH_TOPICS = 64;
    /** Entries one refresh call writes at most (a topic with more still gets a call of its own). */
    static final int BATCH_ENTRIES = 1000;

    /**
     * This node's presence settings.
     *
     * @param node  this gateway's node id (no {@code |})
     * @param ttl   life of an entry without refresh
     * @param sweep how often nodes sweep; one node's sweep holds the lock this long at most
     */
    public record Settings(String node, Duration ttl, Duration sweep) {
        /** Validates. */
        public Settings {
            Objects.requireNonNull(node, "node");
            if (node.isEmpty() || node.indexOf('|') >= 0) {
                throw new IllegalArgumentException("node must be non-empty without '|'");
            }
            if (ttl.isNegative() || ttl.isZero() || sweep.isNegative() || sweep.isZero()) {
                throw new IllegalArgumentException("ttl and sweep must be positive");
            }
        }
    }

    private final RedisBroker broker;
    private final RedisKeys keys;
    private final Settings settings;

    RedisPresenceStore(RedisBroker broker, RedisKeys keys, Settings settings) {
        this.broker = broker;
        this.keys = keys;
        this.settings = Objects.requireNonNull(settings, "settings");
    }

    private String[] keysOf(String topic) {
        return new String[] {keys.presence(topic), keys.presenceCounts(topic), keys.presenceNames(topic), keys.presenceIndex(topic)};
    }

    /** Puts topics of one sweep bucket into the sweep's set; after their entries were written (see {@link #sweepBatch}). */
    private CompletionStage<Long> listTopics(List<String> topics) {
        return broker.call(redis -> redis.sadd(keys.presenceTopics(keys.sweepBucket(topics.getFirst())), topics.toArray(String[]::new)));
    }

    /** {@link #listTopics}, best effort: a failure is logged and the next refresh lists the topics again. */
    private CompletionStage<Void> listTopicsSoon(List<String> topics) {
        return listTopics(topics).handle((n, error) -> {
            if (error != null) {
                LOG.log(System.Logger.Level.DEBUG, "event=presence_list_failed topics={0} error={1}", topics.size(), error.toString());
            }
            return null;
        });
    }

    @Override
    public CompletionStage<Change> join(String topic, String member, String name) {
        return broker.<List<Object>>call(redis -> broker.scripts.run(LuaScript.PRESENCE_ADD, redis, RedisBroker.inOrder(topic, member), ScriptOutputType.MULTI, keysOf(topic), member,
                        settings.node(), Long.toString(settings.ttl().toMillis()), name))
                .thenCompose(result -> listTopicsSoon(List.of(topic)).thenApply(v -> change(result)));
    }

    @Override
    public CompletionStage<Change> leave(String topic, String member) {
        return broker.<List<Object>>call(redis -> broker.scripts.run(LuaScript.PRESENCE_REMOVE, redis, RedisBroker.inOrder(topic, member), ScriptOutputType.MULTI, keysOf(topic),
                member, settings.node(), "0")).thenApply(RedisPresenceStore::change);
    }

    /** A presence script's {changed, members after}. */
    private static Change change(List<Object> result) {
        return new Change((Long) result.get(0) == 1L, (Long) result.get(1));
    }

    @Override
    public CompletionStage<Void> release(String topic, String member, long graceMillis) {
        return broker.<List<Object>>call(redis -> broker.scripts.run(LuaScript.PRESENCE_REMOVE, redis, RedisBroker.inOrder(topic, member), ScriptOutputType.MULTI, keysOf(topic),
                member, settings.node(), Long.toString(Math.max(1, graceMillis)))).thenApply(n -> null);
    }

    @Override
    public CompletionStage<List<PresenceEntry>> refresh(Collection<PresenceEntry> entries) {
        List<PresenceEntry> back = Collections.synchronizedList(new ArrayList<>());
        List<CompletableFuture<Void>> all = new ArrayList<>();
        for (List<Map.Entry<String, List<PresenceEntry>>> batch : batches(byTopic(entries), Map.Entry::getKey, e -> e.getValue().size())) {
            all.add(refreshBatch(batch, back).toCompletableFuture());
        }
        return whatSucceeded(all, "refresh").thenApply(v -> List.copyOf(back));
    }

    private static List<Map.Entry<String, List<PresenceEntry>>> byTopic(Collection<PresenceEntry> entries) {
        Map<String, List<PresenceEntry>> byTopic = new LinkedHashMap<>();
        entries.forEach(e -> byTopic.computeIfAbsent(e.topic(), t -> new ArrayList<>()).add(e));
        return new ArrayList<>(byTopic.entrySet());
    }

    /**
     * Cuts items (topics, with their weight: entries to write or at most to remove) into the
     * batches one script call covers: topics that may share a call ({@link RedisKeys#scriptGroup}),
     * at most {@link #BATCH_TOPICS} of them and {@link #BATCH_ENTRIES} entries (a heavier topic
     * alone).
     */
    private <T> List<List<T>> batches(List<T> items, Function<T, String> topicOf, ToIntFunction<T> weight) {
        Map<Integer, List<T>> groups = new LinkedHashMap<>();
        for (T item : items) {
            groups.computeIfAbsent(keys.scriptGroup(topicOf.apply(item)), g -> new ArrayList<>()).add(item);
        }
        List<List<T>> batches = new ArrayList<>();
        for (List<T> group : groups.values()) {
            List<T> batch = new ArrayList<>();
            int entries = 0;
            for (T item : group) {
                int w = weight.applyAsInt(item);
                if (!batch.isEmpty() && (batch.size() == BATCH_TOPICS || entries + w > BATCH_ENTRIES)) {
                    batches.add(batch);
                    batch = new ArrayList<>();
                    entries = 0;
                }
                batch.add(item);
                entries += w;
            }
            batches.add(batch);
        }
        return batches;
    }

    /** The four keys of each topic, in order. */
    private String[] keysOf(List<String> topics) {
        String[] all = new String[4 * topics.size()];
        for (int i = 0; i < topics.size(); i++) {
            System.arraycopy(keysOf(topics.get(i)), 0, all, 4 * i, 4);
        }
        return all;
    }

    /** One script call for a batch of topics, then one SADD listing them for the sweep (their bucket is the same). */
    private CompletionStage<Void> refreshBatch(List<Map.Entry<String, List<PresenceEntry>>> batch, List<PresenceEntry> back) {
        List<String> topics = batch.stream().map(Map.Entry::getKey).toList();
        List<String> args = new ArrayList<>();
        args.add(settings.node());
        args.add(Long.toString(settings.ttl().toMillis()));
        for (Map.Entry<String, List<PresenceEntry>> topic : batch) {
            args.add(Integer.toString(topic.getValue().size()));
            topic.getValue().forEach(e -> {
                args.add(e.member());
                args.add(e.name());
            });
        }
        return broker.<List<Object>>call(redis -> broker.scripts.run(LuaScript.PRESENCE_REFRESH, redis, null, ScriptOutputType.MULTI,
                        keysOf(topics), args.toArray(String[]::new)))
                .thenAccept(result -> {
                    for (int i = 0; i + 1 < result.size(); i += 2) {
                        Map.Entry<String, List<PresenceEntry>> topic = batch.get(((Long) result.get(i)).intValue() - 1);
                        String member = (String) result.get(i + 1);
                        topic.getValue().stream().filter(e -> e.member().equals(member)).findFirst().ifPresent(back::add);
                    }
                })
                .thenCompose(v -> listTopicsSoon(topics));
    }

    /**
     * Completes when all parts did; fails only when every part failed (with the first failure),
     * otherwise logs how many failed: the parts on a shard that is down must not fail the others.
     */
    private static CompletionStage<Void> whatSucceeded(List<CompletableFuture<Void>> parts, String what) {
        return CompletableFuture.allOf(parts.stream().map(f -> f.handle((v, e) -> e)).toArray(CompletableFuture[]::new))
                .thenCompose(v -> {
                    List<Throwable> failed = parts.stream().map(f -> f.handle((ok, e) -> e).join()).filter(Objects::nonNull).toList();
                    if (failed.isEmpty()) {
                        return CompletableFuture.completedFuture(null);
                    }
                    if (failed.size() == parts.size()) {
                        return CompletableFuture.failedFuture(failed.getFirst());
                    }
                    LOG.log(System.Logger.Level.WARNING, "event=presence_{0}_partly_failed failed={1} of={2} error={3}", what,
                            String.valueOf(failed.size()), String.valueOf(parts.size()), failed.getFirst().toString());
                    return CompletableFuture.completedFuture(null);
                });
    }

    @Override
    public CompletionStage<List<PresenceEntry>> members(String topic) {
        return broker.call(redis -> redis.hgetall(keys.presenceNames(topic))).thenApply(names -> {
            List<PresenceEntry> sorted = new ArrayList<>(names.size());
            new java.util.TreeMap<>(names).forEach((member, name) -> sorted.add(new PresenceEntry(topic, member, name)));
            return sorted;
        });
    }

    /** A page from the index (ZRANGE BYLEX) and the names of its members (HMGET): two reads, each bounded by the page. */
    @Override
    public CompletionStage<List<PresenceEntry>> members(String topic, String after, int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be >= 1");
        }
        io.lettuce.core.Range<String> range = io.lettuce.core.Range.from(
                after == null ? io.lettuce.core.Range.Boundary.unbounded() : io.lettuce.core.Range.Boundary.excluding(after),
                io.lettuce.core.Range.Boundary.unbounded());
        return broker.call(redis -> redis.zrangebylex(keys.presenceIndex(topic), range, io.lettuce.core.Limit.create(0, limit)))
                .thenCompose(ids -> ids.isEmpty() ? java.util.concurrent.CompletableFuture.completedFuture(List.<PresenceEntry>of())
                        : broker.call(redis -> redis.hmget(keys.presenceNames(topic), ids.toArray(String[]::new))).thenApply(names -> {
                            List<PresenceEntry> page = new ArrayList<>(ids.size());
                            for (int i = 0; i < ids.size(); i++) {
                                String name = names.get(i).getValueOrElse(ids.get(i));
                                page.add(new PresenceEntry(topic, ids.get(i), name));
                            }
                            return page;
                        }));
    }

    @Override
    public CompletionStage<Long> count(String topic) {
        return broker.call(redis -> redis.hlen(keys.presenceCounts(topic)));
    }

    @Override
    public CompletionStage<Sweep> sweepTopics() {
        List<PresenceEntry> gone = Collections.synchronizedList(new ArrayList<>());
        Set<String> emptied = ConcurrentHashMap.newKeySet();
        List<CompletableFuture<Void>> buckets = new ArrayList<>();
        for (int bucket = 0; bucket < keys.sweepBuckets(); bucket++) {
            buckets.add(sweepBucket(bucket, gone, emptied).toCompletableFuture());
        }
        return whatSucceeded(buckets, "sweep").thenApply(v -> new Sweep(List.copyOf(gone), emptied));
    }

    /** Sweeps the topics of one bucket if this node gets the bucket's lock. */
    private CompletionStage<Void> sweepBucket(int bucket, List<PresenceEntry> gone, Set<String> emptied) {
        return broker.call(redis -> redis.set(keys.sweepLock(bucket), settings.node(), SetArgs.Builder.nx().px(settings.sweep().toMillis())))
                .thenCompose(ok -> "OK".equals(ok)
                        ? broker.call(redis -> redis.smembers(keys.presenceTopics(bucket)))
                                .thenCompose(topics -> sweepTopics(topics, gone, emptied))
                        : CompletableFuture.completedFuture(null));
    }

    /**
     * Sweeps topics in batches, {@link #SWEEP_WINDOW} batches at a time: a gateway's sweep covers
     * every user's inbox topic.
     */
    private CompletionStage<Void> sweepTopics(Collection<String> topics, List<PresenceEntry> gone, Set<String> emptied) {
        return topics.isEmpty() ? CompletableFuture.completedFuture(null)
                : Windowed.run(batches(List.copyOf(topics), t -> t, t -> 1), SWEEP_WINDOW, batch -> sweepBatch(batch, gone, emptied))
                        .thenCompose(all -> whatSucceeded(all, "sweep"));
    }

    /**
     * Sweeps a batch of topics (one script call, at most {@link #SWEEP_BATCH} entries removed in
     * all), then sweeps again those that may have expired entries left. A topic found empty leaves
     * the sweep's set; since that SREM cannot be atomic with the script (another hash slot), it is
     * followed by a check that adds the topic back if an entry appeared meanwhile. Together with
     * add and refresh writing their entry before their SADD, every interleaving ends with a topic
     * that has entries in the set.
     */
    private CompletionStage<Void> sweepBatch(List<String> topics, List<PresenceEntry> gone, Set<String> emptied) {
        return broker.<List<Object>>call(redis -> broker.scripts.run(LuaScript.PRESENCE_SWEEP, redis, null, ScriptOutputType.MULTI,
                keysOf(topics), Integer.toString(SWEEP_BATCH))).thenCompose(result -> {
                    List<String> again = new ArrayList<>();
                    List<CompletableFuture<Void>> unlisted = new ArrayList<>();
                    int at = 0;
                    for (String topic : topics) {
                        long left = (Long) result.get(at);
                        boolean more = (Long) result.get(at + 1) == 1L;
                        long after = (Long) result.get(at + 2);
                        int n = ((Long) result.get(at + 3)).intValue();
                        for (int i = 0; i < n; i++) {
                            gone.add(new PresenceEntry(topic, (String) result.get(at + 4 + 2 * i), (String) result.get(at + 5 + 2 * i)));
                        }
                        at += 4 + 2 * n;
                        if (n > 0 && after == 0) {
                            emptied.add(topic);
                        }
                        if (left == 0) {
                            unlisted.add(unlist(topic).toCompletableFuture());
                        } else if (more) {
                            again.add(topic);
                        }
                    }
                    CompletionStage<Void> rest = again.isEmpty() ? CompletableFuture.completedFuture(null) : sweepBatch(again, gone, emptied);
                    return rest.thenCombine(CompletableFuture.allOf(unlisted.toArray(CompletableFuture[]::new)), (a, b) -> (Void) null);
                });
    }

    /** Takes an empty topic out of the sweep's set, and lists it again if an entry appeared meanwhile. */
    private CompletionStage<Void> unlist(String topic) {
        return broker.call(redis -> redis.srem(keys.presenceTopics(keys.sweepBucket(topic)), topic))
                .thenCompose(n -> broker.call(redis -> redis.exists(keys.presence(topic))))
                .thenCompose(left -> left > 0 ? listTopics(List.of(topic)) : CompletableFuture.completedFuture(0L))
                .thenApply(n -> (Void) null);
    }
}
