package io.chatrelay.broker.memory;

import io.chatrelay.broker.PresenceEntry;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;

/** Presence entries {@code topic -> member|node -> expiry}, guarded by one lock. */
final class InMemoryPresence {
    private final Map<String, Map<String, Long>> topics = new HashMap<>();
    private final ReentrantLock lock = new ReentrantLock();
    private final LongSupplier clock;

    InMemoryPresence(LongSupplier clock) {
        this.clock = clock;
    }

    boolean add(String topic, String member, String node, long ttlMillis) {
        lock.lock();
        try {
            long now = clock.getAsLong();
            boolean wasPresent = alive(topic, member, now);
            topics.computeIfAbsent(topic, t -> new HashMap<>()).put(member + "|" + node, now + ttlMillis);
            return !wasPresent;
        } finally {
            lock.unlock();
        }
    }

    boolean remove(String topic, String member, String node) {
        lock.lock();
        try {
            Map<String, Long> entries = topics.get(topic);
            if (entries != null) {
                entries.remove(member + "|" + node);
            }
            return !alive(topic, member, clock.getAsLong());
        } finally {
            lock.unlock();
        }
    }

    void refresh(List<PresenceEntry> entries, String node, long ttlMillis) {
        lock.lock();
        try {
            long expiry = clock.getAsLong() + ttlMillis;
            for (PresenceEntry e : entries) {
                topics.computeIfAbsent(e.topic(), t -> new HashMap<>()).put(e.member() + "|" + node, expiry);
            }
        } finally {
            lock.unlock();
        }
    }

    List<String> members(String topic) {
        lock.lock();
        try {
            long now = clock.getAsLong();
            Set<String> members = new TreeSet<>();
            topics.getOrDefault(topic, Map.of()).forEach((key, expiry) -> {
                if (expiry > now) {
                    members.add(memberOf(key));
                }
            });
            return new ArrayList<>(members);
        } finally {
            lock.unlock();
        }
    }

    List<PresenceEntry> sweep() {
        lock.lock();
        try {
            long now = clock.getAsLong();
            List<PresenceEntry> gone = new ArrayList<>();
            for (Map.Entry<String, Map<String, Long>> topic : topics.entrySet()) {
                Set<String> expired = new LinkedHashSet<>();
                topic.getValue().entrySet().removeIf(e -> {
                    boolean dead = e.getValue() <= now;
                    if (dead) {
                        expired.add(memberOf(e.getKey()));
                    }
                    return dead;
                });
                for (String member : expired) {
                    if (!alive(topic.getKey(), member, now)) {
                        gone.add(new PresenceEntry(topic.getKey(), member));
                    }
                }
            }
            topics.values().removeIf(Map::isEmpty);
            return gone;
        } finally {
            lock.unlock();
        }
    }

    private boolean alive(String topic, String member, long now) {
        String prefix = member + "|";
        for (Map.Entry<String, Long> e : topics.getOrDefault(topic, Map.of()).entrySet()) {
            if (e.getKey().startsWith(prefix) && e.getValue() > now) {
                return true;
            }
        }
        return false;
    }

    private static String memberOf(String key) {
        return key.substring(0, key.lastIndexOf('|'));
    }
}
