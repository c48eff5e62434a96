package io.chatrelay.broker.redis;

import io.chatrelay.broker.EventLog;
import io.lettuce.core.Consumer;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XAddArgs;
import io.lettuce.core.XGroupCreateArgs;
import io.lettuce.core.XReadArgs;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/**
 * The event log as a Redis stream (trimmed to its bound) with one consumer group: new events by
 * {@code XREADGROUP}, due retries by {@code XPENDING} + {@code XCLAIM} ({@code events-due.lua}),
 * dead letters in a second bounded stream of the same slot. The group is created when missing
 * (first use, or a Redis that lost its data), reading from the stream's start.
 */
final class RedisEventLog implements EventLog {
    static final String GROUP = "webhooks";
    private static final int MAX_DEAD = 10_000;

    private final RedisBroker broker;
    private final RedisKeys keys;
    private final int maxLen;

    RedisEventLog(RedisBroker broker, RedisKeys keys, int maxLen) {
        this.broker = broker;
        this.keys = keys;
        this.maxLen = maxLen;
    }

    @Override
    public CompletionStage<String> append(String body) {
        return broker.call(cmd -> cmd.xadd(keys.events(), XAddArgs.Builder.maxlen(maxLen).approximateTrimming(), Map.of("b", body)));
    }

    @Override
    public CompletionStage<List<Event>> next(String consumer, int count) {
        return withGroup(cmd -> cmd.xreadgroup(Consumer.from(GROUP, consumer), XReadArgs.Builder.count(count),
                XReadArgs.StreamOffset.lastConsumed(keys.events())).thenApply(messages -> {
                    List<Event> out = new ArrayList<>(messages.size());
                    for (StreamMessage<String, String> m : messages) {
                        out.add(new Event(m.getId(), m.getBody().getOrDefault("b", ""), 1));
                    }
                    return out;
                }));
    }

    @Override
    public CompletionStage<List<Event>> due(String consumer, Duration backoff, Duration maxBackoff, int count) {
        return withGroup(cmd -> broker.scripts.<List<Object>>run(LuaScript.EVENTS_DUE, cmd, null, ScriptOutputType.MULTI, new String[] {keys.events()},
                GROUP, consumer, Long.toString(backoff.toMillis()), Long.toString(maxBackoff.toMillis()), Integer.toString(count))
                .thenApply(rows -> {
                    List<Event> out = new ArrayList<>(rows.size());
                    for (Object row : rows) {
                        List<?> r = (List<?>) row;
                        out.add(new Event((String) r.get(0), (String) r.get(1), (Long) r.get(2)));
                    }
                    return out;
                }));
    }

    @Override
    public CompletionStage<Void> ack(String id) {
        return broker.call(cmd -> cmd.xack(keys.events(), GROUP, id)).thenApply(n -> null);
    }

    @Override
    public CompletionStage<Void> deadLetter(Event event, String reason) {
        return broker.call(cmd -> broker.scripts.<Long>run(LuaScript.EVENTS_DEAD, cmd, null, ScriptOutputType.INTEGER,
                new String[] {keys.events(), keys.deadEvents()}, GROUP, event.id(), event.body(), reason,
                Integer.toString(MAX_DEAD))).thenApply(n -> null);
    }

    @Override
    public CompletionStage<List<String>> deadLetters(int count) {
        return broker.call(cmd -> cmd.xrevrange(keys.deadEvents(), Range.unbounded(), Limit.from(count)))
                .thenApply(messages -> messages.stream().map(m -> m.getBody().getOrDefault("b", "")).toList());
    }

    @Override
    public CompletionStage<Stats> stats() {
        CompletionStage<Long> length = broker.call(cmd -> cmd.xlen(keys.events()));
        CompletionStage<Long> dead = broker.call(cmd -> cmd.xlen(keys.deadEvents()));
        CompletionStage<long[]> group = broker.call(cmd -> cmd.xinfoGroups(keys.events())).handle((groups, error) -> {
            long[] pendingAndLag = {0, 0};
            if (error != null || groups == null) {
                return pendingAndLag; // no stream or no group yet: nothing pending
            }
            for (Object g : groups) {
                List<?> fields = (List<?>) g;
                Map<String, Object> info = new java.util.HashMap<>();
                for (int i = 0; i + 1 < fields.size(); i += 2) {
                    info.put(String.valueOf(fields.get(i)), fields.get(i + 1));
                }
                if (GROUP.equals(info.get("name"))) {
                    pendingAndLag[0] = info.get("pending") instanceof Long p ? p : 0;
                    pendingAndLag[1] = info.get("lag") instanceof Long l ? l : 0;
                }
            }
            return pendingAndLag;
        });
        return length.thenCombine(dead, (l, d) -> new long[] {l, d})
                .thenCombine(group, (ld, pl) -> new Stats(ld[0], pl[0], pl[1], ld[1]));
    }

    /** Runs a group command; creates the group (and the stream) when Redis says it is missing, then once more. */
    private <T> CompletionStage<T> withGroup(
            Function<io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands<String, String>, CompletionStage<T>> action) {
        return broker.call(action).exceptionallyCompose(error -> {
            Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
            if (!String.valueOf(cause.getMessage()).contains("NOGROUP")) {
                return CompletableFuture.failedFuture(cause);
            }
            return broker.call(cmd -> cmd.xgroupCreate(XReadArgs.StreamOffset.from(keys.events(), "0"), GROUP,
                            XGroupCreateArgs.Builder.mkstream()))
                    .exceptionally(e -> "exists") // BUSYGROUP: another gateway created it meanwhile
                    .thenCompose(ok -> broker.call(action));
        });
    }
}
