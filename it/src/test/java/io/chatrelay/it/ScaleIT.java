package io.chatrelay.it;

import io.chatrelay.testkit.Frames;
import io.chatrelay.testkit.ResilientClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Scaling the gateways of the real compose stack while clients chat: {@code docker compose up
 * --scale gateway=5} on the running stack (HAProxy finds the new replicas through Docker's DNS,
 * with no configuration change, and new connections land on them), then {@code --scale
 * gateway=2} (compose stops three gateways: they drain, their clients reconnect through the load
 * balancer and rejoin with {@code since}). At the end every client has every acknowledged
 * message exactly once, in the same order as every other client.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class ScaleIT {
    private static final Logger LOG = Logger.getLogger(ScaleIT.class.getName());
    private static final Duration SCALE_TIMEOUT = Duration.ofMinutes(3);

    @RegisterExtension
    static final ComposeStackExtension STACK = ComposeStackExtension.of();

    @Test
    void scalingGatewaysUpAndDownWhileClientsChatLosesNothing() throws Exception {
        ComposeStack stack = STACK.stack();
        String room = "scale-" + unique();
        List<ResilientClient> early = new ArrayList<>();
        List<ResilientClient> late = new ArrayList<>();
        try (Chatter chatter = new Chatter()) {
            // three gateways (the default), six clients spread over them by leastconn
            Set<String> original = Set.copyOf(stack.healthyGateways());
            assertThat(original).hasSize(ComposeStack.GATEWAYS);
            assertThat(stack.upServersInLb()).isEqualTo(ComposeStack.GATEWAYS);
            early.addAll(clients(room, "e", 6));
            assertThat(early.stream().map(c -> c.nodes().getLast()).distinct().count()).isEqualTo(3);
            chatter.add(early);
            await().atMost(Duration.ofSeconds(20)).until(() -> chatter.acked() >= 15);

            // 3 -> 5: no configuration edit, HAProxy resolves the new replicas
            stack.scale(ComposeStack.GATEWAY, 5, SCALE_TIMEOUT);
            stack.awaitGateways(5, SCALE_TIMEOUT);
            Set<String> added = new HashSet<>(stack.healthyGateways());
            added.removeAll(original);
            assertThat(added).hasSize(2);
            LOG.info(() -> "scaled up: new gateways " + added);

            // new connections land on the new gateways: they hold no connection yet (leastconn)
            late.addAll(clients(room, "l", 4));
            List<String> lateNodes = late.stream().map(c -> c.nodes().getFirst()).toList();
            assertThat(lateNodes).as("gateways of the connections opened after the scale-up").containsAll(added);
            assertThat(lateNodes.stream().filter(added::contains).count()).isGreaterThanOrEqualTo(3);
            chatter.add(late);
            long beforeDown = chatter.acked();
            await().atMost(Duration.ofSeconds(30)).until(() -> chatter.acked() >= beforeDown + 30);
            int referenceBeforeDown = early.getFirst().received().size();

            // 5 -> 2: compose stops three gateways (SIGTERM: they drain with 1012)
            stack.scale(ComposeStack.GATEWAY, 2, SCALE_TIMEOUT);
            stack.awaitGateways(2, SCALE_TIMEOUT);
            Set<String> remaining = Set.copyOf(stack.healthyGateways());
            LOG.info(() -> "scaled down: remaining gateways " + remaining);
            List<ResilientClient> all = new ArrayList<>(early);
            all.addAll(late);
            await("every client is back, on a remaining gateway").atMost(Duration.ofSeconds(60))
                    .until(() -> all.stream().allMatch(c -> c.joined() && remaining.contains(c.nodes().getLast())));
            long afterDown = chatter.acked();
            await().atMost(Duration.ofSeconds(30)).until(() -> chatter.acked() >= afterDown + 30);
            chatter.stop();

            assertConverged(early, late, referenceBeforeDown);
            assertThat(all).as("clients of the removed gateways were drained with 1012")
                    .anySatisfy(c -> assertThat(c.closeCodes()).contains(1012));
            assertThat(late).as("late clients moved off the removed new gateways")
                    .anySatisfy(c -> assertThat(c.nodes()).hasSizeGreaterThanOrEqualTo(2));
        } finally {
            early.forEach(ResilientClient::close);
            late.forEach(ResilientClient::close);
        }
    }

    /**
     * The early clients (joined before anything was sent) each saw every acknowledged message
     * once, in the same order. A late client (joined while the chat ran, without {@code since})
     * saw a contiguous tail of that same sequence, which starts before the scale-down, so the
     * scale-down is covered for it too.
     */
    private static void assertConverged(List<ResilientClient> early, List<ResilientClient> late, int referenceBeforeDown) {
        Set<String> acked = new HashSet<>();
        early.forEach(c -> acked.addAll(c.acked()));
        late.forEach(c -> acked.addAll(c.acked()));
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            List<String> reference = early.getFirst().received();
            assertThat(reference).as("every acknowledged message at the first client").containsAll(acked);
            for (ResilientClient c : early) {
                List<String> got = c.received();
                assertThat(got).as("no duplicates at %s", c.describe()).doesNotHaveDuplicates();
                assertThat(got).as("in id order at %s", c.describe()).isEqualTo(Frames.sorted(got));
                assertThat(got).as("same sequence as the first client at %s", c.describe()).isEqualTo(reference);
            }
            for (ResilientClient c : late) {
                List<String> got = c.received();
                assertThat(got).as("no duplicates at %s", c.describe()).doesNotHaveDuplicates().isNotEmpty();
                int from = reference.indexOf(got.getFirst());
                assertThat(from).as("first message of %s is in the reference", c.describe()).isNotNegative();
                assertThat(from).as("%s received from before the scale-down on", c.describe()).isLessThan(referenceBeforeDown);
                assertThat(got).as("a contiguous tail of the reference at %s", c.describe())
                        .isEqualTo(reference.subList(from, reference.size()));
                assertThat(got).as("own acknowledged messages at %s", c.describe()).containsAll(c.acked());
            }
        });
        assertThat(acked).hasSizeGreaterThan(100);
    }

    private static List<ResilientClient> clients(String room, String prefix, int n) {
        List<ResilientClient> clients = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            clients.add(new ResilientClient(STACK.stack().wsBase(), prefix + i + "-" + unique(), room));
        }
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> clients.stream().allMatch(ResilientClient::joined));
        } catch (RuntimeException | Error e) {
            clients.forEach(ResilientClient::close);
            throw e;
        }
        return clients;
    }

    private static String unique() {
        return UUID.randomUUID().toString().substring(0, 8);
    }
}
