package io.chatrelay.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import io.chatrelay.gateway.config.GatewayConfig;
import io.chatrelay.gateway.support.TestGateways;
import io.chatrelay.gateway.support.WsClient;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Two gateways in one JVM on one real Redis: the cross-gateway path without Docker Compose. */
@Testcontainers
class TwoGatewaysRedisIT {
    @Container
    static final GenericContainer<?> REDIS = new GenericContainer<>("redis:8.0").withExposedPorts(6379);
    private static final String PREFIX = "it" + UUID.randomUUID().toString().substring(0, 8);

    private static Gateway a;
    private static Gateway b;
    private static RedisClient admin;
    private static StatefulRedisConnection<String, String> redis;

    @BeforeAll
    static void start() {
        a = Gateway.start(config("gw-a"), Main.broker(config("gw-a")));
        b = Gateway.start(config("gw-b"), Main.broker(config("gw-b")));
        admin = RedisClient.create(uri());
        redis = admin.connect();
        await().atMost(Duration.ofSeconds(10)).until(() -> ready(a) && ready(b));
    }

    @AfterAll
    static void stop() {
        a.close();
        b.close();
        redis.close();
        admin.shutdown();
    }

    private static String uri() {
        return "redis://" + REDIS.getHost() + ":" + REDIS.getMappedPort(6379);
    }

    private static GatewayConfig config(String node) {
        return TestGateways.config(node, Map.of("CHAT_REDIS_URI", uri(), "CHAT_REDIS_PREFIX", PREFIX,
                "CHAT_PRESENCE_TTL", "PT2S", "CHAT_PRESENCE_REFRESH", "PT0.5S", "CHAT_PRESENCE_SWEEP", "PT0.5S",
                "CHAT_RATE_PER_SECOND", "1000", "CHAT_RATE_BURST", "1000"));
    }

