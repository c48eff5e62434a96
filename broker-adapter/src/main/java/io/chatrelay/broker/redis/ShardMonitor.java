package io.chatrelay.broker.redis;

import io.chatrelay.broker.BrokerState;
import io.lettuce.core.cluster.SlotHash;

import java.lang.System.Logger.Level;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * Which shards this gateway reaches, twice a second and at once after any connection event: the
 * masters that serve the slots and whether every connection to each is open
 * ({@link RedisConnections#shards}). From that:
 * <ul>
 *   <li>the broker's state: {@link BrokerState#UP} while the reachable masters serve more than half
 *       of the slots, so that a gateway stays ready while it can serve most rooms
 *       ({@link #state});</li>
 *   <li>{@link #reachable}: whether a key's shard is reachable now (a stale topic's catch-up is only
 *       tried then, so that it never waits on a shard that is down);</li>
 *   <li>while any master is unreachable, a topology refresh every second: the replica promoted in
 *       its place (after the cluster's node timeout) is used as soon as it serves the slots, rather
 *       than at Lettuce's next periodic refresh.</li>
 * </ul>
 * It also rechecks the {@link ConnectionTracker} (connections closed on purpose send no event).
 */
final class ShardMonitor implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(ShardMonitor.class.getName());
    private static final long TICK_MILLIS = 500;
    private static final long REFRESH_MILLIS = 1000;

    private final RedisConnections connections;
    private final ConnectionTracker tracker;
    private final Consumer<BrokerState> onTick;
    private final Semaphore wake = new Semaphore(0);
    private volatile List<RedisConnections.Shard> shards = List.of();
    private volatile Set<String> reachable = Set.of();
    private volatile boolean closed;
    private volatile boolean refreshing;
    private long lastRefresh;
    private Thread thread;

    /**
     * Creates the monitor; {@link #start} starts it.
     *
     * @param connections the broker's connections
     * @param tracker     rechecked on every tick
     * @param onTick      the state computed on every tick (on the monitor's thread)
     */
    ShardMonitor(RedisConnections connections, ConnectionTracker tracker, Consumer<BrokerState> onTick) {
        this.connections = connections;
        this.tracker = tracker;
        this.onTick = onTick;
    }

    void start() {
        if (thread == null) {
            thread = Thread.ofVirtual().name("redis-shard-monitor").start(this::run);
        }
    }

    /** Ticks now rather than at the next period (a connection went down or came back). */
    void wake() {
        if (wake.availablePermits() == 0) {
            wake.release();
        }
    }

    private void run() {
        while (!closed) {
            try {
                wake.tryAcquire(TICK_MILLIS, TimeUnit.MILLISECONDS);
                wake.drainPermits();
                tick();
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "event=shard_monitor_failed error={0}", e.toString());
            }
        }
    }

    private void tick() {
        tracker.recheck();
        List<RedisConnections.Shard> now = connections.shards();
        shards = now;
        reachable = now.stream().filter(RedisConnections.Shard::reachable).map(RedisConnections.Shard::node)
                .collect(Collectors.toUnmodifiableSet());
        if (now.isEmpty() || now.stream().anyMatch(s -> !s.reachable())) {
            refreshTopology();
        }
        onTick.accept(state(now));
    }

    private void refreshTopology() {
        long nowMillis = System.currentTimeMillis();
        if (refreshing || nowMillis - lastRefresh < REFRESH_MILLIS) {
            return;
        }
        lastRefresh = nowMillis;
        refreshing = true;
        connections.refreshTopology().whenComplete((v, error) -> {
            refreshing = false;
            if (error != null) {
                LOG.log(Level.DEBUG, "event=topology_refresh_failed error={0}", error.toString());
            }
        });
    }

    /**
     * The broker's state for a view of the shards: up while the reachable masters serve more
     * than half of the slots.
     *
     * @param shards the masters
     * @return {@link BrokerState#UP} or {@link BrokerState#DOWN}
     */
    static BrokerState state(List<RedisConnections.Shard> shards) {
        long served = shards.stream().filter(RedisConnections.Shard::reachable).mapToLong(RedisConnections.Shard::slots).sum();
        return served * 2 > SlotHash.SLOT_COUNT ? BrokerState.UP : BrokerState.DOWN;
    }

    /**
     * Whether the master of a key's slot was reachable at the last tick.
     *
     * @param key the key
     * @return whether its shard is reachable
     */
    boolean reachable(String key) {
        String node = connections.nodeOf(key);
        return node != null && reachable.contains(node);
    }

    /** The last view, for logs: {@code node=up|down/slots}. */
    String describe() {
        Set<String> parts = new HashSet<>();
        shards.forEach(s -> parts.add(s.node() + "=" + (s.reachable() ? "up" : "down") + "/" + s.slots()));
        return String.join(",", parts);
    }

    @Override
    public void close() {
        closed = true;
        Thread t = thread;
        if (t != null) {
            t.interrupt();
        }
    }
}
