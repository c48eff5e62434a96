package io.chatrelay.bench;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class ReportWriterTest {
    private static Result run(String system, double rate, double p99, long loss, boolean disturbed) {
        Result r = new Result().put("kind", "load").put("system", system).put("offeredMsgsPerS", rate)
                .put("offeredDeliveriesPerS", rate * 100).put("deliveriesPerS", rate * 100 - loss / 15.0)
                .put("p50Ms", 1.0).put("serverCpuCores", rate / 1000).put("serverCpuUsPerDelivery", 10.0).put("shape", 100).put("generatorCpuCores", rate / 2000).put("p99Ms", p99).put("p999Ms", p99 * 2).put("maxMs", p99 * 3).put("loss", loss)
                .put("closedDuringRun", 0).put("connectFailures", 0).put("joinFailures", 0).put("errors", 0);
        if (disturbed) {
            r.put("disturbed", true);
        }
        return Result.parse(r.toJson());
    }

    @Test
    void capacityIsTheHighestRateWhereEveryUndisturbedRunMeetsTheCriterion() {
        List<Result> runs = List.of(
                run("chatrelay", 100, 3, 0, false), run("chatrelay", 100, 4, 0, false),
                run("chatrelay", 200, 80, 0, true), run("chatrelay", 200, 20, 0, false),
                run("chatrelay", 400, 30, 0, false), run("chatrelay", 400, 60, 0, false),
                run("chatrelay", 800, 10, 5, false),
                run("socketio", 100, 2, 0, false), run("socketio", 200, 70, 0, false),
                run("socketio", 400, 90, 0, true));
        assertThat(ReportWriter.capacity(runs, "chatrelay").msgsPerS()).isEqualTo(200);
        assertThat(ReportWriter.capacity(runs, "socketio").msgsPerS()).isEqualTo(100);
        assertThat(ReportWriter.capacity(List.of(run("socketio", 100, 70, 0, false)), "socketio")).isNull();
    }

    @Test
    void writesReportAndPlots(@TempDir Path dir) throws Exception {
        Path results = dir.resolve("results.jsonl");
        Files.writeString(results, String.join("\n", run("chatrelay", 100, 3, 0, false).toJson(),
                run("socketio", 100, 2, 0, false).toJson(), run("chatrelay", 200, 9, 0, false).toJson(),
                run("socketio", 200, 70, 0, false).toJson()) + "\n");
        Path memory = dir.resolve("memory.jsonl");
        Files.writeString(memory, new Result().put("kind", "memory").put("system", "chatrelay").put("connections", 5000)
                .put("connected", 5000).put("rssPerConnKb", 20.5).put("heapPerConnKb", 18.0).toJson() + "\n");
        ReportWriter.write(results, memory, dir);
        String report = Files.readString(dir.resolve("report.md"));
        assertThat(report).contains("## Rooms of 100").contains("| Socket.IO | 10000 | 100 | 2.00 | **2.00x** |");
        // CPU per delivery is compared at the highest rate that both systems met
        assertThat(report).contains("At 10000 offered deliveries/s, the highest rate every system met");
        for (String png : List.of("latency-100.png", "cpu-100.png", "memory.png")) {
            assertThat(Files.size(dir.resolve(png))).isGreaterThan(1000);
        }
    }
}