    private static boolean ready(Gateway g) throws Exception {
        var res = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                java.net.URI.create("http://127.0.0.1:" + g.port() + "/observe/health/ready")).build(),
                java.net.http.HttpResponse.BodyHandlers.discarding());
        return res.statusCode() == 200;
    }

    private static boolean isMessage(JsonNode f, String room) {
        return "message".equals(f.path("type").asText()) && room.equals(f.path("room").asText());
    }

    @Test
    void deliversToMembersOnOtherGateway() throws Exception {
        try (WsClient alice = WsClient.connect(a.port(), "alice"); WsClient bob = WsClient.connect(b.port(), "bob")) {
            alice.join("cross");
            bob.join("cross");
            alice.send("type", "send", "room", "cross", "text", "hello from A", "ref", "a1");
            String id = alice.next("ack").get("id").asText();
            JsonNode atBob = bob.next(f -> isMessage(f, "cross"));
            assertThat(atBob.get("id").asText()).isEqualTo(id);
            assertThat(atBob.get("from").asText()).isEqualTo("alice");
            bob.send("type", "send", "room", "cross", "text", "hello from B");
            assertThat(alice.next(f -> isMessage(f, "cross") && "bob".equals(f.path("from").asText()))
                    .get("text").asText()).isEqualTo("hello from B");
        }
    }

    @Test
    void aMemberOfAnotherRoomGetsNothing() throws Exception {
        try (WsClient alice = WsClient.connect(a.port(), "alice"); WsClient carol = WsClient.connect(b.port(), "carol")) {
            alice.join("secret");
            carol.join("public");
            alice.send("type", "send", "room", "secret", "text", "psst");
            alice.next("ack");
            carol.send("type", "send", "room", "public", "text", "marker");
            carol.next(f -> isMessage(f, "public"));
            assertThat(carol.seen()).noneMatch(f -> "psst".equals(f.path("text").asText()));
        }
    }

    @Test
    void unsubscribesAfterTheLastLocalMemberLeaves() throws Exception {
        String channel = PREFIX + ":{room:ephemeral-room}:ch";
        try (WsClient alice = WsClient.connect(a.port(), "alice")) {
            alice.join("ephemeral-room");
            assertThat(redis.sync().pubsubShardChannels(channel)).containsExactly(channel);
            alice.send("type", "leave", "room", "ephemeral-room");
            alice.next("left");
            await().atMost(Duration.ofSeconds(5)).until(() -> redis.sync().pubsubShardChannels(channel).isEmpty());
        }
    }

    @Test
    void presenceSpansGatewaysAndCountsTwoTabsOnce() throws Exception {
        try (WsClient dave1 = WsClient.connect(a.port(), "dave"); WsClient erin = WsClient.connect(b.port(), "erin")) {
            dave1.join("pres");
            JsonNode joined = erin.join("pres");
            assertThat(joined.get("members").toString()).contains("dave", "erin");
            try (WsClient dave2 = WsClient.connect(b.port(), "dave")) {
                dave2.join("pres");
                dave2.send("type", "leave", "room", "pres");
                dave2.next("left");
            }
            dave1.send("type", "typing", "room", "pres");
            assertThat(erin.next("typing").get("user").asText()).isEqualTo("dave");
            assertThat(erin.seen()).noneMatch(f -> "presence".equals(f.path("type").asText())
                    && "dave".equals(f.path("user").asText()) && "leave".equals(f.path("event").asText()));
        }
    }

    @Test
    void recoversAfterSinceWithoutGapOrDuplicateWhileMessagesKeepArriving() throws Exception {
        try (WsClient writer = WsClient.connect(a.port(), "writer")) {
            writer.join("busy");
            List<String> acked = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                writer.send("type", "send", "room", "busy", "text", "m" + i, "ref", "w" + i);
                acked.add(writer.next(f -> "ack".equals(f.path("type").asText())).get("id").asText());
            }
            String since = acked.get(4);
            AtomicBoolean stop = new AtomicBoolean();
            Thread pump = Thread.ofVirtual().start(() -> {
                for (int i = 10; i < 60 && !stop.get(); i++) {
                    writer.send("type", "send", "room", "busy", "text", "m" + i);
                }
            });
            try (WsClient reader = WsClient.connect(b.port(), "reader")) {
                reader.send("type", "join", "room", "busy", "since", since);
                JsonNode joined = reader.next(f -> "joined".equals(f.path("type").asText()) && "busy".equals(f.path("room").asText()));
                assertThat(joined.get("recovered").asBoolean()).isTrue();
                pump.join(Duration.ofSeconds(10));
                List<String> texts = new ArrayList<>();
                joined.get("messages").forEach(m -> texts.add(m.get("text").asText()));
                while (texts.size() < 55) {
                    texts.add(reader.next(f -> isMessage(f, "busy")).get("text").asText());
                }
                List<String> expected = new ArrayList<>();
                for (int i = 5; i < 60; i++) {
                    expected.add("m" + i);
                }
                assertThat(texts).containsExactlyElementsOf(expected);
            } finally {
                stop.set(true);
            }
        }
    }

    @Test
    void directMessagesReachEveryConnectionOfBothUsersAcrossGateways() throws Exception {
        try (WsClient frank = WsClient.connect(a.port(), "frank"); WsClient gina1 = WsClient.connect(a.port(), "gina");
             WsClient gina2 = WsClient.connect(b.port(), "gina"); WsClient frankTab = WsClient.connect(b.port(), "frank")) {
            frank.send("type", "send", "to", "gina", "text", "just for you", "ref", "d1");
            String id = frank.next("ack").get("id").asText();
            for (WsClient c : List.of(gina1, gina2, frankTab, frank)) {
                JsonNode dm = c.next(f -> "message".equals(f.path("type").asText()) && f.has("to"));
                assertThat(dm.get("id").asText()).isEqualTo(id);
                assertThat(dm.get("from").asText()).isEqualTo("frank");
                assertThat(dm.get("to").asText()).isEqualTo("gina");
            }
            gina2.send("type", "history", "with", "frank", "ref", "h1");
            JsonNode history = gina2.next("history");
            assertThat(history.get("messages").get(history.get("messages").size() - 1).get("text").asText())
                    .isEqualTo("just for you");
        }
    }
}
