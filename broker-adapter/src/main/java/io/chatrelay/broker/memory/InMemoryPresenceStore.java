package io.chatrelay.broker.memory;

import io.chatrelay.broker.PresenceEntry;
import io.chatrelay.broker.PresenceStore;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletionStage;

/**
 * One node's view of an {@link InMemoryBroker}'s presence table. Fails like the broker: before it
 * started, after it closed.
 */
public final class InMemoryPresenceStore implements PresenceStore {
    private final InMemoryBroker broker;
    private final InMemoryPresence table;
    private final String node;
    private final long ttlMillis;
    private final long sweepMillis;

    InMemoryPresenceStore(InMemoryBroker broker, InMemoryPresence table, String node, Duration ttl, Duration sweep) {
        this.broker = broker;
        this.table = table;
        this.node = Objects.requireNonNull(node, "node");
        if (node.isEmpty() || node.indexOf('|') >= 0) {
            throw new IllegalArgumentException("node must be non-empty without '|'");
        }
        this.ttlMillis = ttl.toMillis();
        this.sweepMillis = sweep.toMillis();
    }

    @Override
    public CompletionStage<Change> join(String topic, String member, String name) {
        return broker.run(() -> table.add(topic, member, name, node, ttlMillis));
    }

    @Override
    public CompletionStage<Change> leave(String topic, String member) {
        return broker.run(() -> table.remove(topic, member, node));
    }

    @Override
    public CompletionStage<Void> release(String topic, String member, long graceMillis) {
        return broker.run(() -> {
            table.release(topic, member, node, Math.max(1, graceMillis));
            return null;
        });
    }

    @Override
    public CompletionStage<List<PresenceEntry>> refresh(Collection<PresenceEntry> entries) {
        return broker.run(() -> table.refresh(entries, node, ttlMillis));
    }

    @Override
    public CompletionStage<List<PresenceEntry>> members(String topic) {
        return broker.run(() -> table.members(topic));
    }

    @Override
    public CompletionStage<Long> count(String topic) {
        return broker.run(() -> (long) table.members(topic).size());
    }

    @Override
    public CompletionStage<Sweep> sweepTopics() {
        return broker.run(() -> table.sweep(sweepMillis));
    }
}
