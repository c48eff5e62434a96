package io.chatrelay.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Memory per idle connection on one server: measures the server (full GC, RSS, heap), opens
 * {@code connections} idle WebSockets to it from {@code processes} child JVMs (a process may hold
 * at most 20000 open files here, so 15k sockets need two), waits for them to settle, measures
 * again, and divides the difference by the number of connections.
 */
final class MemoryRun {
    private MemoryRun() {
    }

    static Result run(Args a) throws Exception {
        String system = a.required("system");
        String target = a.required("target");
        long pid = Long.parseLong(a.required("pid"));
        int connections = a.integer("connections", 5000);
        int perProcess = a.integer("per-process", 7500);
        int processes = a.integer("processes", Math.max(1, (connections + perProcess - 1) / perProcess));
        int settle = a.integer("settle", 5);
        MemProbe probe = MemProbe.of(system, pid, target);
        String histogram = a.str("histogram", "");

        MemProbe.Snapshot before = probe.snapshot();
        classHistogram(probe, histogram, "before");
        LoadRun.log("%s memory: before rss=%d KiB heap=%d KiB; opening %d idle connections from %d processes",
                system, before.rssKb(), before.heapKb(), connections, processes);
        List<Process> children = new ArrayList<>();
        List<CompletableFuture<String>> readyLines = new ArrayList<>();
        String java = ProcessHandle.current().info().command().orElse("java");
        String prefix = "i" + Long.toString(System.currentTimeMillis(), 36);
        long start = System.nanoTime();
        for (int p = 0; p < processes; p++) {
            int count = connections / processes + (p < connections % processes ? 1 : 0);
            List<String> cmd = List.of(java, "-Xmx" + a.str("child-xmx", "2g"), "-cp", System.getProperty("java.class.path"),
                    Main.class.getName(), "hold", "--system", system, "--target", target, "--connections",
                    Integer.toString(count), "--prefix", prefix + "p" + p, "--connect-concurrency",
                    a.str("connect-concurrency", "128"), "--connect-timeout", a.str("connect-timeout", "240"));
            Process child = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            children.add(child);
            readyLines.add(CompletableFuture.supplyAsync(() -> readyLine(child)));
        }
        int connected = 0;
        int failures = 0;
        String firstFailure = null;
        try {
            for (CompletableFuture<String> f : readyLines) {
                String line = f.get(a.integer("connect-timeout", 240) + 60L, TimeUnit.SECONDS);
                String[] parts = line.split(" ", 5);
                connected += Integer.parseInt(parts[1]);
                failures += Integer.parseInt(parts[2]);
                if (parts.length > 4 && firstFailure == null && !parts[4].equals("-")) {
                    firstFailure = parts[4];
                }
            }
            double setupSeconds = (System.nanoTime() - start) / 1e9;
            LoadRun.log("%s memory: %d connected (%d failed) in %.1f s; settling %d s", system, connected, failures,
                    setupSeconds, settle);
            Thread.sleep(Duration.ofSeconds(settle));
            MemProbe.Snapshot after = probe.snapshot();
            classHistogram(probe, histogram, "after");
            Result r = new Result().put("kind", "memory").put("system", system).put("label", a.str("label", ""))
                    .put("date", Instant.now().toString()).put("connections", connections).put("connected", connected)
                    .put("connectFailures", failures).put("processes", processes)
                    .put("setupSeconds", setupSeconds).put("setupPerS", connected / setupSeconds)
                    .put("rssBeforeKb", before.rssKb()).put("rssAfterKb", after.rssKb())
                    .put("heapBeforeKb", before.heapKb()).put("heapAfterKb", after.heapKb());
            if (connected > 0) {
                r.put("rssPerConnKb", (double) (after.rssKb() - before.rssKb()) / connected);
                if (before.heapKb() >= 0 && after.heapKb() >= 0) {
                    r.put("heapPerConnKb", (double) (after.heapKb() - before.heapKb()) / connected);
                }
            }
            if (firstFailure != null) {
                r.put("firstConnectFailure", firstFailure);
            }
            return r;
        } finally {
            for (Process child : children) {
                try (OutputStream in = child.getOutputStream()) {
                    in.write("quit\n".getBytes(StandardCharsets.UTF_8));
                } catch (IOException e) {
                    // gone already
                }
            }
            for (Process child : children) {
                if (!child.waitFor(30, TimeUnit.SECONDS)) {
                    child.destroyForcibly();
                }
            }
        }
    }

    /**
     * With {@code --histogram prefix}, a JVM server's class histogram ({@code jcmd GC.class_histogram},
     * after a full GC) into {@code prefix-before.txt} / {@code prefix-after.txt}: where the bytes of
     * a connection go.
     */
    private static void classHistogram(MemProbe probe, String prefix, String when) throws IOException {
        if (!prefix.isEmpty() && probe instanceof MemProbe.Jvm jvm) {
            java.nio.file.Files.writeString(java.nio.file.Path.of(prefix + "-" + when + ".txt"),
                    jvm.jcmd("GC.class_histogram"));
        }
    }

    private static String readyLine(Process child) {
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
            String line;
            while ((line = out.readLine()) != null) {
                if (line.startsWith("READY ")) {
                    return line;
                }
            }
            throw new IllegalStateException("holder exited before READY");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The child: opens idle connections, prints {@code READY <connected> <failed> <seconds> <first failure|->},
     * then holds them until a line (or EOF) on stdin.
     */
    static void hold(Args a) throws Exception {
        Wire wire = Wire.of(a.required("system"));
        String target = a.required("target");
        String prefix = a.required("prefix");
        int count = a.integer("connections", 1000);
        try (Connector connector = new Connector(2)) {
            Connector.Opened opened = connector.open(count,
                    i -> new BenchSocket(i, prefix + "-" + i, target, wire, BenchSocket.IGNORE),
                    a.integer("connect-concurrency", 128), Duration.ofSeconds(a.integer("connect-timeout", 240)));
            String failure = opened.firstFailure() == null ? "-" : opened.firstFailure().replace('\n', ' ');
            System.out.printf(java.util.Locale.ROOT, "READY %d %d %.2f %s%n", opened.sockets().size(), opened.failures(),
                    opened.seconds(), failure);
            System.out.flush();
            new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
            opened.sockets().forEach(BenchSocket::abort);
        }
        System.exit(0);
    }
}
