package io.chatrelay.it;

import io.chatrelay.testkit.Frames;
import io.chatrelay.testkit.ResilientClient;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The end-state check of the fault tests: nothing acknowledged is lost, nothing duplicated. */
final class Convergence {
    private Convergence() {
    }

    /**
     * Every client saw every acknowledged message once, in id order, in the same sequence as every
     * other client (waits up to a minute for stragglers).
     *
     * @param clients  clients of one room, all joined before the first message
     * @param minAcked fewest acknowledged messages for the check to mean something
     */
    static void assertConverged(List<ResilientClient> clients, int minAcked) {
        Set<String> acked = new HashSet<>();
        clients.forEach(c -> acked.addAll(c.acked()));
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            List<String> reference = clients.getFirst().received();
            for (ResilientClient c : clients) {
                List<String> got = c.received();
                assertThat(got).as("no duplicates at %s", c.describe()).doesNotHaveDuplicates();
                assertThat(got).as("in id order at %s", c.describe()).isEqualTo(Frames.sorted(got));
                assertThat(got).as("every acknowledged message at %s", c.describe()).containsAll(acked);
                assertThat(got).as("same sequence as the first client").isEqualTo(reference);
            }
        });
        assertThat(acked).hasSizeGreaterThanOrEqualTo(minAcked);
    }
}
