package io.chatrelay.bench;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A seconds-long run of the load generator against one in-process gateway on the in-memory
 * broker, so that the bench keeps working. Not a performance test: it only checks that the
 * generator connects, joins, sends, receives everything and reports sane numbers.
 */
class BenchSmokeTest {
    @RegisterExtension
    static final SmokeGateway GATEWAY = new SmokeGateway("bench-smoke");

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void generatorReportsDeliveriesWithoutLoss() throws Exception {
        String target = GATEWAY.uri();
        LoadRun.Settings settings = new LoadRun.Settings("chatrelay", List.of(target, target),
                List.of(ProcessHandle.current().pid()), 0, 60, 6, 6, 100, 1, 3, 5, 64, 32, 2, 2, false, "smoke", "");
        Result r = new LoadRun(settings).run();
        System.err.println("[bench-smoke] " + Summary.line(r));

        assertThat(r.num("connected")).isEqualTo(60);
        assertThat(r.num("joined")).isEqualTo(60);
        assertThat(r.num("expectedDeliveries")).isGreaterThan(0);
        assertThat(r.num("receivedDeliveries")).isEqualTo(r.num("expectedDeliveries"));
        assertThat(r.num("deliveriesPerS")).isGreaterThan(0);
        assertThat(r.num("loss")).isZero();
        assertThat(r.num("errors")).isZero();
        assertThat(r.num("acks")).isGreaterThan(0);
        assertThat(r.num("p50Ms")).isGreaterThanOrEqualTo(0).isLessThanOrEqualTo(r.num("p99Ms"));
        assertThat(r.num("p99Ms")).isLessThanOrEqualTo(r.num("p999Ms"));
        assertThat(r.num("p999Ms")).isLessThanOrEqualTo(r.num("maxMs"));
        assertThat(r.num("maxMs")).isLessThan(10_000);
        assertThat(r.num("generatorCpuCores")).isGreaterThan(0);

        // the result line survives the round trip through JSON that the report reads
        Result back = Result.parse(r.toJson());
        assertThat(back.num("receivedDeliveries")).isEqualTo(r.num("receivedDeliveries"));
        assertThat(back.str("system")).isEqualTo("chatrelay");
    }
}
