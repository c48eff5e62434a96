package io.chatrelay.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.dockerjava.api.command.InspectContainerResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Faults on the real compose stack while clients chat: a gateway killed with -9 (recovery and
 * presence), Redis stopped for ten seconds, and a rolling restart of every gateway. Clients are
 * {@link ResilientClient}s: they reconnect through the load balancer and rejoin with
 * {@code since}; every test checks that no acknowledged message is lost and none is duplicated.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class ResilienceIT {
    private static ComposeStack stack;
    private final List<AutoCloseable> open = new ArrayList<>();

    @BeforeAll
    @Timeout(value = 20, unit = TimeUnit.MINUTES)
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
    void closeClients() throws Exception {
        for (AutoCloseable c : open) {
            c.close();
        }
        open.clear();
        stack.awaitAllGatewaysUp(Duration.ofMinutes(2));
    }

    @Test
    void aClientWhoseGatewayIsKilledRecoversExactlyWhatItMissed() throws Exception {
        String room = "recover-" + unique();
        ResilientClient reader = track(new ResilientClient(stack.wsBase(), "reader-" + unique(), room));
        await().atMost(Duration.ofSeconds(20)).until(reader::joined);
        String readerNode = reader.nodes().getLast();
        ChatClient writer = openAvoiding("writer-" + unique(), readerNode);
        writer.send(ChatClient.frame("join").put("room", room));
        writer.await(f -> "joined".equals(f.path("type").asText()) && room.equals(f.path("room").asText()), ChatClient.FRAME_TIMEOUT);
        List<String> acked = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            acked.add(sendAcked(writer, room, "before-" + i));
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> reader.received().size() == 3);

        InspectContainerResponse dead = stack.gatewayOfNode(readerNode);
        stack.kill(dead);
        for (int i = 0; i < 10; i++) {
            acked.add(sendAcked(writer, room, "while-down-" + i));
        }
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(reader.received()).containsExactlyElementsOf(acked));
        assertThat(reader.nodes()).hasSizeGreaterThanOrEqualTo(2);
        assertThat(reader.nodes().getLast()).isNotEqualTo(readerNode);
        stack.startContainer(dead.getId());
    }

    @Test
    void usersOfAKilledGatewayLeavePresenceWithinTheBound() throws Exception {
        String room = "presence-" + unique();
        ChatClient victim = track(ChatClient.connectToLobby(stack.wsBase(), "victim-" + unique()));
        victim.send(ChatClient.frame("join").put("room", room));
        victim.await(f -> "joined".equals(f.path("type").asText()) && room.equals(f.path("room").asText()), ChatClient.FRAME_TIMEOUT);
        ChatClient observer = openAvoiding("observer-" + unique(), victim.node());
        observer.send(ChatClient.frame("join").put("room", room));
        JsonNode joined = observer.await(f -> "joined".equals(f.path("type").asText()) && room.equals(f.path("room").asText()),
                ChatClient.FRAME_TIMEOUT);
        assertThat(joined.path("members").toString()).contains(victim.user());

        InspectContainerResponse dead = stack.gatewayOfNode(victim.node());
        long killedAt = System.nanoTime();
        stack.kill(dead);
        observer.await(f -> "presence".equals(f.path("type").asText()) && victim.user().equals(f.path("user").asText())
                && "leave".equals(f.path("event").asText()), Duration.ofSeconds(45));
        long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - killedAt);
        assertThat(seconds).as("presence TTL 15 s + sweep 5 s, plus a little").isLessThanOrEqualTo(25);
        stack.startContainer(dead.getId());
    }

    @Test
    void noAcknowledgedMessageIsLostWhileRedisIsDownForTenSeconds() throws Exception {
        String room = "outage-" + unique();
        List<ResilientClient> clients = clients(room, 3);
        try (Chatter chatter = new Chatter(clients)) {
            await().atMost(Duration.ofSeconds(10)).until(() -> chatter.acked() >= 15);
            String redis = stack.containers(ComposeStack.REDIS).getFirst().getId();
            stack.stop(redis, 10);
            await().pollDelay(Duration.ofSeconds(10)).atMost(Duration.ofSeconds(11)).until(() -> true);
            stack.startContainer(redis);
            stack.awaitAllGatewaysUp(Duration.ofMinutes(1));
            long before = chatter.acked();
            await().atMost(Duration.ofSeconds(30)).until(() -> chatter.acked() >= before + 15);
        }
        Convergence.assertConverged(clients, 31);
    }

    @Test
    void aRollingRestartOfEveryGatewayLosesAndDuplicatesNothing() throws Exception {
        String room = "rolling-" + unique();
        List<ResilientClient> clients = clients(room, 6);
        try (Chatter chatter = new Chatter(clients)) {
            await().atMost(Duration.ofSeconds(10)).until(() -> chatter.acked() >= 15);
            for (var gateway : stack.containers(ComposeStack.GATEWAY)) {
                stack.stop(gateway.getId(), 30);
                stack.startContainer(gateway.getId());
                stack.awaitAllGatewaysUp(Duration.ofMinutes(2));
            }
            long before = chatter.acked();
            await().atMost(Duration.ofSeconds(30)).until(() -> chatter.acked() >= before + 15);
        }
        Convergence.assertConverged(clients, 31);
        assertThat(clients).anySatisfy(c -> assertThat(c.closeCodes()).contains(1012));
    }

    private List<ResilientClient> clients(String room, int n) {
        List<ResilientClient> clients = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            clients.add(track(new ResilientClient(stack.wsBase(), "c" + i + "-" + unique(), room)));
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> clients.stream().allMatch(ResilientClient::joined));
        return clients;
    }

    private String sendAcked(ChatClient writer, String room, String text) {
        String ref = "ref-" + unique();
        writer.send(ChatClient.sendFrame(room, text, ref));
        return writer.await(f -> "ack".equals(f.path("type").asText()) && ref.equals(f.path("ref").asText()),
                ChatClient.FRAME_TIMEOUT).path("id").asText();
    }

    private ChatClient openAvoiding(String name, String node) throws Exception {
        return track(ChatClient.connectAvoiding(stack.wsBase(), name, Set.of(node), 12));
    }

    private <T extends AutoCloseable> T track(T c) {
        open.add(c);
        return c;
    }

    private static String unique() {
        return UUID.randomUUID().toString().substring(0, 8);
    }
}
