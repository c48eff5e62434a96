package io.chatrelay.broker.memory;

import io.chatrelay.broker.PresenceEntry;
import io.chatrelay.broker.PresenceStore;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;

/**
 * The presence table of an {@link InMemoryBroker}, shared by its {@link InMemoryPresenceStore}s
 * (one per node): per topic, {@code member|node -> expiry} and {@code member -> entries}, the
 * same model as the Redis store. Guarded by one lock.
 */
final class InMemoryPresence {
    private final Map<String, Topic> topics = new HashMap<>();
    private final ReentrantLock lock = new ReentrantLock();
    private final LongSupplier clock;
    private long sweepLockUntil = Long.MIN_VALUE;

    InMemoryPresence(LongSupplier clock) {
        this.clock = clock;
    }

    private static final class Topic {
        private final Map<String, Long> entries = new HashMap<>();
        private final Map<String, Integer> counts = new HashMap<>();
        private final Map<String, String> names = new HashMap<>();

        /** Adds or renews an entry; returns whether the member was present on no node before. */
        boolean put(String member, String node, String name, long expiry) {
            names.put(member, name);
            if (entries.put(member + "|" + node, expiry) != null) {
                return false;
            }
            return counts.merge(member, 1, Integer::sum) == 1;
        }

        /** Removes an entry; returns whether the member is now present on no node. */
        boolean drop(String key) {
            if (entries.remove(key) == null) {
                return false;
            }
            String member = key.substring(0, key.lastIndexOf('|'));
            boolean gone = counts.computeIfPresent(member, (m, n) -> n > 1 ? n - 1 : null) == null;
            if (gone) {
                lastNames.put(member, names.remove(member));
            }
            return gone;
        }

        /** The names of members removed by {@link #drop}, for the sweep's answer. */
        private final Map<String, String> lastNames = new HashMap<>();
    }

    PresenceStore.Change add(String topic, String member, String name, String node, long ttlMillis) {
        return locked(() -> {
            Topic t = topics.computeIfAbsent(topic, k -> new Topic());
            boolean first = t.put(member, node, name, clock.getAsLong() + ttlMillis);
            return new PresenceStore.Change(first, t.counts.size());
        });
    }

    PresenceStore.Change remove(String topic, String member, String node) {
        return locked(() -> {
            Topic t = topics.get(topic);
            boolean gone = t != null && t.drop(member + "|" + node);
            long left = t == null ? 0 : t.counts.size();
            if (t != null) {
                t.lastNames.remove(member);
            }
            if (t != null && t.entries.isEmpty()) {
                topics.remove(topic);
            }
            return new PresenceStore.Change(gone, left);
        });
    }

    void release(String topic, String member, String node, long graceMillis) {
        locked(() -> {
            Topic t = topics.get(topic);
            if (t != null) {
                t.entries.computeIfPresent(member + "|" + node, (k, expiry) -> clock.getAsLong() + graceMillis);
            }
            return null;
        });
    }

    List<PresenceEntry> refresh(Collection<PresenceEntry> entries, String node, long ttlMillis) {
        return locked(() -> {
            long expiry = clock.getAsLong() + ttlMillis;
            List<PresenceEntry> back = new ArrayList<>();
            for (PresenceEntry e : entries) {
                Topic t = topics.computeIfAbsent(e.topic(), k -> new Topic());
                boolean known = t.entries.containsKey(e.member() + "|" + node);
                if (t.put(e.member(), node, known ? t.names.getOrDefault(e.member(), e.name()) : e.name(), expiry)) {
                    back.add(e);
                }
            }
            return back;
        });
    }

    List<PresenceEntry> members(String topic) {
        return locked(() -> {
            Topic t = topics.get(topic);
            List<PresenceEntry> members = new ArrayList<>();
            if (t != null) {
                new TreeSet<>(t.counts.keySet()).forEach(m -> members.add(new PresenceEntry(topic, m, t.names.getOrDefault(m, m))));
            }
            return members;
        });
    }

    PresenceStore.Sweep sweep(long lockMillis) {
        return locked(() -> {
            long now = clock.getAsLong();
            if (now < sweepLockUntil) {
                return new PresenceStore.Sweep(List.of(), Set.of());
            }
            sweepLockUntil = now + lockMillis;
            List<PresenceEntry> gone = new ArrayList<>();
            Set<String> emptied = new HashSet<>();
            topics.forEach((name, t) -> {
                List<String> expired = t.entries.entrySet().stream().filter(e -> e.getValue() <= now).map(Map.Entry::getKey).toList();
                boolean removed = false;
                for (String key : expired) {
                    if (t.drop(key)) {
                        removed = true;
                        String member = key.substring(0, key.lastIndexOf('|'));
                        String shown = t.lastNames.remove(member);
                        gone.add(new PresenceEntry(name, member, shown == null ? member : shown));
                    }
                }
                if (removed && t.counts.isEmpty()) {
                    emptied.add(name);
                }
            });
            topics.values().removeIf(t -> t.entries.isEmpty());
            return new PresenceStore.Sweep(gone, emptied);
        });
    }

    private <T> T locked(java.util.function.Supplier<T> action) {
        lock.lock();
        try {
            return action.get();
        } finally {
            lock.unlock();
        }
    }
}
