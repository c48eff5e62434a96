package io.chatrelay.bench;

import io.chatrelay.bench.floor.Floor;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/**
 * The bench command line.
 *
 * <pre>
 * load    --system chatrelay|socketio|socketio-streams|nchan --targets ws://127.0.0.1:9101,ws://127.0.0.1:9102
 *         [--server-pids p1,p2] [--redis-pid p] [--connections 2000] [--rooms 20] [--publishers 40]
 *         [--rate 200 (messages/s, all publishers)] [--warmup 3] [--duration 15] [--drain 5]
 *         [--text-size 64] [--senders 2] [--io-loops 2] [--memory true] [--out results.jsonl]
 *         [--timeline latency-per-100ms.csv] [--shape members-per-room (a label; default: the average)]
 * memory  --system chatrelay|socketio --target ws://127.0.0.1:9101 --pid p --connections 15000
 *         [--per-process 7500] [--settle 5] [--out memory.jsonl] [--histogram prefix]
 * report  --results results-20.jsonl[,results-100.jsonl...] [--memory memory.jsonl] --out-dir dir
 * storm   --lb ws://127.0.0.1:9120 --publish-target ws://127.0.0.1:9122 [--clients 5000] [--rooms 100]
 *         [--publishers 4] [--rate 100] [--warmup 30] [--kill-pid p] [--kill-node gw-1] [--deadline 120]
 *         [--after 30] [--drain 15] [--gateway-pids p1,p2,p3] [--gateway-names gw-1,gw-2,gw-3]
 *         [--redis-pid p] [--haproxy-pid p] [--io-loops 2] [--connect-concurrency 100]
 *         [--timeline storm.csv] [--on-recovered 'shell command'] [--summary summary.txt] [--out results.jsonl]
 * floor   --transport helidon|netty [--port 9401] [--threads 2]   (a bare WebSocket server: local rooms only)
 * </pre>
 *
 * Each run prints a summary on stderr and appends one JSON line to {@code --out} (if given).
 */
public final class Main {
    private Main() {
    }

    /**
     * Entry point.
     *
     * @param args command and options
     * @throws Exception on failure
     */
    public static void main(String[] args) throws Exception {
        if (args.length == 0) {
            System.err.println("usage: load|memory|report|storm|hold|floor --option value ... (see bench/README.md)");
            System.exit(2);
        }
        Args a = new Args(Arrays.copyOfRange(args, 1, args.length));
        switch (args[0]) {
            case "load" -> {
                Result r = new LoadRun(LoadRun.Settings.from(a)).run();
                r.put("shape", a.integer("shape", (int) Math.round(r.num("avgRoomSize"))));
                emit(r, a.str("out", ""));
            }
            case "memory" -> emit(MemoryRun.run(a), a.str("out", ""));
            case "storm" -> {
                StormReport r = new StormRun(StormRun.Settings.from(a)).run();
                System.err.print(r.summary());
                if (!a.str("summary", "").isEmpty()) {
                    Files.writeString(Path.of(a.str("summary", "")), r.summary(), StandardCharsets.UTF_8);
                }
                write(r.json().toString(), a.str("out", ""));
            }
            case "hold" -> MemoryRun.hold(a);
            case "floor" -> Floor.run(a.required("transport"), a.integer("port", 9401), a.integer("threads", 2));
            case "report" -> ReportWriter.write(a.list("results").stream().map(Path::of).toList(),
                    a.str("memory", "").isEmpty() ? null : Path.of(a.str("memory", "")), Path.of(a.required("out-dir")));
            default -> {
                System.err.println("unknown command " + args[0]);
                System.exit(2);
            }
        }
        System.exit(0);
    }

    private static void emit(Result r, String out) throws IOException {
        System.err.println("[bench] " + Summary.line(r));
        write(r.toJson(), out);
    }

    /** Prints one JSON line and appends it to {@code out} (if given). */
    private static void write(String json, String out) throws IOException {
        System.out.println(json);
        if (!out.isEmpty()) {
            Path p = Path.of(out);
            if (p.getParent() != null) {
                Files.createDirectories(p.getParent());
            }
            Files.writeString(p, json + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        }
    }
}
