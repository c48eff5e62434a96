package io.chatrelay.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.dockerjava.api.command.InspectContainerResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
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

    /** Connections one test may open while looking for clients on distinct gateways. */
    private static final int MAX_ATTEMPTS = 12;

    private static ComposeStack stack;

    /** Every client a test opens; closed after each test. */
    private final List<ChatClient> clients = new ArrayList<>();

    @BeforeAll
    @Timeout(value = 20, unit = java.util.concurrent.TimeUnit.MINUTES)
    static void startStack() {
        stack = new ComposeStack();
        stack.start();
    }

    @AfterAll
    static void stopStack() {
        if (stack != null) {
            stack.close();
        }
    }

    @AfterEach
    void closeClients() {
        clients.forEach(ChatClient::close);
        clients.clear();
    }

    @Test
    @Order(1)
    void deliversBetweenClientsOnDifferentGateways() throws Exception {
        String suffix = unique();
        ChatClient alice = open("alice-" + suffix);
        ChatClient bob = openOnAnotherNode("bob-" + suffix, Set.of(alice.node()));
        assertThat(bob.node()).isNotEqualTo(alice.node());
        assertThat(alice.welcome().path("protocol").asInt()).isEqualTo(1);
        assertThat(alice.user()).isEqualTo("alice-" + suffix);

        String text = "hello bob from alice " + suffix;
        alice.send(ChatClient.sendFrame("lobby", text, "c1"));

        JsonNode atBob = bob.await(message("lobby", text), ChatClient.FRAME_TIMEOUT);
        assertThat(atBob.path("from").asText()).isEqualTo(alice.user());
        assertThat(atBob.path("room").asText()).isEqualTo("lobby");
        assertThat(atBob.path("id").asText()).matches("\\d+-\\d+");
        assertThat(atBob.path("ts").asLong()).isPositive();

        JsonNode ack = alice.await(f -> "ack".equals(type(f)) && "c1".equals(f.path("ref").asText()), ChatClient.FRAME_TIMEOUT);
        assertThat(ack.path("id").asText()).isEqualTo(atBob.path("id").asText());

        // the sender is a member of the room too: it gets the same message, same id
        JsonNode atAlice = alice.await(message("lobby", text), ChatClient.FRAME_TIMEOUT);
        assertThat(atAlice.path("id").asText()).isEqualTo(atBob.path("id").asText());
        assertThat(atAlice.path("from").asText()).isEqualTo(alice.user());
    }

    @Test
    @Order(2)
    void seedPlainTextClientWorksThroughTheLoadBalancer() throws Exception {
        // the seed client: new WebSocket("ws://localhost:8080/ws"); on open ws.send("Connection open!")
        ChatClient seed = track(ChatClient.connect(stack.wsBase().resolve("/ws")));
        assertThat(seed.user()).matches("guest-[A-Za-z0-9_.-]+");
        seed.await(f -> "joined".equals(type(f)) && "lobby".equals(f.path("room").asText()), ChatClient.FRAME_TIMEOUT);
        ChatClient other = openOnAnotherNode("watcher-" + unique(), Set.of(seed.node()));

        seed.sendText("Connection open!");

        JsonNode echoed = seed.await(message("lobby", "Connection open!"), ChatClient.FRAME_TIMEOUT);
        assertThat(echoed.path("from").asText()).isEqualTo(seed.user());
        JsonNode relayed = other.await(message("lobby", "Connection open!"), ChatClient.FRAME_TIMEOUT);
        assertThat(relayed.path("from").asText()).isEqualTo(seed.user());
        assertThat(relayed.path("id").asText()).isEqualTo(echoed.path("id").asText());

        for (String path : List.of("/", "/client")) {
            HttpResponse<String> page = stack.get(path);
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
        carol.send(ChatClient.frame("status"));
        JsonNode status = carol.await("status");
        assertThat(status.path("node").asText()).isEqualTo(carol.node());
        assertThat(status.path("connections").asInt()).isPositive();
        assertThat(stack.get("/observe/health/ready").statusCode()).isEqualTo(200);
        assertThat(stack.get("/observe/metrics").statusCode()).isEqualTo(200);
    }

    @Test
    @Order(Integer.MAX_VALUE)
    void keepsServingAfterOneGatewayIsKilled() throws Exception {
        String suffix = unique();
        ChatClient victimClient = open("victim-" + suffix);
        String deadNode = victimClient.node();
        InspectContainerResponse dead = stack.gatewayOfNode(deadNode);
        LOG.info(() -> "killing gateway " + deadNode + " (" + dead.getName() + ")");
        stack.kill(dead);

        // New connections go through: HAProxy takes the dead gateway out (health check, DNS);
        // until it has, an attempt may fail or land elsewhere. Bounded retries.
        AtomicReference<ChatClient> first = new AtomicReference<>();
        await("a connection through the LB after the kill")
                .atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).ignoreExceptions()
                .until(() -> {
                    ChatClient c = track(ChatClient.connectToLobby(stack.wsBase(), "dave-" + suffix));
                    first.set(c);
                    return true;
                });
        ChatClient dave = first.get();
        assertThat(dave.node()).isNotEqualTo(deadNode);

        ChatClient erin = openOnAnotherNode("erin-" + suffix, Set.of(deadNode, dave.node()));
        assertThat(Set.of(dave.node(), erin.node())).hasSize(2).doesNotContain(deadNode);

        await("HAProxy marks the killed gateway down")
                .atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500)).ignoreExceptions()
                .until(() -> stack.upServersInLb() == ComposeStack.GATEWAYS - 1);

        String text = "still here after " + deadNode + " died " + suffix;
        dave.send(ChatClient.sendFrame("lobby", text, "k1"));
        JsonNode atErin = erin.await(message("lobby", text), ChatClient.FRAME_TIMEOUT);
        assertThat(atErin.path("from").asText()).isEqualTo(dave.user());
        JsonNode ack = dave.await(f -> "ack".equals(type(f)) && "k1".equals(f.path("ref").asText()), ChatClient.FRAME_TIMEOUT);
        assertThat(ack.path("id").asText()).isEqualTo(atErin.path("id").asText());

        String reply = "reply from erin " + suffix;
        erin.send(ChatClient.sendFrame("lobby", reply, "k2"));
        assertThat(dave.await(message("lobby", reply), ChatClient.FRAME_TIMEOUT).path("from").asText())
                .isEqualTo(erin.user());

        // and every new connection lands on a surviving gateway
        for (int i = 0; i < 4; i++) {
            assertThat(open("frank" + i + "-" + suffix).node()).isNotEqualTo(deadNode);
        }
    }

    // ------------------------------------------------------------------ helpers

    private ChatClient open(String name) throws Exception {
        return track(ChatClient.connectToLobby(stack.wsBase(), name));
    }

    /**
     * Opens connections as {@code name} through the LB until one lands on a gateway not in
     * {@code avoid} (leastconn makes this quick); the connections on other gateways stay open
     * meanwhile, so that leastconn moves on. Bounded by {@link #MAX_ATTEMPTS}.
     */
    private ChatClient openOnAnotherNode(String name, Set<String> avoid) throws Exception {
        List<String> seen = new ArrayList<>();
        List<ChatClient> extra = new ArrayList<>();
        try {
            for (int i = 0; i < MAX_ATTEMPTS; i++) {
                ChatClient c;
                try {
                    c = track(ChatClient.connectToLobby(stack.wsBase(), name));
                } catch (Exception | AssertionError e) {
                    seen.add("failed: " + e);
                    Thread.sleep(500);
                    continue;
                }
                if (!avoid.contains(c.node())) {
                    return c;
                }
                seen.add(c.node());
                extra.add(c);
            }
        } finally {
            extra.forEach(ChatClient::close);
        }
        throw new AssertionError("no connection landed on a gateway other than " + avoid + " in "
                + MAX_ATTEMPTS + " attempts: " + seen);
    }

    private ChatClient track(ChatClient client) {
        clients.add(client);
        return client;
    }

    private static Predicate<JsonNode> message(String room, String text) {
        return f -> "message".equals(type(f)) && room.equals(f.path("room").asText()) && text.equals(f.path("text").asText());
    }

    private static String type(JsonNode frame) {
        return frame.path("type").asText();
    }

    private static String unique() {
        return UUID.randomUUID().toString().substring(0, 8);
    }
}
