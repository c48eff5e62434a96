package io.chatrelay.broker.redis;

import io.chatrelay.broker.BrokerContract.Recorder;
import io.chatrelay.broker.BrokerState;
import io.chatrelay.broker.FrameMeta;
import io.chatrelay.broker.FrameTemplate;
import org.junit.jupiter.api.Test;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** A password-protected Redis: the password travels in the URI. */
@Testcontainers
class RedisPasswordIT {
    @Container
    static final GenericContainer<?> REDIS = new GenericContainer<>("redis:8.0")
            .withCommand("redis-server", "--requirepass", "s3cret-pw")
            .withExposedPorts(6379);

    private static String uri(String password) {
        return "redis://:" + password + "@" + REDIS.getHost() + ":" + REDIS.getMappedPort(6379);
    }

    @Test
    void connectsWithThePasswordFromTheUri() throws Exception {
        try (RedisBroker broker = new RedisBroker(new RedisSettings(uri("s3cret-pw"), "pw", 100, Duration.ofSeconds(5), false))) {
            broker.start(new Recorder());
            await().atMost(Duration.ofSeconds(10)).until(() -> broker.state() == BrokerState.UP);
            FrameTemplate frame = new FrameTemplate(new FrameMeta("message", "", 0), "", "");
            String id = broker.append("room:pw", frame).toCompletableFuture().get(5, TimeUnit.SECONDS);
            assertThat(id).matches("\\d+-\\d+");
        }
    }

    @Test
    void staysDownWithAWrongPassword() {
        try (RedisBroker broker = new RedisBroker(new RedisSettings(uri("wrong"), "pw", 100, Duration.ofSeconds(2), false))) {
            broker.start(new Recorder());
            await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(4)).until(() -> broker.state() != BrokerState.UP);
        }
    }
}
