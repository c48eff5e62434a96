package io.chatrelay.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.dockerjava.api.command.InspectContainerResponse;
import io.chatrelay.testkit.ChatClient;
import io.chatrelay.testkit.Frames;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import java.util.logging.Logger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * End-to-end tests on the real {@code docker-compose.yml}: clients connect through HAProxy to
 * three gateways that relay every message through Redis. One stack for the whole class (it is
 * slow to start); the test that kills a gateway runs last.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 3, unit = java.util.concurrent.TimeUnit.MINUTES)
class ComposeStackIT {

    private static final Logger LOG = Logger.getLogger(ComposeStackIT.class.getName());

    /** A guest's id (docs/protocol.md): its own namespace, never the name it picked. */
    private static final String GUEST_ID = "guest:[a-z2-9]{12}";

    /** Connections one test may open while looking for clients on distinct gateways. */
    private static final int MAX_ATTEMPTS = 12;

    /** The stack; also closes every client a test opens ({@link #track}) after each test. */
    @RegisterExtension
    static final ComposeStackExtension STACK = ComposeStackExtension.of();

    @Test
    @Order(1)
    void deliversBetweenClientsOnDifferentGateways() throws Exception {
        String suffix = unique();
        ChatClient alice = open("alice-" + suffix);
        ChatClient bob = openOnAnotherNode("bob-" + suffix, Set.of(alice.node()));
        assertThat(bob.node()).isNotEqualTo(alice.node());
        assertThat(alice.welcome().path("protocol").asInt()).isEqualTo(1);
        assertThat(alice.user()).as("a guest's id is its own, not the name it picked").matches(GUEST_ID);
        assertThat(alice.name()).isEqualTo("alice-" + suffix);
        assertThat(bob.user()).matches(GUEST_ID).isNotEqualTo(alice.user());

        String text = "hello bob from alice " + suffix;
        alice.send(Frames.send("lobby", text, "c1"));

        JsonNode atBob = bob.next(message("lobby", text), ChatClient.WAIT);
        assertThat(atBob.path("from").asText()).isEqualTo(alice.user());
        assertThat(atBob.path("name").asText()).isEqualTo("alice-" + suffix);
        assertThat(atBob.path("room").asText()).isEqualTo("lobby");
        assertThat(atBob.path("id").asText()).matches("\\d+-\\d+");
        assertThat(atBob.path("ts").asLong()).isPositive();

        JsonNode ack = alice.next(f -> "ack".equals(type(f)) && "c1".equals(f.path("ref").asText()), ChatClient.WAIT);
        assertThat(ack.path("id").asText()).isEqualTo(atBob.path("id").asText());

        // the sender is a member of the room too: it gets the same message, same id
        JsonNode atAlice = alice.next(message("lobby", text), ChatClient.WAIT);
        assertThat(atAlice.path("id").asText()).isEqualTo(atBob.path("id").asText());
        assertThat(atAlice.path("from").asText()).isEqualTo(alice.user());
    }

    @Test
    @Order(2)
    void seedPlainTextClientWorksThroughTheLoadBalancer() throws Exception {
        // the seed client: new WebSocket("ws://localhost:8080/ws"); on open ws.send("Connection open!")
        ChatClient seed = track(ChatClient.connect(STACK.stack().wsBase().resolve("/ws")));
        assertThat(seed.user()).matches(GUEST_ID);
        assertThat(seed.name()).as("a generated display name").matches("guest-[a-z2-9]{4}");
        seed.next(f -> "joined".equals(type(f)) && "lobby".equals(f.path("room").asText()), ChatClient.WAIT);
        ChatClient other = openOnAnotherNode("watcher-" + unique(), Set.of(seed.node()));

        seed.sendText("Connection open!");

        JsonNode echoed = seed.next(message("lobby", "Connection open!"), ChatClient.WAIT);
        assertThat(echoed.path("from").asText()).isEqualTo(seed.user());
        JsonNode relayed = other.next(message("lobby", "Connection open!"), ChatClient.WAIT);
        assertThat(relayed.path("from").asText()).isEqualTo(seed.user());
        assertThat(relayed.path("name").asText()).isEqualTo(seed.name());
        assertThat(relayed.path("id").asText()).isEqualTo(echoed.path("id").asText());

        for (String path : List.of("/", "/client")) {
            HttpResponse<String> page = STACK.stack().get(path);
            assertThat(page.statusCode()).as("GET %s", path).isEqualTo(200);
            assertThat(page.headers().firstValue("content-type")).as("content type of GET %s", path)
                    .hasValueSatisfying(ct -> assertThat(ct).startsWith("text/html"));
            assertThat(page.body()).as("body of GET %s", path).containsIgnoringCase("<html");
        }
    }

