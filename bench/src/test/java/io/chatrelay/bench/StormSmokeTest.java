package io.chatrelay.bench;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The storm command for a few seconds against one in-process gateway on the in-memory broker,
 * without a kill (that needs separate processes: {@code bench/storm.sh}): members and publishers
 * connect, every acked message reaches every member of its room, and the report says so.
 */
class StormSmokeTest {
    @RegisterExtension
    static final SmokeGateway GATEWAY = new SmokeGateway("storm-smoke");

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void everyAckedMessageReachesEveryMemberOfItsRoom() throws Exception {
        String target = GATEWAY.uri();
        StormRun.Settings settings = StormRun.Settings.from(new Args(new String[] {"--lb", target,
            "--publish-target", target, "--clients", "40", "--rooms", "4", "--publishers", "2", "--rate", "40",
            "--warmup", "2", "--after", "1", "--drain", "5",
            "--gateway-pids", Long.toString(ProcessHandle.current().pid()), "--gateway-names", "storm-smoke"}));
        StormReport report = new StormRun(settings).run();
        System.err.print(report.summary());
        JsonNode r = report.json();

        assertThat(r.path("joinedAtStart").asInt()).isEqualTo(40);
        assertThat(r.path("acked").asLong()).isGreaterThan(50).isEqualTo(r.path("sent").asLong());
        // each acked message once per member of its room (10 per room)
        assertThat(r.path("expectedIds").asLong()).isEqualTo(10 * r.path("acked").asLong());
        assertThat(r.path("loss").asLong()).isZero();
        assertThat(r.path("duplicates").asLong()).isZero();
        assertThat(r.path("errors").asLong()).isZero();
        assertThat(r.path("affected").asLong()).as("nothing killed").isZero();
        assertThat(r.path("distribution").path("end").path("storm-smoke").asInt()).isEqualTo(40);
        assertThat(r.path("cpuCores").path("steady").path("storm-smoke").asDouble()).isGreaterThan(0);
        assertThat(r.path("cpuCores").has("storm")).isFalse();
        // every member stayed: each of its live messages counts, in the window it came
        JsonNode live = r.path("liveLatencyMsOfStayers");
        assertThat(live.path("steady").path("count").asLong() + live.path("after").path("count").asLong())
                .isBetween(r.path("expectedIds").asLong() / 2, r.path("expectedIds").asLong());
        assertThat(live.path("steady").path("p50").asDouble()).isBetween(0.0, 5_000.0);
    }
}
