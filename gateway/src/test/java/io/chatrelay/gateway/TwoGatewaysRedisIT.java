package io.chatrelay.gateway;

import com.fasterxml.jackson.databind.JsonNode;
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

    private static RedisGateways gateways;
    private static Gateway a;
    private static Gateway b;

    @BeforeAll
    static void start() {
        gateways = RedisGateways.start(REDIS, Map.of("CHAT_REDIS_PREFIX", PREFIX, "CHAT_PRESENCE_TTL", "PT2S", "CHAT_PRESENCE_REFRESH", "PT0.5S", "CHAT_PRESENCE_SWEEP", "PT0.5S",
                "CHAT_RATE_PER_SECOND", "1000", "CHAT_RATE_BURST", "1000"));
        a = gateways.a();
        b = gateways.b();
    }

    @AfterAll
    static void stop() {
        gateways.close();
    }


    private static boolean isMessage(JsonNode f, String room) {
        return "message".equals(f.path("type").asText()) && room.equals(f.path("room").asText());
    }

    @Test
    void bothGatewaysRunOnRedisFromTheirConfiguration() {
        assertThat(a.core().brokerState().name()).isEqualTo("UP");
        assertThat(b.core().brokerState().name()).isEqualTo("UP");
        try (ChatClient alice = ChatClient.connect(a.port(), "alice")) {
            alice.next(Frames.joined("lobby"));
            String channel = PREFIX + ":{room:lobby}:ch";
            assertThat(gateways.redis().pubsubShardChannels(channel)).containsExactly(channel);
        }
    }

    /** Each gateway has its own meter registry: frames into A count on A only, and B serves only its own meters. */
    @Test
    void twoGatewaysInOneJvmKeepSeparateMetricCounts() throws Exception {
        long aBefore = TestGateways.count(a, "chat_frames_in");
        long bBefore = TestGateways.count(b, "chat_frames_in");
        double bServedBefore = TestGateways.metric(b.adminPort(), "chat_frames_in_total", "gw-b");
        try (ChatClient alice = ChatClient.connect(a.port(), "metered")) {
            for (int i = 0; i < 5; i++) {
                alice.send(Frames.frame("ping"));
                alice.next("pong");
            }
        }
        assertThat(TestGateways.count(a, "chat_frames_in")).isGreaterThanOrEqualTo(aBefore + 5);
        assertThat(TestGateways.count(b, "chat_frames_in")).isEqualTo(bBefore);
        assertThat(TestGateways.metric(a.adminPort(), "chat_frames_in_total", "gw-a")).isGreaterThanOrEqualTo(aBefore + 5);
        assertThat(TestGateways.metric(b.adminPort(), "chat_frames_in_total", "gw-b")).isEqualTo(bServedBefore);
        assertThat(a.metrics().registry()).isNotSameAs(b.metrics().registry());
        assertThat(b.metrics().registry().getMeters()).as("meters of gw-a in the registry of gw-b")
                .noneMatch(m -> "gw-a".equals(m.getId().getTag("node")));
        assertThat(b.metrics().registry().getMeters()).extracting(m -> m.getId().getName()).contains("chat_frames_in");
        assertThat(TestGateways.metricLines(b.adminPort(), "chat_frames_in_total")).as("/observe/metrics of gw-b")
                .isNotEmpty().noneMatch(l -> l.contains("gw-a"));
    }

    @Test
    void deliversToMembersOnOtherGateway() throws Exception {
        try (ChatClient alice = ChatClient.connect(a.port(), "alice"); ChatClient bob = ChatClient.connect(b.port(), "bob")) {
            alice.join("cross");
            bob.join("cross");
            alice.send("type", "send", "room", "cross", "text", "hello from A", "ref", "a1");
            String id = alice.next("ack").get("id").asText();
            JsonNode atBob = bob.next(f -> isMessage(f, "cross"));
            assertThat(atBob.get("id").asText()).isEqualTo(id);
            assertThat(atBob.get("from").asText()).isEqualTo(alice.user());
            assertThat(atBob.get("name").asText()).isEqualTo("alice");
            bob.send("type", "send", "room", "cross", "text", "hello from B");
            JsonNode atAlice = alice.next(f -> isMessage(f, "cross") && bob.user().equals(f.path("from").asText()));
            assertThat(atAlice.get("text").asText()).isEqualTo("hello from B");
            assertThat(atAlice.get("name").asText()).isEqualTo("bob");
        }
    }

    @Test
    void aMemberOfAnotherRoomGetsNothing() throws Exception {
        try (ChatClient alice = ChatClient.connect(a.port(), "alice"); ChatClient carol = ChatClient.connect(b.port(), "carol")) {
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
        try (ChatClient alice = ChatClient.connect(a.port(), "alice")) {
            alice.join("ephemeral-room");
            assertThat(gateways.redis().pubsubShardChannels(channel)).containsExactly(channel);
            alice.send("type", "leave", "room", "ephemeral-room");
            alice.next("left");
            await().atMost(Duration.ofSeconds(5)).until(() -> gateways.redis().pubsubShardChannels(channel).isEmpty());
        }
    }

    /** Dave's second tab is the same guest (his guest token, on the other gateway): one member, no leave. */
    @Test
    void presenceSpansGatewaysAndCountsTwoTabsOnce() throws Exception {
        try (ChatClient dave1 = ChatClient.connect(a.port(), "dave"); ChatClient erin = ChatClient.connect(b.port(), "erin")) {
            dave1.join("pres");
            JsonNode joined = erin.join("pres");
            assertThat(Frames.members(joined)).contains(dave1.user(), erin.user());
            assertThat(Frames.memberNames(joined)).containsEntry(dave1.user(), "dave").containsEntry(erin.user(), "erin");
            try (ChatClient dave2 = ChatClient.connectWithToken(b.port(), dave1.guestToken())) {
                assertThat(dave2.user()).as("the second tab is the same guest").isEqualTo(dave1.user());
                assertThat(dave2.name()).isEqualTo("dave");
                JsonNode again = dave2.join("pres");
                assertThat(Frames.members(again)).as("each user once, however many tabs")
                        .containsOnlyOnce(dave1.user()).doesNotHaveDuplicates();
                dave2.send("type", "leave", "room", "pres");
                dave2.next("left");
            }
            dave1.send("type", "typing", "room", "pres");
            JsonNode typing = erin.next("typing");
            assertThat(typing.get("user").asText()).isEqualTo(dave1.user());
            assertThat(typing.get("name").asText()).isEqualTo("dave");
            assertThat(erin.seen()).noneMatch(f -> "presence".equals(f.path("type").asText())
                    && dave1.user().equals(f.path("user").asText()) && "leave".equals(f.path("event").asText()));
        }
    }

    @Test
    void recoversAfterSinceWithoutGapOrDuplicateWhileMessagesKeepArriving() throws Exception {
        try (ChatClient writer = ChatClient.connect(a.port(), "writer")) {
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
            try (ChatClient reader = ChatClient.connect(b.port(), "reader")) {
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

    /** Each user's second connection is the same guest (its guest token, on the other gateway). */
    @Test
    void directMessagesReachEveryConnectionOfBothUsersAcrossGateways() throws Exception {
        try (ChatClient frank = ChatClient.connect(a.port(), "frank"); ChatClient gina1 = ChatClient.connect(a.port(), "gina");
             ChatClient gina2 = ChatClient.connectWithToken(b.port(), gina1.guestToken());
             ChatClient frankTab = ChatClient.connectWithToken(b.port(), frank.guestToken());
             ChatClient otherGina = ChatClient.connect(b.port(), "gina")) {
            assertThat(gina2.user()).isEqualTo(gina1.user());
            assertThat(frankTab.user()).isEqualTo(frank.user());
            assertThat(otherGina.user()).as("another guest who picked the same name").isNotEqualTo(gina1.user());
            frank.send("type", "send", "to", gina1.user(), "text", "just for you", "ref", "d1");
            String id = frank.next("ack").get("id").asText();
            for (ChatClient c : List.of(gina1, gina2, frankTab, frank)) {
                JsonNode dm = c.next(f -> "message".equals(f.path("type").asText()) && f.has("to"));
                assertThat(dm.get("id").asText()).isEqualTo(id);
                assertThat(dm.get("from").asText()).isEqualTo(frank.user());
                assertThat(dm.get("name").asText()).isEqualTo("frank");
                assertThat(dm.get("to").asText()).isEqualTo(gina1.user());
            }
            // every connection of gina had it by now; the other gina (another inbox) gets nothing, for a while
            await("nothing for the other gina").during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3))
                    .untilAsserted(() -> assertThat(otherGina.seen()).noneMatch(f -> "just for you".equals(f.path("text").asText())));
            gina2.send("type", "history", "with", frank.user(), "ref", "h1");
            JsonNode history = gina2.next("history");
            assertThat(history.get("messages").get(history.get("messages").size() - 1).get("text").asText())
                    .isEqualTo("just for you");
        }
    }
}
