package io.chatrelay.gateway.hooks;

import com.fasterxml.jackson.databind.JsonNode;
import io.chatrelay.gateway.Gateway;
import io.chatrelay.gateway.support.RedisGateways;
import io.chatrelay.gateway.support.TestGateways;
import io.chatrelay.testkit.ChatClient;
import io.chatrelay.testkit.Frames;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Webhooks from gateways sharing one Redis: the event log's one consumer group hands each event
 * to one gateway, so two gateways send one copy of each, not two; and the events a gateway was
 * delivering when it stopped are delivered by another one.
 */
@Testcontainers
class WebhooksRedisIT {
    @Container
    static final GenericContainer<?> REDIS = new GenericContainer<>("redis:8.0").withExposedPorts(6379);
    private static final String SECRET = "webhooks-it-secret-0123456789abcdef-01";
    private static final Receiver APP = new Receiver();
    private static RedisGateways gateways;

    @BeforeAll
    static void start() {
        APP.answering(r -> r.node().startsWith("stuck") ? Receiver.Answer.late(Duration.ofSeconds(30)) : Receiver.Answer.status(200));
        gateways = RedisGateways.start(REDIS, env("it" + UUID.randomUUID().toString().substring(0, 8)));
    }

    @AfterAll
    static void stop() {
        gateways.close();
        APP.close();
    }

    private static Map<String, String> env(String prefix) {
        Map<String, String> env = new HashMap<>();
        env.put("CHAT_REDIS_PREFIX", prefix);
        env.put("CHAT_WEBHOOK_URL", APP.url("/webhooks"));
        env.put("CHAT_WEBHOOK_SECRET", SECRET);
        env.put("CHAT_WEBHOOK_TIMEOUT", "PT1S");
        env.put("CHAT_WEBHOOK_BACKOFF", "PT2S");
        env.put("CHAT_RATE_PER_SECOND", "1000");
        env.put("CHAT_RATE_BURST", "1000");
        return env;
    }

    private static List<Receiver.Request> webhooks(String room) {
        return APP.requests("/webhooks").stream().filter(r -> r.json().path("room").asText().equals(room)).toList();
    }

    private static List<String> messageIds(List<Receiver.Request> requests) {
        return requests.stream().filter(r -> r.json().path("type").asText().equals("message.created"))
                .map(r -> r.json().path("message_id").asText()).toList();
    }

    @Test
    void twoGatewaysSendEachEventOnceNotTwice() {
        String room = "once-" + UUID.randomUUID().toString().substring(0, 8);
        List<String> stored = new ArrayList<>();
        try (ChatClient alice = ChatClient.connect(gateways.a().port(), "alice");
             ChatClient bob = ChatClient.connect(gateways.b().port(), "bob")) {
            alice.join(room);
            bob.join(room);
            for (int i = 0; i < 20; i++) {
                ChatClient sender = i % 2 == 0 ? alice : bob;
                sender.send(Frames.send(room, "m" + i, "r" + i));
                stored.add(sender.next(Frames.ack("r" + i)).path("id").asText());
            }
        }

        // the room's events: 20 messages, two joins and two leaves (and occupied, vacated)
        await().atMost(Duration.ofSeconds(20)).until(() -> messageIds(webhooks(room)).size() >= 20
                && webhooks(room).stream().filter(r -> r.json().path("type").asText().equals("member.left")).count() == 2);
        // long enough for a second copy to come (a retry would come after the backoff)
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5)).until(() -> true);
        List<Receiver.Request> got = webhooks(room);
        assertThat(messageIds(got)).containsExactlyInAnyOrderElementsOf(stored);
        assertThat(got).extracting(Receiver.Request::eventId).doesNotHaveDuplicates();
        assertThat(got).extracting(Receiver.Request::attempt).containsOnly("1");
        Map<String, Long> types = got.stream().collect(Collectors.groupingBy(r -> r.json().path("type").asText(), Collectors.counting()));
        // the room's member count is read atomically with each change: one occupied, one vacated, even
        // when the two gateways' members join or leave at the same moment
        assertThat(types).containsEntry("member.joined", 2L).containsEntry("member.left", 2L)
                .containsEntry("room.occupied", 1L).containsEntry("room.vacated", 1L);
        assertThat(TestGateways.count(gateways.a(), "chat_webhook_delivered") + TestGateways.count(gateways.b(), "chat_webhook_delivered"))
                .isGreaterThanOrEqualTo(got.size());
    }

    @Test
    void theEventsOfAGatewayThatStoppedMidDeliveryAreDeliveredByAnother() {
        // a pair of its own (own key prefix, own event log): "stuck" sends first, and the app never answers it
        String prefix = "it" + UUID.randomUUID().toString().substring(0, 8);
        Map<String, String> env = env(prefix);
        env.put("CHAT_REDIS_URI", "redis://" + REDIS.getHost() + ":" + REDIS.getMappedPort(6379));
        env.put("CHAT_WEBHOOK_EVENTS", "message.created");
        String room = "takeover";
        Set<String> stored;
        Gateway stuck = started("stuck", env);
        try (ChatClient alice = ChatClient.connect(stuck.port(), "alice")) {
            alice.join(room);
            for (int i = 0; i < 5; i++) {
                alice.send(Frames.send(room, "t" + i, "t" + i));
            }
            stored = alice.next(Frames.message(room), 5).stream().map(m -> m.path("id").asText()).collect(Collectors.toSet());
            await().atMost(Duration.ofSeconds(10)).until(() -> messageIds(fromNode("stuck")).containsAll(stored));
        }
        Gateway rescuer = started("rescuer", env);
        try {
            stuck.close(); // its deliveries never answered: nothing acknowledged

            await().atMost(Duration.ofSeconds(20)).until(() -> Set.copyOf(messageIds(fromNode("rescuer"))).containsAll(stored));
            assertThat(fromNode("rescuer")).extracting(r -> Integer.parseInt(r.attempt())).allMatch(n -> n >= 2);
            JsonNode one = fromNode("rescuer").getFirst().json();
            assertThat(one.path("node").asText()).as("the event names the gateway that recorded it").isEqualTo("stuck");
        } finally {
            rescuer.close();
        }
    }

    private static Gateway started(String node, Map<String, String> env) {
        Gateway gateway = TestGateways.start(node, env);
        await().atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() -> TestGateways.ready(gateway));
        return gateway;
    }

    private static List<Receiver.Request> fromNode(String node) {
        return APP.requests("/webhooks").stream().filter(r -> node.equals(r.node())).toList();
    }
}