    @Test
    @Order(3)
    void reportsStatusOfTheGatewayItIsConnectedTo() throws Exception {
        ChatClient carol = open("carol-" + unique());
        carol.send(Frames.frame("status"));
        JsonNode status = carol.next("status");
        assertThat(status.path("node").asText()).isEqualTo(carol.node());
        assertThat(status.path("connections").asInt()).isPositive();
        for (String adminPath : java.util.List.of("/observe/health/ready", "/observe/metrics", "/api/v1/node", "/admin/")) {
            assertThat(STACK.stack().get(adminPath).statusCode()).as("%s is not routed by the public load balancer", adminPath)
                    .isEqualTo(404);
        }
    }

    @Test
    @Order(Integer.MAX_VALUE)
    void keepsServingAfterOneGatewayIsKilled() throws Exception {
        String suffix = unique();
        ChatClient victimClient = open("victim-" + suffix);
        String deadNode = victimClient.node();
        InspectContainerResponse dead = STACK.stack().gatewayOfNode(deadNode);
        LOG.info(() -> "killing gateway " + deadNode + " (" + dead.getName() + ")");
        STACK.stack().kill(dead);

        // New connections go through: HAProxy takes the dead gateway out (health check, DNS);
        // until it has, an attempt may fail or land elsewhere. Bounded retries.
        AtomicReference<ChatClient> first = new AtomicReference<>();
        await("a connection through the LB after the kill")
                .atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).ignoreExceptions()
                .until(() -> {
                    ChatClient c = track(ChatClient.connectToLobby(STACK.stack().wsBase(), "dave-" + suffix));
                    first.set(c);
                    return true;
                });
        ChatClient dave = first.get();
        assertThat(dave.node()).isNotEqualTo(deadNode);

        ChatClient erin = openOnAnotherNode("erin-" + suffix, Set.of(deadNode, dave.node()));
        assertThat(Set.of(dave.node(), erin.node())).hasSize(2).doesNotContain(deadNode);

        await("HAProxy marks the killed gateway down")
                .atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500)).ignoreExceptions()
                .until(() -> STACK.stack().upServersInLb() == ComposeStack.GATEWAYS - 1);

        String text = "still here after " + deadNode + " died " + suffix;
        dave.send(Frames.send("lobby", text, "k1"));
        JsonNode atErin = erin.next(message("lobby", text), ChatClient.WAIT);
        assertThat(atErin.path("from").asText()).isEqualTo(dave.user());
        assertThat(atErin.path("name").asText()).isEqualTo("dave-" + suffix);
        JsonNode ack = dave.next(f -> "ack".equals(type(f)) && "k1".equals(f.path("ref").asText()), ChatClient.WAIT);
        assertThat(ack.path("id").asText()).isEqualTo(atErin.path("id").asText());

        String reply = "reply from erin " + suffix;
        erin.send(Frames.send("lobby", reply, "k2"));
        assertThat(dave.next(message("lobby", reply), ChatClient.WAIT).path("from").asText())
                .isEqualTo(erin.user());

        // and every new connection lands on a surviving gateway
        for (int i = 0; i < 4; i++) {
            assertThat(open("frank" + i + "-" + suffix).node()).isNotEqualTo(deadNode);
        }
    }

    // ------------------------------------------------------------------ helpers

    private static ChatClient open(String name) {
        return track(ChatClient.connectToLobby(STACK.stack().wsBase(), name));
    }

    /**
     * A connection as {@code name} through the LB on a gateway not in {@code avoid} (leastconn
     * makes this quick); failed attempts are retried. Bounded by {@link #MAX_ATTEMPTS}.
     */
    private ChatClient openOnAnotherNode(String name, Set<String> avoid) {
        return track(ChatClient.connectAvoiding(STACK.stack().wsBase(), name, avoid, MAX_ATTEMPTS));
    }

    private static ChatClient track(ChatClient client) {
        return STACK.track(client);
    }

    private static Predicate<JsonNode> message(String room, String text) {
        return Frames.message(room, text);
    }

    private static String type(JsonNode frame) {
        return Frames.type(frame);
    }

    private static String unique() {
        return UUID.randomUUID().toString().substring(0, 8);
    }
}
