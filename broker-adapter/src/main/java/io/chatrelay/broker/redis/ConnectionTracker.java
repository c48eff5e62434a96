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
 * connections) and a cluster (a connection per node, opened as needed): the broker is up while
 * no connection it has seen is down. Any loss may have cost Pub/Sub messages, so any loss marks
 * subscriptions lost and any recovery triggers the catch-up (which is a no-op when nothing was
 * stale).
 */
final class ConnectionTracker implements RedisConnectionStateListener {
    /**
     * One change.
     *
     * @param allUp                no known connection is down
     * @param subscriptionLost     a connection just went down
     * @param subscriptionRestored a connection that was down came back
     */
    record Change(boolean allUp, boolean subscriptionLost, boolean subscriptionRestored) {
    }

    private final ReentrantLock lock = new ReentrantLock();
    private final Consumer<Change> onChange;
    private final Set<Object> down = Collections.newSetFromMap(new IdentityHashMap<>());
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
        } finally {
            lock.unlock();
        }
        onChange.accept(new Change(true, false, false));
    }

    @Override
    public void onRedisConnected(RedisChannelHandler<?, ?> connection, SocketAddress socketAddress) {
        Change change;
        lock.lock();
        try {
            if (!tracking || !down.remove(connection)) {
                return;
            }
            change = new Change(down.isEmpty(), false, true);
        } finally {
            lock.unlock();
        }
        onChange.accept(change);
    }

    @Override
    public void onRedisDisconnected(RedisChannelHandler<?, ?> connection) {
        Change change;
        lock.lock();
        try {
            if (!tracking || !down.add(connection)) {
                return;
            }
            change = new Change(false, true, false);
        } finally {
            lock.unlock();
        }
        onChange.accept(change);
    }
}
