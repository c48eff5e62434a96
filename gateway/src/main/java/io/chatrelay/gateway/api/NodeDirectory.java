package io.chatrelay.gateway.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chatrelay.broker.PresenceEntry;
import io.chatrelay.broker.PresenceStore;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Every live gateway's numbers, for the admin page: each gateway writes a snapshot of itself
 * every {@link #PERIOD} into the presence store under the topic {@link #TOPIC} (its node id as
 * the member, the snapshot as the name); a gateway that dies drops out with its presence entry's
 * TTL. Reading it costs one store call, whatever the gateway.
 */
public final class NodeDirectory implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(NodeDirectory.class.getName());
    /** The presence topic of the gateways. */
    static final String TOPIC = "~nodes";
    /** How often a gateway writes its snapshot. */
    static final Duration PERIOD = Duration.ofSeconds(2);

    private final PresenceStore store;
    private final String node;
    private final Supplier<ObjectNode> snapshot;
    private final ObjectMapper mapper = new ObjectMapper();
    private final ScheduledExecutorService timer =
            Executors.newSingleThreadScheduledExecutor(Thread.ofVirtual().name("node-directory").factory());

    /**
     * Creates the directory.
     *
     * @param store    the presence store
     * @param node     this gateway's node id
     * @param snapshot this gateway's numbers now
     */
    public NodeDirectory(PresenceStore store, String node, Supplier<ObjectNode> snapshot) {
        this.store = store;
        this.node = node;
        this.snapshot = snapshot;
    }

    /** Starts writing this gateway's snapshot. */
    public void start() {
        timer.scheduleWithFixedDelay(this::publish, 0, PERIOD.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void publish() {
        try {
            store.add(TOPIC, node, snapshot.get().toString()).whenComplete((first, error) -> {
                if (error != null) {
                    LOG.log(Level.DEBUG, "event=node_snapshot_failed error={0}", error.toString());
                }
            });
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "event=node_snapshot_failed error={0}", e.toString());
        }
    }

    /**
     * This gateway's numbers now.
     *
     * @return the snapshot
     */
    ObjectNode local() {
        return snapshot.get();
    }

    /**
     * The latest snapshot of every live gateway, by node id.
     *
     * @return the snapshots
     */
    public CompletionStage<List<JsonNode>> all() {
        return store.members(TOPIC).thenApply(entries -> {
            List<JsonNode> nodes = new ArrayList<>(entries.size());
            for (PresenceEntry e : entries) {
                try {
                    nodes.add(mapper.readTree(e.name()));
                } catch (IOException ex) {
                    LOG.log(Level.DEBUG, "event=node_snapshot_unreadable node={0}", e.member());
                }
            }
            return nodes;
        });
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
