package io.chatrelay.broker.redis;

import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisChannelWriter;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Proxy;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** The broker's up/down state as the connections' events arrive, in order and concurrently. */
class ConnectionTrackerTest {
    private static final InetSocketAddress REDIS = InetSocketAddress.createUnresolved("redis", 6379);
    private static ClientResources resources;

    private final List<ConnectionTracker.Change> changes = new CopyOnWriteArrayList<>();
    private final ConnectionTracker tracker = new ConnectionTracker(changes::add);

    @BeforeAll
    static void resources() {
        resources = DefaultClientResources.builder().ioThreadPoolSize(1).computationThreadPoolSize(1).build();
    }

    @AfterAll
    static void shutdown() throws Exception {
        resources.shutdown(0, 1, TimeUnit.SECONDS).get(5, TimeUnit.SECONDS);
    }

    @AfterEach
    void close() {
        tracker.close();
    }

    @Test
    void isUpOnlyWhenTheLastConnectionThatWentDownIsBack() {
        RedisChannelHandler<String, String> commands = connection();
        RedisChannelHandler<String, String> pubsub = connection();
        tracker.onRedisConnected(commands, REDIS);
        tracker.onRedisConnected(pubsub, REDIS);
        tracker.start();
        tracker.onRedisDisconnected(commands);
        tracker.onRedisDisconnected(pubsub);
        tracker.onRedisConnected(commands, REDIS);
        tracker.onRedisConnected(pubsub, REDIS);

        assertThat(changes).containsExactly(
                new ConnectionTracker.Change(true, null, false),
                new ConnectionTracker.Change(false, REDIS, false),
                new ConnectionTracker.Change(false, REDIS, false),
                new ConnectionTracker.Change(false, null, true),
                new ConnectionTracker.Change(true, null, true));
    }

    @Test
    void aLossNamesTheAddressTheConnectionWentToOrUnknown() {
        InetSocketAddress other = InetSocketAddress.createUnresolved("redis-2", 6379);
        RedisChannelHandler<String, String> first = connection();
        RedisChannelHandler<String, String> second = connection();
        RedisChannelHandler<String, String> neverSeen = connection();
        tracker.onRedisConnected(first, REDIS);
        tracker.onRedisConnected(second, other);
        tracker.start();
        tracker.onRedisDisconnected(second);
        tracker.onRedisDisconnected(neverSeen);

        assertThat(changes).extracting(ConnectionTracker.Change::lost).containsExactly(null, other, ConnectionTracker.UNKNOWN);
    }

    @Test
    void aConnectionClosedOnPurposeStopsCountingAsDown() {
        RedisChannelHandler<String, String> replaced = connection();
        tracker.start();
        tracker.onRedisDisconnected(replaced);
        replaced.close();
        tracker.recheck();

        assertThat(changes).last().isEqualTo(new ConnectionTracker.Change(true, null, true));
    }

    @Test
    void eventsBeforeStartAndAfterCloseAreNotReported() {
        RedisChannelHandler<String, String> connection = connection();
        tracker.onRedisDisconnected(connection);
        tracker.start();
        tracker.close();
        tracker.onRedisDisconnected(connection);

        assertThat(changes).containsExactly(new ConnectionTracker.Change(true, null, false));
    }

    @Test
    void eventsOfTwoEventLoopsReachTheBrokerOneAtATimeAndEndUp() throws Exception {
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger overlaps = new AtomicInteger();
        List<ConnectionTracker.Change> seen = new CopyOnWriteArrayList<>();
        ConnectionTracker concurrent = new ConnectionTracker(change -> {
            if (inside.incrementAndGet() > 1) {
                overlaps.incrementAndGet();
            }
            for (int i = 0; i < 2_000; i++) {
                Thread.onSpinWait(); // a consumer that takes a moment widens any window
            }
            seen.add(change);
            inside.decrementAndGet();
        });
        concurrent.start();
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> loops = List.of(connection(), connection()).stream().map(c -> Thread.ofPlatform().start(() -> {
            awaitQuietly(go);
            for (int i = 0; i < 2_000; i++) {
                concurrent.onRedisDisconnected(c);
                concurrent.onRedisConnected(c, REDIS);
            }
        })).toList();
        go.countDown();
        for (Thread t : loops) {
            assertThat(t.join(Duration.ofSeconds(30))).as("event loop finished").isTrue();
        }
        concurrent.close();

        assertThat(overlaps).as("changes reported concurrently").hasValue(0);
        assertThat(seen).last().extracting(ConnectionTracker.Change::allUp).isEqualTo(true);
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            assertThat(latch.await(10, TimeUnit.SECONDS)).isTrue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** A connection object with no socket: only its identity and closed state matter here. */
    private static RedisChannelHandler<String, String> connection() {
        RedisChannelWriter writer = (RedisChannelWriter) Proxy.newProxyInstance(ConnectionTrackerTest.class.getClassLoader(),
                new Class<?>[] {RedisChannelWriter.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "getClientResources" -> resources;
                    case "closeAsync" -> CompletableFuture.completedFuture(null);
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "equals" -> proxy == args[0];
                    default -> method.getReturnType() == boolean.class ? false : null;
                });
        return new RedisChannelHandler<>(writer, Duration.ofSeconds(1)) {
        };
    }
}
