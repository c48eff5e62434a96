package io.chatrelay.broker.redis;

import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.cluster.models.partitions.Partitions;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.cluster.pubsub.StatefulRedisClusterPubSubConnection;
import io.lettuce.core.metrics.CommandLatencyRecorder;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.Delay;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * The Lettuce client of a {@link RedisBroker}: a {@link RedisClient} for one Redis, or a
 * {@link RedisClusterClient} for a cluster. Both give one command connection (typed as the
 * commands a cluster supports, which a single Redis supports too), one Pub/Sub connection and,
 * in {@link RedisSettings.Durability#REPLICA} mode, one connection for appends that wait for a
 * replica ({@code WAIT} blocks the connection it runs on, so it gets its own). Reconnects back
 * off exponentially from 100 ms to 2 s; commands fail at once while disconnected; connecting to
 * a node gives up after 2 s.
 *
 * <p>It also answers, per shard, what the broker needs to contain a failure to the shard it
 * happened on: which masters serve which slots and whether this gateway reaches them
 * ({@link #shards}), which node a key lives on ({@link #nodeOf}, {@link #slotsAt}), and it asks
 * the cluster for its topology again ({@link #refreshTopology}) so that a promoted replica is
 * used as soon as it serves its slots.
 */
final class RedisConnections implements AutoCloseable {
    /** The slots of a single Redis: all of them. */
    private static final BitSet ALL_SLOTS = allSlots();
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);

    private final ClientResources resources;
    private final AbstractRedisClient client;
    private final boolean cluster;
    private final boolean durable;
    private volatile StatefulConnection<String, String> commands;
    private volatile StatefulRedisPubSubConnection<String, String> pubsub;
    private volatile StatefulConnection<String, String> writes;

    /**
     * A master as this gateway sees it now.
     *
     * @param node      {@code host:port}
     * @param slots     how many slots it serves
     * @param reachable whether every connection of this gateway to it is open
     */
    record Shard(String node, int slots, boolean reachable) {
    }

    RedisConnections(RedisSettings settings, RedisConnectionStateListener listener) {
        this.cluster = settings.cluster();
        this.durable = settings.durability() == RedisSettings.Durability.REPLICA;
        // Lettuce times every command into per-command histograms (and runs pause-detector
        // threads) whenever HdrHistogram and LatencyUtils are on the class path, as they are here
        // through Micrometer; nothing reads them, so they are off
        this.resources = DefaultClientResources.builder()
                .commandLatencyRecorder(CommandLatencyRecorder.disabled())
                .reconnectDelay(Delay.exponential(Duration.ofMillis(100), Duration.ofSeconds(2), 2, TimeUnit.MILLISECONDS))
                .build();
        List<RedisURI> uris = settings.uris().stream().map(RedisURI::create).toList();
        TimeoutOptions timeouts = TimeoutOptions.enabled(settings.commandTimeout());
        SocketOptions socket = SocketOptions.builder().connectTimeout(CONNECT_TIMEOUT).build();
        if (cluster) {
            RedisClusterClient c = RedisClusterClient.create(resources, uris);
            c.setOptions(ClusterClientOptions.builder()
                    .autoReconnect(true)
                    .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                    .timeoutOptions(timeouts)
                    .socketOptions(socket)
                    .topologyRefreshOptions(ClusterTopologyRefreshOptions.builder()
                            .enablePeriodicRefresh(Duration.ofSeconds(30))
                            .enableAllAdaptiveRefreshTriggers()
                            // a failover is noticed by RedisBroker's own refreshes (refreshTopology)
                            .adaptiveRefreshTriggersTimeout(Duration.ofSeconds(1))
                            .build())
                    .build());
            this.client = c;
        } else {
            RedisClient c = RedisClient.create(resources, uris.getFirst());
            c.setOptions(ClientOptions.builder()
                    .autoReconnect(true)
                    .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                    .timeoutOptions(timeouts)
                    .socketOptions(socket)
                    .build());
            this.client = c;
        }
        client.addListener(listener);
    }

    /**
     * Opens the connections (commands, Pub/Sub and, in replica mode, durable writes), and, in a
     * cluster, the connections to every master now rather than on first use: Lettuce 7 rejects
     * commands (under {@code REJECT_COMMANDS}) while a node connection is still being opened.
     *
     * @return the Pub/Sub connection (to add a listener to)
     */
    StatefulRedisPubSubConnection<String, String> connect() {
        StatefulConnection<String, String> cmd = cluster ? ((RedisClusterClient) client).connect() : ((RedisClient) client).connect();
        try {
            pubsub = cluster ? ((RedisClusterClient) client).connectPubSub() : ((RedisClient) client).connectPubSub();
            writes = !durable ? null : cluster ? ((RedisClusterClient) client).connect() : ((RedisClient) client).connect();
        } catch (RuntimeException e) {
            cmd.closeAsync();
            if (pubsub != null) {
                pubsub.closeAsync();
            }
            throw e;
        }
        commands = cmd;
        if (cluster) {
            for (RedisClusterNode node : partitions()) {
                if (node.is(RedisClusterNode.NodeFlag.UPSTREAM) && !node.hasNoSlots()) {
                    nodeConnections(node.getUri().getHost(), node.getUri().getPort());
                }
            }
        }
        return pubsub;
    }

    /** The asynchronous commands of the command connection. */
    RedisClusterAsyncCommands<String, String> commands() {
        StatefulConnection<String, String> c = commands;
        if (c == null) {
            return null;
        }
        return c instanceof StatefulRedisClusterConnection<String, String> cc ? cc.async() : ((StatefulRedisConnection<String, String>) c).async();
    }

    /** The Pub/Sub connection. */
    StatefulRedisPubSubConnection<String, String> pubsub() {
        return pubsub;
    }

    /**
     * The durable-write connection to the master of a key's slot: the one connection on which
     * both the append and its {@code WAIT} run, so that the {@code WAIT} counts the append (it
     * counts the writes of the connection it runs on). In a cluster, the node connection that
     * Lettuce itself uses for that master ({@code host:port}, write intent).
     *
     * @param key a key of the slot
     * @return the connection, once open (fails if it cannot be opened)
     */
    CompletionStage<StatefulRedisConnection<String, String>> durableConnection(String key) {
        StatefulConnection<String, String> w = writes;
        if (w == null) {
            return CompletableFuture.failedFuture(new IllegalStateException("no durable-write connection"));
        }
        if (w instanceof StatefulRedisClusterConnection<String, String> c) {
            RedisClusterNode master = c.getPartitions().getMasterBySlot(SlotHash.getSlot(key));
            if (master == null) {
                return CompletableFuture.failedFuture(new IllegalStateException("no master serves the slot of " + key));
            }
            return c.getConnectionAsync(master.getUri().getHost(), master.getUri().getPort());
        }
        return CompletableFuture.completedFuture((StatefulRedisConnection<String, String>) w);
    }

    /**
     * The masters with slots and whether this gateway's connections to each are open. A master
     * whose connection is still being opened counts as unreachable. A single Redis is one master
     * with every slot.
     *
     * @return the masters
     */
    List<Shard> shards() {
        if (!cluster) {
            boolean open = isOpen(commands) && isOpen(pubsub) && (writes == null || isOpen(writes));
            return List.of(new Shard("redis", SlotHash.SLOT_COUNT, open));
        }
        Map<String, int[]> slots = new LinkedHashMap<>();
        Partitions partitions = partitions();
        for (int slot = 0; slot < SlotHash.SLOT_COUNT; slot++) {
            RedisClusterNode master = partitions.getMasterBySlot(slot);
            if (master != null) {
                slots.computeIfAbsent(node(master), n -> new int[1])[0]++;
            }
        }
        List<Shard> shards = new ArrayList<>(slots.size());
        slots.forEach((node, count) -> {
            int colon = node.lastIndexOf(':');
            shards.add(new Shard(node, count[0], nodeConnections(node.substring(0, colon), Integer.parseInt(node.substring(colon + 1)))));
        });
        return shards;
    }

    /**
     * Whether this gateway's connections to a master are all open; asks for them (Lettuce opens
     * a connection on first request and reconnects it by itself afterwards).
     */
    private boolean nodeConnections(String host, int port) {
        try {
            return nodeConnectionsOpen(host, port);
        } catch (RuntimeException e) {
            // the node left the topology meanwhile (Lettuce refuses connections to unknown nodes)
            return false;
        }
    }

    private boolean nodeConnectionsOpen(String host, int port) {
        boolean open = isOpen(((StatefulRedisClusterConnection<String, String>) commands).getConnectionAsync(host, port))
                && isOpen(((StatefulRedisClusterPubSubConnection<String, String>) pubsub).getConnectionAsync(host, port));
        StatefulConnection<String, String> w = writes;
        return open && (w == null || isOpen(((StatefulRedisClusterConnection<String, String>) w).getConnectionAsync(host, port)));
    }

    private static boolean isOpen(CompletableFuture<? extends StatefulConnection<String, String>> future) {
        return future.isDone() && !future.isCompletedExceptionally() && future.join().isOpen();
    }

    private static boolean isOpen(StatefulConnection<String, String> connection) {
        return connection != null && connection.isOpen();
    }

    /**
     * The node ({@code host:port}) of the master that serves a key's slot now.
     *
     * @param key the key
     * @return the node, {@code "redis"} for a single Redis, {@code null} when no master serves it
     */
    String nodeOf(String key) {
        if (!cluster) {
            return "redis";
        }
        RedisClusterNode master = partitions().getMasterBySlot(SlotHash.getSlot(key));
        return master == null ? null : node(master);
    }

    /**
     * The slots served by the master at a remote address, from the topology known now: what a
     * connection to that address carried.
     *
     * @param address the remote address of a connection
     * @return its slots; every slot for a single Redis or an address that is no known master
     */
    BitSet slotsAt(SocketAddress address) {
        if (!cluster || !(address instanceof InetSocketAddress remote)) {
            return (BitSet) ALL_SLOTS.clone();
        }
        BitSet slots = new BitSet(SlotHash.SLOT_COUNT);
        for (RedisClusterNode node : partitions()) {
            RedisURI uri = node.getUri();
            if (uri.getPort() == remote.getPort() && (uri.getHost().equals(remote.getHostString())
                    || remote.getAddress() != null && uri.getHost().equals(remote.getAddress().getHostAddress()))) {
                node.forEachSlot(slots::set);
            }
        }
        return slots.isEmpty() ? (BitSet) ALL_SLOTS.clone() : slots;
    }

    /** Asks the cluster for its topology again (a no-op for a single Redis). */
    CompletionStage<Void> refreshTopology() {
        return cluster ? ((RedisClusterClient) client).refreshPartitionsAsync() : CompletableFuture.completedFuture(null);
    }

    private Partitions partitions() {
        return ((RedisClusterClient) client).getPartitions();
    }

    private static String node(RedisClusterNode node) {
        return node.getUri().getHost() + ":" + node.getUri().getPort();
    }

    private static BitSet allSlots() {
        BitSet all = new BitSet(SlotHash.SLOT_COUNT);
        all.set(0, SlotHash.SLOT_COUNT);
        return all;
    }

    @Override
    public void close() {
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        resources.shutdown(0, 2, TimeUnit.SECONDS);
    }
}
