package io.chatrelay.broker.redis;

import io.chatrelay.broker.Moderation;
import io.lettuce.core.ScriptOutputType;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.LongSupplier;

/**
 * Bans and mutes in Redis: a hash per room and kind (in the room's slot), user to
 * {@code since|until|reason}; bounded per room ({@code restrict.lua}). Restrictions do not expire
 * with the room's history: a ban outlives a quiet week.
 */
final class RedisModeration implements Moderation {
    private final RedisBroker broker;
    private final RedisKeys keys;
    private final LongSupplier clock;

    RedisModeration(RedisBroker broker, RedisKeys keys, LongSupplier clock) {
        this.broker = broker;
        this.keys = keys;
        this.clock = clock;
    }

    private String key(Kind kind, String topic) {
        return keys.restrictions(topic, kind.name().toLowerCase(Locale.ROOT));
    }

    @Override
    public CompletionStage<Void> put(Restriction r) {
        String value = r.since() + "|" + r.until() + "|" + r.reason();
        return broker.call(cmd -> broker.scripts.<Long>run(LuaScript.RESTRICT, cmd, null, ScriptOutputType.INTEGER, new String[] {key(r.kind(), r.topic())},
                r.user(), value, Long.toString(clock.getAsLong()), Integer.toString(MAX_PER_ROOM))).thenCompose(stored -> stored == 1L
                ? CompletableFuture.completedFuture(null)
                : CompletableFuture.failedFuture(new LimitException("the room has " + MAX_PER_ROOM + " restrictions of this kind")));
    }

    @Override
    public CompletionStage<Boolean> lift(Kind kind, String topic, String user) {
        return broker.call(cmd -> cmd.hdel(key(kind, topic), user)).thenApply(n -> n > 0);
    }

    @Override
    public CompletionStage<Restriction> find(Kind kind, String topic, String user) {
        return broker.call(cmd -> cmd.hget(key(kind, topic), user)).thenApply(value -> {
            Restriction r = value == null ? null : parse(kind, topic, user, value);
            return r != null && r.activeAt(clock.getAsLong()) ? r : null;
        });
    }

    @Override
    public CompletionStage<List<Restriction>> list(Kind kind, String topic, int limit) {
        return broker.call(cmd -> cmd.hgetall(key(kind, topic))).thenApply(all -> {
            long now = clock.getAsLong();
            List<Restriction> active = new ArrayList<>();
            for (Map.Entry<String, String> e : all.entrySet()) {
                Restriction r = parse(kind, topic, e.getKey(), e.getValue());
                if (r != null && r.activeAt(now)) {
                    active.add(r);
                }
            }
            active.sort((a, b) -> a.user().compareTo(b.user()));
            return List.copyOf(active.subList(0, Math.min(limit, active.size())));
        });
    }

    private static Restriction parse(Kind kind, String topic, String user, String value) {
        String[] parts = value.split("\\|", 3);
        if (parts.length < 3) {
            return null;
        }
        try {
            return new Restriction(kind, topic, user, Long.parseLong(parts[0]), Long.parseLong(parts[1]), parts[2]);
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
