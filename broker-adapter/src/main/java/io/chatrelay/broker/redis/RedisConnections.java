package io.chatrelay.broker.redis;

import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.RedisURI;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.Delay;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The Lettuce client of a {@link RedisBroker}: a {@link RedisClient} for one Redis, or a
 * {@link RedisClusterClient} for a cluster. Both give one command connection (typed as the
 * commands a cluster supports, which a single Redis supports too) and one Pub/Sub connection.
 * Reconnects back off exponentially from 100 ms to 2 s; commands fail at once while disconnected.
 */
final class RedisConnections implements AutoCloseable {
    private final ClientResources resources;
    private final AbstractRedisClient client;
    private final boolean cluster;

    RedisConnections(RedisSettings settings, RedisConnectionStateListener listener) {
        this.cluster = settings.cluster();
        this.resources = DefaultClientResources.builder()
                .reconnectDelay(Delay.exponential(Duration.ofMillis(100), Duration.ofSeconds(2), 2, TimeUnit.MILLISECONDS))
                .build();
        List<RedisURI> uris = settings.uris().stream().map(RedisURI::create).toList();
        TimeoutOptions timeouts = TimeoutOptions.enabled(settings.commandTimeout());
        if (cluster) {
            RedisClusterClient c = RedisClusterClient.create(resources, uris);
            c.setOptions(ClusterClientOptions.builder()
                    .autoReconnect(true)
                    .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                    .timeoutOptions(timeouts)
                    .topologyRefreshOptions(ClusterTopologyRefreshOptions.builder()
                            .enablePeriodicRefresh(Duration.ofSeconds(30))
                            .enableAllAdaptiveRefreshTriggers()
                            .build())
                    .build());
            this.client = c;
        } else {
            RedisClient c = RedisClient.create(resources, uris.getFirst());
            c.setOptions(ClientOptions.builder()
                    .autoReconnect(true)
                    .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                    .timeoutOptions(timeouts)
                    .build());
            this.client = c;
        }
        client.addListener(listener);
    }

    /** Opens the command connection. */
    StatefulConnection<String, String> connectCommands() {
        return cluster ? ((RedisClusterClient) client).connect() : ((RedisClient) client).connect();
    }

    /** The asynchronous commands of a connection from {@link #connectCommands}. */
    static RedisClusterAsyncCommands<String, String> async(StatefulConnection<String, String> connection) {
        if (connection instanceof StatefulRedisClusterConnection<String, String> c) {
            return c.async();
        }
        return ((StatefulRedisConnection<String, String>) connection).async();
    }

    /** Opens the Pub/Sub connection. */
    StatefulRedisPubSubConnection<String, String> connectPubSub() {
        return cluster ? ((RedisClusterClient) client).connectPubSub() : ((RedisClient) client).connectPubSub();
    }

    @Override
    public void close() {
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        resources.shutdown(0, 2, TimeUnit.SECONDS);
    }
}
