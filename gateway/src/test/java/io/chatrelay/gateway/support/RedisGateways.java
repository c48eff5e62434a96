package io.chatrelay.gateway.support;

import io.chatrelay.gateway.Gateway;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.api.StatefulRedisConnection;
import org.testcontainers.containers.GenericContainer;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

import static org.awaitility.Awaitility.await;

/**
 * Two gateways in this JVM (gw-a, gw-b) on one Redis container, with a key prefix of their own,
 * one guest secret (a guest's {@code guest_token} from one is taken by the other) and a Redis
 * connection for the test's own checks; started ready, closed together.
 */
public final class RedisGateways implements AutoCloseable {
    /** The guest secret both gateways share (unless the test sets its own). */
    public static final String GUEST_SECRET = "redis-gateways-guest-secret-0123456789abcdef";
    private final Gateway a;
    private final Gateway b;
    private final RedisClient admin;
    private final StatefulRedisConnection<String, String> redis;

    private RedisGateways(GenericContainer<?> container, Map<String, String> env) {
        String uri = "redis://" + container.getHost() + ":" + container.getMappedPort(6379);
        Map<String, String> all = new HashMap<>(env);
        all.put("CHAT_REDIS_URI", uri);
        all.putIfAbsent("CHAT_REDIS_PREFIX", "it" + UUID.randomUUID().toString().substring(0, 8));
        // like a deployment's gateways, both sign guest tokens with one secret: a guest comes back
        // as itself on either
        all.putIfAbsent("CHAT_AUTH_GUEST_SECRET", GUEST_SECRET);
        this.a = Gateway.start(TestGateways.config("gw-a", all));
        this.b = Gateway.start(TestGateways.config("gw-b", all));
        this.admin = RedisClient.create(uri);
        this.redis = admin.connect();
        await().atMost(Duration.ofSeconds(10)).until(() -> TestGateways.ready(a) && TestGateways.ready(b));
    }

    /**
     * Starts both gateways and waits until they are ready.
     *
     * @param container a started Redis container (port 6379 exposed)
     * @param env       extra configuration, by environment variable name
     * @return the pair
     */
    public static RedisGateways start(GenericContainer<?> container, Map<String, String> env) {
        return new RedisGateways(container, env);
    }

    /**
     * The first gateway.
     *
     * @return gw-a
     */
    public Gateway a() {
        return a;
    }

    /**
     * The second gateway.
     *
     * @return gw-b
     */
    public Gateway b() {
        return b;
    }

    /**
     * Synchronous commands on the same Redis, for the test's checks.
     *
     * @return the commands
     */
    public RedisCommands<String, String> redis() {
        return redis.sync();
    }

    @Override
    public void close() {
        a.close();
        b.close();
        redis.close();
        admin.shutdown();
    }
}
