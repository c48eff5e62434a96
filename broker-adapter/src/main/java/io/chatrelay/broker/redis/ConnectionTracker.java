package io.chatrelay.broker.redis;

import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisConnectionStateListener;

import java.net.SocketAddress;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * Follows the up/down state of the broker's connections (Lettuce calls this on its event loop)
 * and reports each change without blocking. It works the same for a single Redis (two
 * connections) and a cluster (a connection per node, opened and closed by Lettuce as the topology
 * changes): the broker is up while no connection that is still open is down. A connection closed
 * on purpose (replaced after a topology refresh) never reconnects, so it stops counting; since it
 * sends no further event, a once-a-second recheck notices it. Any loss may have cost Pub/Sub
 * messages, so any loss marks subscriptions lost and any recovery triggers the catch-up (a no-op
 * when nothing was stale).
 *
 * <p>Changes are reported under the lock, so the consumer sees them in the order they happened
 * even though each connection's events arrive on its own event-loop thread: reported outside,
 * "all up" from one connection could overtake "still down" from the other, leaving the broker
 * DOWN for good (and a catch-up could overtake the loss it answers). The consumer must therefore
 * return at once (it only hands work to another thread).
 */
final class ConnectionTracker implements RedisConnectionStateListener, AutoCloseable {
    /**
     * One change.
     *
     * @param allUp                no open connection is down
     * @param subscriptionLost     a connection just went down
     * @param subscriptionRestored a connection that was down came back, or was closed and replaced
     */
    record Change(boolean allUp, boolean subscriptionLost, boolean subscriptionRestored) {
    }

    private final ReentrantLock lock = new ReentrantLock();
    private final Consumer<Change> onChange;
    private final Set<RedisChannelHandler<?, ?>> down = Collections.newSetFromMap(new IdentityHashMap<>());
    private boolean tracking;
    private Thread ticker;

    ConnectionTracker(Consumer<Change> onChange) {
        this.onChange = onChange;
    }

    /** Starts reporting: the broker's connections are established now. */
    void start() {
        lock.lock();
        try {
            tracking = true;
            down.clear();
            if (ticker == null) {
                ticker = Thread.ofVirtual().name("redis-connection-recheck").start(this::recheckEverySecond);
            }
            onChange.accept(new Change(true, false, false));
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void onRedisConnected(RedisChannelHandler<?, ?> connection, SocketAddress socketAddress) {
        lock.lock();
        try {
            if (tracking && (down.remove(connection) | pruneClosed())) {
                onChange.accept(new Change(down.isEmpty(), false, true));
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void onRedisDisconnected(RedisChannelHandler<?, ?> connection) {
        lock.lock();
        try {
            if (!tracking) {
                return;
            }
            if (connection.isClosed()) {
                pruneClosed();
                onChange.accept(new Change(down.isEmpty(), true, true));
            } else if (down.add(connection)) {
                onChange.accept(new Change(false, true, false));
            }
        } finally {
            lock.unlock();
        }
    }

    /** Connections closed on purpose are not down: they will never come back. */
    private boolean pruneClosed() {
        return down.removeIf(RedisChannelHandler::isClosed);
    }

    private void recheckEverySecond() {
        while (!Thread.currentThread().isInterrupted()) {
            try {
                Thread.sleep(1000);
            } catch (InterruptedException e) {
                return;
            }
            recheck();
        }
    }

    /** Reports recovery when the only connections down were closed meanwhile. */
    void recheck() {
        lock.lock();
        try {
            if (tracking && !down.isEmpty() && pruneClosed()) {
                onChange.accept(new Change(down.isEmpty(), false, true));
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
            if (ticker != null) {
                ticker.interrupt();
            }
        } finally {
            lock.unlock();
        }
    }
}
