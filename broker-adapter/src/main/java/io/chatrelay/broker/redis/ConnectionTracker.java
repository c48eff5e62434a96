package io.chatrelay.broker.redis;

import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * Follows the up/down state of the broker's connections (Lettuce calls this on its event loop)
 * and reports each change without blocking. It works the same for a single Redis (a few
 * connections) and a cluster (a connection per node, opened and closed by Lettuce as the topology
 * changes). A connection closed on purpose (replaced after a topology refresh) never reconnects,
 * so it stops counting as down; since it sends no further event, {@link #recheck} notices it.
 *
 * <p>Each change says where a loss happened: the remote address of the connection that went
 * down, remembered from when it connected, so that the broker marks stale only the topics served
 * there (a shard's outage must not stop the others' deliveries). Any unexpected disconnect counts
 * as a loss (it may have cost Pub/Sub messages); a connection closed on purpose counts only when
 * it was a Pub/Sub connection (its subscriptions went with it). Any recovery triggers the
 * catch-up (a no-op when nothing was stale).
 *
 * <p>Changes are reported under the lock, so the consumer sees them in the order they happened
 * even though each connection's events arrive on its own event-loop thread: reported outside,
 * "all up" from one connection could overtake "still down" from the other (and a catch-up could
 * overtake the loss it answers). The consumer must therefore return at once.
 */
final class ConnectionTracker implements RedisConnectionStateListener, AutoCloseable {
    /** The address of a lost connection whose remote address was never seen: every topic counts as lost. */
    static final SocketAddress UNKNOWN = InetSocketAddress.createUnresolved("unknown", 0);

    /**
     * One change.
     *
     * @param allUp    no open connection is down
     * @param lost     the remote address of a connection whose loss may have cost Pub/Sub
     *                 messages, or {@code null}
     * @param restored a connection that was down came back, or was closed and replaced
     */
    record Change(boolean allUp, SocketAddress lost, boolean restored) {
        /** Whether subscriptions may have lost messages. */
        boolean subscriptionLost() {
            return lost != null;
        }
    }

    private final ReentrantLock lock = new ReentrantLock();
    private final Consumer<Change> onChange;
    private final Set<RedisChannelHandler<?, ?>> down = Collections.newSetFromMap(new IdentityHashMap<>());
    private final Map<RedisChannelHandler<?, ?>, SocketAddress> addresses = new IdentityHashMap<>();
    private boolean tracking;

    ConnectionTracker(Consumer<Change> onChange) {
        this.onChange = onChange;
    }

    /** Starts reporting: the broker's connections are established now. */
    void start() {
        lock.lock();
        try {
            tracking = true;
            down.clear();
            onChange.accept(new Change(true, null, false));
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void onRedisConnected(RedisChannelHandler<?, ?> connection, SocketAddress socketAddress) {
        lock.lock();
        try {
            addresses.put(connection, socketAddress);
            if (tracking && (down.remove(connection) | pruneClosed())) {
                onChange.accept(new Change(down.isEmpty(), null, true));
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void onRedisDisconnected(RedisChannelHandler<?, ?> connection) {
        lock.lock();
        try {
            SocketAddress address = addresses.getOrDefault(connection, UNKNOWN);
            if (connection.isClosed()) {
                addresses.remove(connection);
            }
            if (!tracking) {
                return;
            }
            if (connection.isClosed()) {
                pruneClosed();
                onChange.accept(new Change(down.isEmpty(), connection instanceof StatefulRedisPubSubConnection<?, ?> ? address : null, true));
            } else if (down.add(connection)) {
                onChange.accept(new Change(false, address, false));
            }
        } finally {
            lock.unlock();
        }
    }

    /** Connections closed on purpose are not down: they will never come back. */
    private boolean pruneClosed() {
        addresses.keySet().removeIf(RedisChannelHandler::isClosed);
        return down.removeIf(RedisChannelHandler::isClosed);
    }

    /** Reports recovery when the only connections down were closed meanwhile; called periodically. */
    void recheck() {
        lock.lock();
        try {
            if (tracking && !down.isEmpty() && pruneClosed()) {
                onChange.accept(new Change(down.isEmpty(), null, true));
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close() {
        lock.lock();
        try {
            tracking = false;
        } finally {
            lock.unlock();
        }
    }
}
