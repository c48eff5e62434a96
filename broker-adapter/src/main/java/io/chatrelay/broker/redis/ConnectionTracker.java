package io.chatrelay.broker.redis;

import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisConnectionStateListener;

import java.net.SocketAddress;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * Follows the up/down state of the broker's two connections (Lettuce calls this on its event
 * loop) and reports each change without blocking.
 */
final class ConnectionTracker implements RedisConnectionStateListener {
    /**
     * One change.
     *
     * @param allUp                both connections are up
     * @param subscriptionLost     the Pub/Sub connection just went down
     * @param subscriptionRestored the Pub/Sub connection just came back
     */
    record Change(boolean allUp, boolean subscriptionLost, boolean subscriptionRestored) {
    }

    private final ReentrantLock lock = new ReentrantLock();
    private final Consumer<Change> onChange;
    private Object commands;
    private Object pubsub;
    private boolean commandsUp;
    private boolean pubsubUp;

    ConnectionTracker(Consumer<Change> onChange) {
        this.onChange = onChange;
    }

    /** Starts following the two connections, both connected now. */
    void track(Object commandConnection, Object pubsubConnection) {
        Change change;
        lock.lock();
        try {
            commands = commandConnection;
            pubsub = pubsubConnection;
            commandsUp = true;
            pubsubUp = true;
            change = new Change(true, false, false);
        } finally {
            lock.unlock();
        }
        onChange.accept(change);
    }

    @Override
    public void onRedisConnected(RedisChannelHandler<?, ?> connection, SocketAddress socketAddress) {
        update(connection, true);
    }

    @Override
    public void onRedisDisconnected(RedisChannelHandler<?, ?> connection) {
        update(connection, false);
    }

    private void update(Object connection, boolean up) {
        Change change;
        lock.lock();
        try {
            boolean wasPubsubUp = pubsubUp;
            if (connection == commands) {
                commandsUp = up;
            } else if (connection == pubsub) {
                pubsubUp = up;
            } else {
                return;
            }
            change = new Change(commandsUp && pubsubUp, wasPubsubUp && !pubsubUp, !wasPubsubUp && pubsubUp);
        } finally {
            lock.unlock();
        }
        onChange.accept(change);
    }
}
