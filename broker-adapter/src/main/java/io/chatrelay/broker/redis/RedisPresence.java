package io.chatrelay.broker.redis;

import io.chatrelay.broker.PresenceEntry;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SetArgs;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Presence on Redis: per topic a sorted set of {@code member|node} scored by expiry (Redis server
 * time, so gateways' clocks do not matter), and one set naming the topics that have entries, for
 * the sweep.
 */
final class RedisPresence {
    private final RedisClusterAsyncCommands<String, String> redis;
    private final RedisKeys keys;

    RedisPresence(RedisClusterAsyncCommands<String, String> redis, RedisKeys keys) {
        this.redis = redis;
        this.keys = keys;
    }

    CompletionStage<Boolean> add(String topic, String member, String node, long ttlMillis) {
        redis.sadd(keys.presenceTopics(), topic);
        return redis.<Long>eval(RedisScripts.PRESENCE_ADD, ScriptOutputType.INTEGER, new String[] {keys.presence(topic)},
                member, node, Long.toString(ttlMillis)).thenApply(n -> n == 1L);
    }

    CompletionStage<Boolean> remove(String topic, String member, String node) {
        return redis.<Long>eval(RedisScripts.PRESENCE_REMOVE, ScriptOutputType.INTEGER, new String[] {keys.presence(topic)},
                member, node).thenApply(n -> n == 1L);
    }

    CompletionStage<Void> refresh(List<PresenceEntry> entries, String node, long ttlMillis) {
        Map<String, List<String>> byTopic = new LinkedHashMap<>();
        entries.forEach(e -> byTopic.computeIfAbsent(e.topic(), t -> new ArrayList<>()).add(e.member()));
        List<CompletableFuture<?>> all = new ArrayList<>();
        byTopic.forEach((topic, members) -> {
            List<String> args = new ArrayList<>(members.size() + 2);
            args.add(node);
            args.add(Long.toString(ttlMillis));
            args.addAll(members);
            all.add(redis.sadd(keys.presenceTopics(), topic).toCompletableFuture());
            all.add(redis.eval(RedisScripts.PRESENCE_REFRESH, ScriptOutputType.INTEGER,
                    new String[] {keys.presence(topic)}, args.toArray(String[]::new)).toCompletableFuture());
        });
        return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new));
    }

    CompletionStage<List<String>> members(String topic) {
        return redis.eval("local t = redis.call('TIME') "
                        + "return redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. (tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)), '+inf')",
                ScriptOutputType.MULTI, keys.presence(topic))
                .thenApply(raw -> {
                    TreeSet<String> members = new TreeSet<>();
                    for (Object entry : (List<?>) raw) {
                        String e = (String) entry;
                        members.add(e.substring(0, e.lastIndexOf('|')));
                    }
                    return new ArrayList<>(members);
                });
    }

    CompletionStage<List<PresenceEntry>> sweep(long lockMillis) {
        return redis.set(keys.sweepLock(), "1", SetArgs.Builder.nx().px(lockMillis)).thenCompose(ok -> {
            if (!"OK".equals(ok)) {
                return CompletableFuture.completedFuture(List.<PresenceEntry>of());
            }
            return redis.smembers(keys.presenceTopics()).thenCompose(this::sweepTopics);
        });
    }

    private CompletionStage<List<PresenceEntry>> sweepTopics(Iterable<String> topics) {
        List<PresenceEntry> gone = java.util.Collections.synchronizedList(new ArrayList<>());
        List<CompletableFuture<?>> all = new ArrayList<>();
        for (String topic : topics) {
            all.add(redis.<List<Object>>eval(RedisScripts.PRESENCE_SWEEP, ScriptOutputType.MULTI, keys.presence(topic))
                    .thenAccept(result -> {
                        if (((Long) result.get(0)) == 0L) {
                            redis.srem(keys.presenceTopics(), topic);
                        }
                        for (Object member : result.subList(1, result.size())) {
                            gone.add(new PresenceEntry(topic, (String) member));
                        }
                    }).toCompletableFuture());
        }
        return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).thenApply(v -> List.copyOf(gone));
    }
}
