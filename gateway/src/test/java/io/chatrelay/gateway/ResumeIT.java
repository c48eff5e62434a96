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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Resume without flaps, on two gateways in one JVM on one real Redis: a client whose connection
 * drops and who comes back, to the other gateway, as the same guest (the {@code guest_token} of its
 * {@code welcome}, taken by both gateways), within {@code CHAT_PRESENCE_LINGER} is never
 * seen leaving or joining, and gets exactly what was sent meanwhile, once each, in order; a
 * repeated {@code join} on the same connection replays in place (no presence event, no
 * unsubscribe or subscribe, one history read, counted in Redis' {@code INFO commandstats}).
 *
 * <p>Presence runs fast here (linger 2 s, sweep 0.5 s, TTL 2 s, refresh 0.5 s), so that "no
 * presence frame" is watched for longer than linger plus sweep: a lingering entry that expired
 * and was announced would show within the window. Heartbeats too (0.25 s): a connection dropped
 * without a close frame is noticed by the gateway at its next failed write.
 */
@Testcontainers
class ResumeIT {
    @Container
    static final GenericContainer<?> REDIS = new GenericContainer<>("redis:8.0").withExposedPorts(6379);
    private static final Duration LINGER = Duration.ofSeconds(2);
    private static final Duration SWEEP = Duration.ofMillis(500);
    /** Longer than linger + sweep, with a margin: a leave announced by the sweep would show within it. */
    private static final Duration QUIET = LINGER.plus(SWEEP).plus(SWEEP).plusSeconds(1);

    private static RedisGateways gateways;
    private static Gateway a;
    private static Gateway b;

    @BeforeAll
    static void start() {
        gateways = RedisGateways.start(REDIS, Map.of(
                "CHAT_PRESENCE_LINGER", "PT2S", "CHAT_PRESENCE_SWEEP", "PT0.5S",
                "CHAT_PRESENCE_TTL", "PT2S", "CHAT_PRESENCE_REFRESH", "PT0.5S",
                // Helidon does not report a socket lost without a close frame: the gateway learns of
                // it from a failed write, here the next heartbeat ping (docs/operations.md)
                "CHAT_HEARTBEAT_INTERVAL", "PT0.25S", "CHAT_HEARTBEAT_TIMEOUT", "PT3S",
                "CHAT_RATE_PER_SECOND", "1000", "CHAT_RATE_BURST", "1000"));
        a = gateways.a();
        b = gateways.b();
    }

    @AfterAll
    static void stop() {
        gateways.close();
    }


    @Test
    void protocolOneClientResumesOnTheOtherGatewayWithoutPresenceFlapsOrGaps() {
        resumesWithoutFlaps((scene, guestToken, since) -> {
            ChatClient back = ChatClient.connectWithToken(b.port(), guestToken);
            assertThat(back.protocol()).isEqualTo(1);
            // the automatic lobby join is a plain one (history snapshot, not a recovery): not counted below
            assertThat(back.next(Frames.joined("lobby")).has("recovered")).isFalse();
            back.send(Frames.join(scene.room, since.get(scene.room)));
            back.send(Frames.join("lobby", since.get("lobby")));
            return back;
        });
    }

    @Test
    void protocolTwoClientResumesOnTheOtherGatewayWithHelloWithoutPresenceFlapsOrGaps() {
        resumesWithoutFlaps((scene, guestToken, since) -> {
            Map<String, String> rooms = new LinkedHashMap<>();
            rooms.put("lobby", since.get("lobby"));
            rooms.put(scene.room, since.get(scene.room));
            ChatClient back = ChatClient.to(ChatClient.local(b.port(), null)).hello(null, guestToken, rooms).connect();
            assertThat(back.protocol()).isEqualTo(2);
            assertThat(back.subprotocol()).isEqualTo(ChatClient.SUBPROTOCOL_V2);
            return back;
        });
    }

    /**
     * How alice comes back: connects to gateway B as the same guest (the {@code guest_token} of
     * her welcome; the gateways share the guest secret) and asks for each room after the id she has.
     */
    @FunctionalInterface
    interface Reconnect {
        ChatClient to(Scene scene, String guestToken, Map<String, String> since);
    }

    /** Alice on A, bob on B, both in {@code room} and the lobby: the names they pick. */
    record Scene(String user, String bob, String room) {
        static Scene fresh() {
            String s = UUID.randomUUID().toString().substring(0, 8);
            return new Scene("alice-" + s, "bob-" + s, "r-" + s);
        }
    }

    /**
     * Alice joins the lobby (automatically) and the room; once her own joins reached her they are
     * stored and published, and only then does bob connect to gateway B, so that his lobby snapshot
     * has her (connecting him at once raced his automatic lobby join with hers; gw-b may still fan
     * her joins out to bob: see the barrier below).
     */
    private ChatClient connectOnceIn(ChatClient alice, Scene scene, List<String> rooms) {
        alice.next(Frames.joined("lobby"));
        alice.join(scene.room());
        for (String room : rooms) {
            alice.next(Frames.presence(room, alice.user(), "join"));
        }
        return ChatClient.connect(b.port(), scene.bob());
    }

    private void resumesWithoutFlaps(Reconnect reconnect) {
        Scene scene = Scene.fresh();
        List<String> rooms = List.of("lobby", scene.room());
        try (ChatClient alice = ChatClient.connect(a.port(), scene.user()); ChatClient bob = connectOnceIn(alice, scene, rooms)) {
            String aliceId = alice.user();
            String bobId = bob.user();
            assertThat(Frames.members(bob.next(Frames.joined("lobby")))).contains(aliceId);
            assertThat(Frames.members(bob.join(scene.room()))).contains(aliceId);
            Map<String, String> since = new LinkedHashMap<>();
            for (String room : rooms) {
                alice.next(Frames.presence(room, bobId, "join"));
                String id = bob.sendAcked(room, "before " + room);
                assertThat(alice.next(Frames.message(room, "before " + room)).path("id").asText()).isEqualTo(id);
                // a barrier: gw-b fans a topic's frames out in order, so what was published in the
                // room before (her joins, which gw-b may still have been fanning out while bob
                // joined) has reached bob by now; only what comes after counts below
                bob.next(Frames.message(room, "before " + room));
                since.put(room, id);
            }
            int bobSawBefore = bob.seen().size();

            alice.abort();
            await("gw-a notices the dropped connection").atMost(Duration.ofSeconds(10))
                    .until(() -> a.core().sessions().snapshot().stream().noneMatch(s -> s.user().equals(aliceId)));
            long dropped = System.nanoTime();
            Map<String, List<String>> missed = new LinkedHashMap<>();
            for (String room : rooms) {
                List<String> ids = new ArrayList<>();
                for (int i = 0; i < 3; i++) {
                    ids.add(bob.sendAcked(room, "while away " + i + " in " + room));
                }
                missed.put(room, ids);
            }

            try (ChatClient back = reconnect.to(scene, alice.guestToken(), since)) {
                assertThat(back.node()).isEqualTo("gw-b");
                assertThat(back.user()).as("the same guest, on the other gateway").isEqualTo(aliceId);
                assertThat(back.name()).isEqualTo(scene.user());
                Map<String, JsonNode> recovered = new LinkedHashMap<>();
                for (String room : rooms) {
                    recovered.put(room, back.next(f -> Frames.joined(room).test(f) && f.has("recovered")));
                }
                assertThat(Duration.ofNanos(System.nanoTime() - dropped)).as("back within the linger (the premise of this test)")
                        .isLessThan(LINGER);
                List<String> markers = new ArrayList<>();
                for (String room : rooms) {
                    JsonNode joined = recovered.get(room);
                    assertThat(joined.path("recovered").asBoolean()).as("recovered in %s", room).isTrue();
                    assertThat(joined.has("more")).as("one page in %s", room).isFalse();
                    assertThat(Frames.messageIds(joined)).as("recovered in %s", room).containsExactlyElementsOf(missed.get(room));
                    assertThat(Frames.members(joined)).contains(aliceId, bobId);
                    assertThat(Frames.memberNames(joined)).containsEntry(aliceId, scene.user()).containsEntry(bobId, scene.bob());
                    markers.add(bob.sendAcked(room, "after " + room));
                }
                for (int i = 0; i < rooms.size(); i++) {
                    String room = rooms.get(i);
                    back.next(Frames.message(room, "after " + room));
                    // once each, in order: the recovered page, then only live frames after it
                    List<String> got = new ArrayList<>(Frames.messageIds(recovered.get(room)));
                    back.seen(Frames.message(room)).forEach(m -> got.add(m.path("id").asText()));
                    List<String> expected = new ArrayList<>(missed.get(room));
                    expected.add(markers.get(i));
                    assertThat(got).as("messages of %s at alice after the resume", room).containsExactlyElementsOf(expected);
                }

                await("no presence frame about " + aliceId + " at bob, for longer than linger + sweep")
                        .during(QUIET).atMost(QUIET.plusSeconds(3))
                        .untilAsserted(() -> assertThat(after(bob, bobSawBefore, Frames.presenceOf(aliceId)))
                                .as("all frames at bob: %s", bob.seen()).isEmpty());
                // and she is still present everywhere: the entry of gw-b holds her after gw-a's expired
                try (ChatClient carol = ChatClient.connect(a.port(), "carol-" + scene.room())) {
                    assertThat(Frames.members(carol.join(scene.room()))).contains(aliceId, bobId);
                }
                assertThat(back.seen(Frames.presenceOf(aliceId))).isEmpty();
                assertThat(after(bob, bobSawBefore, Frames.presenceOf(aliceId))).isEmpty();
            }
        }
    }

    /**
     * A {@code join} with {@code since} of a room the connection is already in: {@code joined}
     * again with what came after {@code since}; no presence event for anyone; in Redis no
     * SSUBSCRIBE or SUNSUBSCRIBE and exactly one history read (as many XRANGE calls as the first
     * join with {@code since} of another connection of the same gateway takes, and no XREVRANGE:
     * neither the latest page nor a subscription's starting point is read).
     */
    @Test
    void aRepeatedJoinWithSinceOnTheSameConnectionReplaysInPlace() {
        Scene scene = Scene.fresh();
        String room = scene.room();
        try (ChatClient alice = ChatClient.connect(a.port(), scene.user()); ChatClient bob = ChatClient.connect(b.port(), scene.bob())) {
            alice.next(Frames.joined("lobby"));
            alice.join(room);
            alice.next(Frames.presence(room, alice.user(), "join"));
            bob.next(Frames.joined("lobby"));
            bob.join(room);
            for (ChatClient c : List.of(alice, bob)) {
                c.next(Frames.presence(room, bob.user(), "join"));
            }
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                ids.add(bob.sendAcked(room, "m" + i));
                alice.next(Frames.message(room, "m" + i));
                bob.next(Frames.message(room, "m" + i));
            }

            // carol on gw-b, so that alice stays the only member of the room on gw-a: a leave and join
            // there would unsubscribe and subscribe again
            try (ChatClient carol = ChatClient.connect(b.port(), "carol-" + room)) {
                carol.next(Frames.joined("lobby"));
                // calibration: the first join with since of a connection new to the room, on a gateway already subscribed to it (bob's)
                Map<String, Long> before = commandStats();
                JsonNode first = carol.join(room, ids.getFirst());
                Map<String, Long> calibration = delta(before, commandStats());
                assertThat(Frames.messageIds(first)).containsExactlyElementsOf(ids.subList(1, 3));
                long oneRead = calibration.getOrDefault("xrange", 0L);
                assertThat(oneRead).as("XRANGE calls of one history read after since: %s", calibration).isBetween(1L, 2L);
                assertThat(calibration.getOrDefault("ssubscribe", 0L)).as("already subscribed: %s", calibration).isZero();
                for (ChatClient c : List.of(alice, bob, carol)) {
                    c.next(Frames.presence(room, carol.user(), "join"));
                }
                int presenceBefore = presenceCount(alice, bob, carol);

                before = commandStats();
                JsonNode again = alice.join(room, ids.getFirst());
                alice.send(Frames.frame("ping"));
                alice.next("pong");
                Map<String, Long> rejoin = delta(before, commandStats());

                assertThat(again.path("recovered").asBoolean()).isTrue();
                assertThat(Frames.messageIds(again)).containsExactlyElementsOf(ids.subList(1, 3));
                assertThat(Frames.members(again)).contains(alice.user(), bob.user(), carol.user());
                assertThat(rejoin.getOrDefault("ssubscribe", 0L)).as("SSUBSCRIBE calls of the rejoin: %s", rejoin).isZero();
                assertThat(rejoin.getOrDefault("sunsubscribe", 0L)).as("SUNSUBSCRIBE calls of the rejoin: %s", rejoin).isZero();
                assertThat(rejoin.getOrDefault("xrevrange", 0L)).as("XREVRANGE calls of the rejoin: %s", rejoin).isZero();
                assertThat(rejoin.getOrDefault("xrange", 0L)).as("XRANGE calls of the rejoin: %s (one read: %s)", rejoin, oneRead)
                        .isEqualTo(oneRead);
                assertThat(a.core().rooms().roomCount()).as("gw-a still has the room").isPositive();

                await("no presence event for anyone after the rejoin").during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(4))
                        .untilAsserted(() -> assertThat(presenceCount(alice, bob, carol)).as("presence frames at alice, bob, carol: %s",
                                presenceFrames(alice, bob, carol)).isEqualTo(presenceBefore));
                assertThat(alice.seen(Frames.ofType("left"))).isEmpty();
                // still live, once: the next message arrives at alice exactly once
                String next = bob.sendAcked(room, "after the rejoin");
                alice.next(Frames.message(room, "after the rejoin"));
                alice.send(Frames.frame("ping"));
                alice.next("pong");
                assertThat(alice.seen(Frames.message(room))).extracting(f -> f.path("id").asText())
                        .containsExactly(ids.get(0), ids.get(1), ids.get(2), next);
            }
        }
    }

    private static int presenceCount(ChatClient... clients) {
        int n = 0;
        for (ChatClient c : clients) {
            n += c.seen(Frames.ofType("presence")).size();
        }
        return n;
    }

    /** The frames a client received after its first {@code mark} frames that match. */
    private static List<JsonNode> after(ChatClient client, int mark, java.util.function.Predicate<JsonNode> match) {
        List<JsonNode> seen = client.seen();
        return seen.subList(mark, seen.size()).stream().filter(match).toList();
    }

    private static List<JsonNode> presenceFrames(ChatClient... clients) {
        List<JsonNode> all = new ArrayList<>();
        for (ChatClient c : clients) {
            all.addAll(c.seen(Frames.ofType("presence")));
        }
        return all;
    }

    private static final Pattern CMDSTAT = Pattern.compile("^cmdstat_([a-z|]+):calls=(\\d+)", Pattern.MULTILINE);

    /** Redis' {@code INFO commandstats}: calls per command, lower case. */
    private static Map<String, Long> commandStats() {
        Map<String, Long> calls = new LinkedHashMap<>();
        Matcher m = CMDSTAT.matcher(gateways.redis().info("commandstats"));
        while (m.find()) {
            calls.put(m.group(1), Long.parseLong(m.group(2)));
        }
        return calls;
    }

    private static Map<String, Long> delta(Map<String, Long> before, Map<String, Long> after) {
        Map<String, Long> grew = new LinkedHashMap<>();
        after.forEach((cmd, n) -> {
            long d = n - before.getOrDefault(cmd, 0L);
            if (d != 0) {
                grew.put(cmd, d);
            }
        });
        return grew;
    }
}
