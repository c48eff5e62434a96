package io.chatrelay.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.dockerjava.api.command.InspectContainerResponse;
import io.chatrelay.testkit.ChatClient;
import io.chatrelay.testkit.Frames;
import io.chatrelay.testkit.ResilientClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Exactly once from the user's point of view (issue 13), on the real compose stack: clients that
 * re-send every message they have no ack for, with its {@code cid}, after errors and reconnects,
 * end with every message stored once and seen once by every member, through a Redis pause, a
 * gateway kill and a Redis restart; and direct messages, which have no room to rejoin, reach a
 * recipient whose connection stays open while its gateway's Pub/Sub connection to Redis is
 * killed again and again (the gateway catches up from the durable inbox).
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class ExactlyOnceIT {
    private static final Logger LOG = Logger.getLogger(ExactlyOnceIT.class.getName());
    /** Longer than the gateways' Redis command timeout (5 s): sends answered {@code outcome_unknown}. */
    private static final Duration REDIS_PAUSE = Duration.ofSeconds(8);
    private static final Pattern CAUGHT_UP = Pattern.compile("event=caught_up topics=(\\d+) frames=(\\d+)");

    @RegisterExtension
    static final ComposeStackExtension STACK = ComposeStackExtension.of();

    @AfterEach
    void everyGatewayBackUp() {
        STACK.stack().awaitAllGatewaysUp(Duration.ofMinutes(2));
    }

    /**
     * Four clients send a message every 250 ms, each with a {@code cid}, and send again (same
     * {@code cid}) whatever is not acknowledged, after errors and after reconnects. Meanwhile
     * Redis is paused for 8 s (sends get {@code outcome_unknown}: they may be stored, and are,
     * once Redis runs again), the gateway of one client is killed, and Redis is restarted (AOF).
     * At the end: every message acknowledged (0 lost), the room's history holds each
     * {@code cid} once with the id its acks gave (0 stored twice), every member saw each message
     * once and in order, and no {@code cid} was acknowledged with two ids.
     */
    @Test
    void messagesResentWithTheirCidAreStoredAndSeenOnceThroughRedisPausesRestartsAndAGatewayKill() throws Exception {
        ComposeStack stack = STACK.stack();
        long t0 = System.nanoTime();
        String room = "once-" + unique();
        List<ResilientClient> clients = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            clients.add(STACK.track(new ResilientClient(stack.wsBase(), "once" + i + "-" + unique(), room)));
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> clients.stream().allMatch(ResilientClient::joined));
        List<String> sent = new CopyOnWriteArrayList<>(); // from-less keys: cid (unique per client name)
        AtomicBoolean stop = new AtomicBoolean();
        List<Thread> senders = new ArrayList<>();
        for (ResilientClient c : clients) {
            senders.add(Thread.ofVirtual().start(() -> {
                for (int n = 0; !stop.get(); n++) {
                    sent.add(c.sendReliably("m" + n));
                    try {
                        Thread.sleep(250); // the sending pace, not a synchronisation
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }));
        }
        try {
            awaitSettled(clients, 20, Duration.ofSeconds(20));

            String redis = stack.containers(ComposeStack.REDIS).getFirst().getId();
            stack.pause(redis);
            try {
                // the fault's length, not a synchronisation: sends wait on Redis meanwhile
                await().pollDelay(REDIS_PAUSE).atMost(REDIS_PAUSE.plusSeconds(1)).until(() -> true);
            } finally {
                stack.unpause(redis);
            }
            awaitSettled(clients, settled(clients) + 20, Duration.ofSeconds(30));

            String node = clients.getFirst().nodes().getLast();
            InspectContainerResponse dead = stack.gatewayOfNode(node);
            stack.kill(dead);
            await("the killed gateway's clients back on the others").atMost(Duration.ofSeconds(30))
                    .until(() -> clients.stream().allMatch(c -> c.joined() && !node.equals(c.nodes().getLast())));
            stack.startContainer(dead.getId());

            stack.stop(redis, 10);
            stack.startContainer(redis);
            stack.awaitAllGatewaysUp(Duration.ofMinutes(1));
            awaitSettled(clients, settled(clients) + 20, Duration.ofSeconds(30));
        } finally {
            stop.set(true);
            for (Thread t : senders) {
                t.join(Duration.ofSeconds(5));
            }
        }
        await("every message acknowledged").atMost(Duration.ofSeconds(60))
                .until(() -> clients.stream().allMatch(c -> c.unacknowledged() == 0));

        Map<String, Integer> errors = new TreeMap<>();
        clients.forEach(c -> c.errorCodes().forEach((code, n) -> errors.merge(code, n, Integer::sum)));
        int duplicateAcks = clients.stream().mapToInt(ResilientClient::duplicateAcks).sum();
        for (ResilientClient c : clients) {
            assertThat(c.conflicts()).as("a cid acknowledged with two ids at %s", c.describe()).isEmpty();
            assertThat(c.failed()).as("sends given up at %s", c.describe()).isEmpty();
            assertThat(c.users().stream().distinct()).as("the same guest on every connection").hasSize(1);
        }
        assertThat(errors.getOrDefault("outcome_unknown", 0) + errors.getOrDefault("broker_unavailable", 0))
                .as("the faults made sends fail and be sent again: %s", errors).isPositive();

        // the room's history: each message once (from|cid), with the id its ack gave
        Map<String, String> ackedIds = new TreeMap<>();
        for (ResilientClient c : clients) {
            String user = c.users().getLast();
            c.ackedByCid().forEach((cid, id) -> ackedIds.put(user + "|" + cid, id));
        }
        ChatClient reader = STACK.track(ChatClient.connectToLobby(stack.wsBase(), "auditor-" + unique()));
        reader.join(room);
        List<JsonNode> history = reader.fullHistory(room);
        Map<String, String> storedIds = new TreeMap<>();
        List<String> storedTwice = new ArrayList<>();
        for (JsonNode m : history) {
            if (Frames.is(m, "message") && m.hasNonNull("cid")) {
                String key = m.path("from").asText() + "|" + m.path("cid").asText();
                if (storedIds.put(key, m.path("id").asText()) != null) {
                    storedTwice.add(key);
                }
            }
        }
        assertThat(storedTwice).as("messages stored twice").isEmpty();
        assertThat(storedIds).as("0 lost: every message sent is stored, with the id its ack gave").isEqualTo(ackedIds);
        assertThat(ackedIds).hasSize(sent.size());

        // every member saw each message once, in the same order (a send whose ack was lost is
        // settled by its own message coming back: fewer acks than messages is fine)
        Convergence.assertConverged(clients, 100);
        for (ResilientClient c : clients) {
            assertThat(new HashSet<>(c.receivedCids())).as("every message at %s", c.describe()).isEqualTo(storedIds.keySet());
            assertThat(c.receivedCids()).as("each once at %s", c.describe()).doesNotHaveDuplicates();
        }
        long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0);
        LOG.info(() -> "exactly once: " + sent.size() + " messages, errors answered and retried " + errors
                + ", re-sends acknowledged as duplicate " + duplicateAcks + ", in " + seconds + " s; "
                + clients.stream().map(ResilientClient::describe).toList());
    }

    /**
     * Bob stays connected to one gateway while alice, on another, sends him 100 direct messages
     * (with {@code cid}s, re-sent with backoff on a retryable error) and the Pub/Sub connection
     * of bob's gateway is killed about every second ({@code CLIENT KILL TYPE pubsub ID ...}),
     * while alice's gateway keeps publishing: what bob's gateway missed while it resubscribed
     * comes from bob's inbox (the gateway's log says how many frames it caught up). Bob, and
     * alice's own copy, get all 100 once each, in order, and bob's connection stays open.
     */
    @Test
    void directMessagesReachTheirRecipientOnceWhilePubSubConnectionsAreKilled() throws Exception {
        ComposeStack stack = STACK.stack();
        String s = unique();
        ChatClient bob = STACK.track(ChatClient.connectToLobby(stack.wsBase(), "bob-" + s));
        ChatClient alice = STACK.track(ChatClient.connectAvoiding(stack.wsBase(), "alice-" + s, Set.of(bob.node()), 12));
        int[] caughtUpBefore = caughtUp(stack);
        int count = 100;
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger killed = new AtomicInteger();
        String bobsGateway = address(stack.gatewayOfNode(bob.node()));
        Thread killer = Thread.ofVirtual().start(() -> {
            while (!stop.get()) {
                try {
                    killed.addAndGet(killPubSub(stack, bobsGateway));
                    Thread.sleep(700); // the pace of the fault, not a synchronisation
                } catch (InterruptedException e) {
                    return;
                } catch (RuntimeException e) {
                    LOG.warning("CLIENT KILL failed: " + e);
                }
            }
        });
        List<String> texts = new ArrayList<>();
        Map<String, Integer> errors = new TreeMap<>();
        try {
            for (int i = 0; i < count; i++) {
                String text = "dm-" + i + "-" + s;
                texts.add(text);
                sendDirectOnce(alice, bob.user(), text, "dm-" + s + "-" + i, errors);
                Thread.sleep(60); // the sending pace (under the rate limit), not a synchronisation
            }
        } finally {
            stop.set(true);
            killer.join(Duration.ofSeconds(35));
        }
        assertThat(killed.get()).as("Pub/Sub connections of bob's gateway killed").isGreaterThanOrEqualTo(3);

        for (ChatClient c : List.of(bob, alice)) {
            await("all " + count + " direct messages at " + c.name()).atMost(Duration.ofSeconds(30))
                    .until(() -> directTexts(c, alice.user()).size() >= count);
            List<JsonNode> got = c.seen(f -> Frames.is(f, "message") && f.has("to") && alice.user().equals(f.path("from").asText()));
            List<String> ids = got.stream().map(f -> f.path("id").asText()).toList();
            assertThat(ids).as("once each at %s", c.name()).doesNotHaveDuplicates();
            assertThat(ids).as("in order at %s", c.name()).isEqualTo(Frames.sorted(ids));
            assertThat(directTexts(c, alice.user())).as("every message at %s", c.name()).containsExactlyElementsOf(texts);
        }
        assertThat(bob.isOpen()).as("bob's connection stayed open").isTrue();
        assertThat(bob.closed()).isNotDone();
        int[] after = caughtUp(stack);
        int topics = after[0] - caughtUpBefore[0];
        int frames = after[1] - caughtUpBefore[1];
        assertThat(topics).as("bob's gateway caught up after its Pub/Sub losses").isPositive();
        assertThat(frames).as("direct messages published while bob's gateway was not subscribed came from his inbox").isPositive();
        LOG.info(() -> "direct messages: " + count + " once each while bob's gateway's Pub/Sub connection was killed "
                + killed.get() + " times (send errors retried: " + errors + "); its catch-ups: " + topics + " topics, "
                + frames + " frames");
    }

    /**
     * Sends a direct message with a cid and waits for its ack, sending it again (same cid) after
     * a retryable error, with backoff (a gateway whose Pub/Sub connection was just killed may
     * answer {@code broker_unavailable} until it is back).
     */
    private static void sendDirectOnce(ChatClient from, String to, String text, String cid, Map<String, Integer> errors)
            throws InterruptedException {
        JsonNode answer = null;
        long backoff = 100;
        for (int attempt = 1; attempt <= 20; attempt++) {
            String ref = cid + "-" + attempt;
            from.send(Frames.directOnce(to, text, cid, ref));
            answer = from.next(f -> ref.equals(f.path("ref").asText()) && (Frames.is(f, "ack") || Frames.is(f, "error")),
                    Duration.ofSeconds(15));
            if (Frames.is(answer, "ack")) {
                return;
            }
            String code = answer.path("code").asText();
            errors.merge(code, 1, Integer::sum);
            assertThat(code).as("a direct message refused: %s", answer)
                    .isIn("outcome_unknown", "broker_unavailable", "rate_limited", "internal");
            Thread.sleep(backoff); // the retry backoff, not a synchronisation
            backoff = Math.min(backoff * 2, 2000);
        }
        throw new AssertionError("direct message " + cid + " not acknowledged after 20 attempts; last answer " + answer);
    }

    /** The texts of the direct messages from {@code from} a client received, in arrival order. */
    private static List<String> directTexts(ChatClient c, String from) {
        return c.seen(f -> Frames.is(f, "message") && f.has("to") && from.equals(f.path("from").asText())).stream()
                .map(f -> f.path("text").asText()).toList();
    }

    /** The IP address of a container on its (compose) network. */
    private static String address(InspectContainerResponse container) {
        return container.getNetworkSettings().getNetworks().values().stream()
                .map(n -> n.getIpAddress()).filter(a -> a != null && !a.isBlank()).findFirst()
                .orElseThrow(() -> new AssertionError("no address of " + container.getName()));
    }

    /**
     * {@code CLIENT KILL TYPE pubsub ID <id>} for every Pub/Sub connection from {@code address}
     * (one gateway's): the other gateways keep publishing while it reconnects.
     *
     * @return how many were killed
     */
    private static int killPubSub(ComposeStack stack, String address) throws InterruptedException {
        int killed = 0;
        for (String line : stack.redisCli("CLIENT", "LIST", "TYPE", "pubsub").split("\n")) {
            Matcher m = Pattern.compile("^id=(\\d+) addr=([0-9.]+):").matcher(line.strip());
            if (m.find() && m.group(2).equals(address)) {
                String out = stack.redisCli("CLIENT", "KILL", "TYPE", "pubsub", "ID", m.group(1)).strip();
                killed += out.matches("\\d+") ? Integer.parseInt(out) : 0;
            }
        }
        return killed;
    }

    /** Catch-ups the gateways logged ({@code event=caught_up}): how many topics, and frames, in total. */
    private static int[] caughtUp(ComposeStack stack) throws InterruptedException {
        Matcher m = CAUGHT_UP.matcher(stack.logs(ComposeStack.GATEWAY));
        int topics = 0;
        int frames = 0;
        while (m.find()) {
            topics += Integer.parseInt(m.group(1));
            frames += Integer.parseInt(m.group(2));
        }
        return new int[] {topics, frames};
    }

    /** Messages acknowledged (settled) so far, over all clients. */
    private static int settled(List<ResilientClient> clients) {
        return clients.stream().mapToInt(c -> c.ackedByCid().size()).sum();
    }

    private static void awaitSettled(List<ResilientClient> clients, int atLeast, Duration atMost) {
        await("at least " + atLeast + " messages acknowledged").atMost(atMost).until(() -> settled(clients) >= atLeast);
    }

    private static String unique() {
        return UUID.randomUUID().toString().substring(0, 8);
    }
}
