package io.chatrelay.broker.memory;

import io.chatrelay.broker.Moderation;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/** Bans and mutes of one process. */
public final class InMemoryModeration implements Moderation {
    private final Map<String, Map<String, Restriction>> byRoom = new ConcurrentHashMap<>();
    private final LongSupplier clock;

    /**
     * Creates the store.
     *
     * @param clock epoch milliseconds
     */
    public InMemoryModeration(LongSupplier clock) {
        this.clock = clock;
    }

    private Map<String, Restriction> of(Kind kind, String topic) {
        return byRoom.computeIfAbsent(kind + "\n" + topic, k -> new ConcurrentHashMap<>());
    }

    @Override
    public synchronized CompletionStage<Void> put(Restriction restriction) {
        Map<String, Restriction> room = of(restriction.kind(), restriction.topic());
        long now = clock.getAsLong();
        room.values().removeIf(r -> !r.activeAt(now));
        if (!room.containsKey(restriction.user()) && room.size() >= MAX_PER_ROOM) {
            return CompletableFuture.failedFuture(new LimitException("the room has " + MAX_PER_ROOM + " restrictions of this kind"));
        }
        room.put(restriction.user(), restriction);
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletionStage<Boolean> lift(Kind kind, String topic, String user) {
        Restriction gone = of(kind, topic).remove(user);
        return CompletableFuture.completedFuture(gone != null && gone.activeAt(clock.getAsLong()));
    }

    @Override
    public CompletionStage<Restriction> find(Kind kind, String topic, String user) {
        Restriction r = of(kind, topic).get(user);
        return CompletableFuture.completedFuture(r != null && r.activeAt(clock.getAsLong()) ? r : null);
    }

    @Override
    public CompletionStage<List<Restriction>> list(Kind kind, String topic, int limit) {
        long now = clock.getAsLong();
        List<Restriction> active = new ArrayList<>(of(kind, topic).values().stream().filter(r -> r.activeAt(now)).toList());
        active.sort((a, b) -> a.user().compareTo(b.user()));
        return CompletableFuture.completedFuture(List.copyOf(active.subList(0, Math.min(limit, active.size()))));
    }
}
