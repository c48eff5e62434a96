package io.chatrelay.chat;

import com.fasterxml.jackson.databind.JsonNode;
import io.chatrelay.broker.Broker;
import io.chatrelay.broker.BrokerException;
import io.chatrelay.broker.memory.InMemoryBroker;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A broker that is up while one shard is down (Redis Cluster): only what lives on that shard
 * fails. Here the shard of the users' inboxes ({@code user:*} topics) is down; rooms work.
 */
class ShardOutageTest {
    private final ChatSettings settings = TestCore.settings(100, 262_144);
    private final InMemoryBroker memory = new InMemoryBroker(100);
    private final ChatCore core = new ChatCore(settings, new ChatBackend(inboxesDown(memory),
            memory.presenceStore("n", Duration.ofSeconds(2), Duration.ofMillis(200)), memory.userDirectory(Duration.ofDays(1)),
            memory.readState(), memory.moderation(), memory.eventLog(10)), ChatSecurity.defaults(TestCore.SECRET), ChatMetrics.NONE);

    /** The broker, except that subscribing to an inbox fails as on a shard that is down. */
    private static Broker inboxesDown(Broker broker) {
        return (Broker) Proxy.newProxyInstance(ShardOutageTest.class.getClassLoader(), new Class<?>[] {Broker.class},
                (proxy, method, args) -> {
                    if ("subscribe".equals(method.getName()) && ((String) args[0]).startsWith("user:")) {
                        return CompletableFuture.failedFuture(new BrokerException("redis: Currently not connected"));
                    }
                    try {
                        return method.invoke(broker, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    @AfterEach
    void close() {
        core.close();
    }

    @Test
    void aSessionWhoseInboxShardIsDownIsAdmittedToldAndChatsInRoomsElsewhere() {
        core.start();
        RecordingRecipient out = new RecordingRecipient();
        Session alice = new Session("s1", new Identity("alice", false), out, 1);

        assertThat(core.open(alice, Map.of())).isTrue();

        assertThat(out.closed()).isNull();
        JsonNode error = out.next("error");
        assertThat(error.path("code").asText()).isEqualTo("broker_unavailable");
        assertThat(error.path("message").asText()).contains("direct messages");
        out.next("joined");
        core.onText(alice, "{\"type\":\"send\",\"room\":\"lobby\",\"text\":\"hi\",\"ref\":\"r1\"}");
        assertThat(out.next(f -> "ack".equals(f.path("type").asText()), RecordingRecipient.WAIT).path("ref").asText()).isEqualTo("r1");
    }
}
