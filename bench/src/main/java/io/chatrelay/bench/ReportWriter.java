package io.chatrelay.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Turns result lines into {@code report.md} (a table per offered rate, capacity of each system and
 * their ratio, memory per idle connection) and PNG plots, written to one directory.
 */
final class ReportWriter {
    /** The latency limit of the capacity definition. */
    static final double CAPACITY_P99_MS = 50;
    static final List<String> SYSTEMS = List.of("chatrelay", "socketio");

    private ReportWriter() {
    }

    static String display(String system) {
        return switch (system) {
            case "chatrelay" -> "chat-relay";
            case "socketio" -> "Socket.IO";
            default -> system;
        };
    }

    /** Whether a load run meets the capacity criterion: p99 within the limit, nothing lost, nobody closed. */
    static boolean meets(Result r) {
        return r.num("p99Ms") <= CAPACITY_P99_MS && r.num("loss") == 0 && r.num("closedDuringRun") == 0
                && r.num("connectFailures") == 0 && r.num("joinFailures") == 0 && r.num("errors") == 0;
    }

    /**
     * Capacity: the highest offered rate at which every undisturbed run of the system met the
     * criterion (runs during which other processes took CPU are marked {@code disturbed} by
     * {@code run.sh} and do not count; a rate with only disturbed runs does not qualify).
     */
    record Capacity(double msgsPerS, double deliveriesPerS, Result run) {
    }

    static boolean disturbed(Result r) {
        return r.has("disturbed") && Boolean.parseBoolean(r.str("disturbed"));
    }

    static Capacity capacity(List<Result> runs, String system) {
        Map<Double, List<Result>> byRate = new TreeMap<>();
        runs.stream().filter(r -> r.str("system").equals(system) && !disturbed(r))
                .forEach(r -> byRate.computeIfAbsent(r.num("offeredMsgsPerS"), k -> new ArrayList<>()).add(r));
        Capacity best = null;
        for (Map.Entry<Double, List<Result>> e : byRate.entrySet()) {
            if (e.getValue().stream().allMatch(ReportWriter::meets)) {
                double delivered = e.getValue().stream().mapToDouble(r -> r.num("deliveriesPerS")).average().orElse(0);
                if (best == null || delivered > best.deliveriesPerS()) {
                    best = new Capacity(e.getKey(), delivered, e.getValue().get(0));
                }
            }
        }
        return best;
    }

    static List<Result> read(Path file) throws IOException {
        List<Result> out = new ArrayList<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            if (!line.isBlank()) {
                out.add(Result.parse(line.trim()));
            }
        }
        return out;
    }

    static void write(Path results, Path memory, Path outDir) throws IOException {
        Files.createDirectories(outDir);
        List<Result> runs = read(results).stream().filter(r -> "load".equals(r.str("kind"))).toList();
        List<Result> mem = memory != null && Files.exists(memory) ? read(memory) : List.of();
        StringBuilder md = new StringBuilder();
        Map<String, Capacity> caps = new LinkedHashMap<>();
        for (String s : SYSTEMS) {
            caps.put(s, capacity(runs, s));
        }
        md.append("## Capacity\n\n")
                .append("Highest deliveries/s with p99 <= ").append(fmt(CAPACITY_P99_MS))
                .append(" ms, zero loss, no error, no closed connection, in every undisturbed run at that rate.\n\n")
                .append("| system | capacity (deliveries/s) | at messages/s | p99 there (ms) |\n| --- | ---: | ---: | ---: |\n");
        for (String s : SYSTEMS) {
            Capacity c = caps.get(s);
            md.append("| ").append(display(s)).append(" | ")
                    .append(c == null ? "none met" : fmt0(c.deliveriesPerS())).append(" | ")
                    .append(c == null ? "-" : fmt0(c.msgsPerS())).append(" | ")
                    .append(c == null ? "-" : fmt(c.run().num("p99Ms"))).append(" |\n");
        }
        Capacity cr = caps.get("chatrelay");
        Capacity sio = caps.get("socketio");
        if (cr != null && sio != null) {
            md.append("\nRatio chat-relay / Socket.IO: **").append(String.format(Locale.ROOT, "%.2f", cr.deliveriesPerS() / sio.deliveriesPerS()))
                    .append("x**\n");
        }
        for (String s : SYSTEMS) {
            Capacity c = caps.get(s);
            List<Result> half = c == null ? List.of() : nearest(runs, s, c.deliveriesPerS() / 2);
            if (!half.isEmpty()) {
                md.append("\n").append(display(s)).append(" at about half its capacity (")
                        .append(fmt0(half.get(0).num("offeredDeliveriesPerS"))).append(" offered deliveries/s): p99 ")
                        .append(half.stream().map(r -> fmt(r.num("p99Ms"))).collect(Collectors.joining(", ")))
                        .append(" ms, p50 ").append(half.stream().map(r -> fmt(r.num("p50Ms"))).collect(Collectors.joining(", ")))
                        .append(" ms").append(half.size() > 1 ? " (one value per run)" : "").append(".\n");
            }
        }
        md.append("\n## Runs, one table per offered rate\n\n");
        Map<Double, List<Result>> byRate = runs.stream()
                .collect(Collectors.groupingBy(r -> r.num("offeredMsgsPerS"), TreeMap::new, Collectors.toList()));
        for (Map.Entry<Double, List<Result>> e : byRate.entrySet()) {
            Result first = e.getValue().get(0);
            md.append("### ").append(fmt0(e.getKey())).append(" messages/s (")
                    .append(fmt0(first.num("offeredDeliveriesPerS"))).append(" deliveries/s offered)\n\n")
                    .append("| system | delivered/s | loss | p50 ms | p99 ms | p99.9 ms | max ms | setup conn/s | server CPU | redis CPU | generator CPU | other CPU | meets |\n")
                    .append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n");
            for (Result r : e.getValue()) {
                md.append("| ").append(display(r.str("system"))).append(" | ")
                        .append(fmt0(r.num("deliveriesPerS"))).append(" | ")
                        .append(fmt0(r.num("loss"))).append(r.num("closedDuringRun") > 0 ? " (" + fmt0(r.num("closedDuringRun")) + " closed)" : "")
                        .append(" | ").append(fmt(r.num("p50Ms"))).append(" | ").append(fmt(r.num("p99Ms")))
                        .append(" | ").append(fmt(r.num("p999Ms"))).append(" | ").append(fmt(r.num("maxMs")))
                        .append(" | ").append(fmt0(r.num("setupPerS")))
                        .append(" | ").append(fmt(r.num("serverCpuCores"))).append(" | ").append(fmt(r.num("redisCpuCores")))
                        .append(" | ").append(fmt(r.num("generatorCpuCores"))).append(" | ").append(fmt(r.num("otherCpuCores"))).append(disturbed(r) ? " (disturbed)" : "")
                        .append(" | ").append(disturbed(r) ? "not counted" : meets(r) ? "yes" : "no").append(" |\n");
            }
            md.append('\n');
        }

        if (!mem.isEmpty()) {
            md.append("## Memory per idle connection (one server)\n\n")
                    .append("| system | idle connections | connected | RSS before MiB | RSS after MiB | RSS/conn KiB | heap/conn KiB | setup conn/s |\n")
                    .append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
            for (Result m : mem) {
                md.append("| ").append(display(m.str("system"))).append(" | ").append(fmt0(m.num("connections")))
                        .append(" | ").append(fmt0(m.num("connected")))
                        .append(" | ").append(fmt(m.num("rssBeforeKb") / 1024)).append(" | ").append(fmt(m.num("rssAfterKb") / 1024))
                        .append(" | ").append(fmt(m.num("rssPerConnKb"))).append(" | ").append(fmt(m.num("heapPerConnKb")))
                        .append(" | ").append(fmt0(m.num("setupPerS"))).append(" |\n");
            }
            md.append('\n');
        }
        plots(runs, mem, outDir);
        md.append("Plots: `latency.png`, `cpu.png`").append(mem.isEmpty() ? "" : ", `memory.png`").append(".\n");
        Files.writeString(outDir.resolve("report.md"), md.toString(), StandardCharsets.UTF_8);
        System.err.println("[bench] wrote " + outDir.resolve("report.md"));
    }

    /** The runs of a system at the offered rate whose deliveries/s are nearest to {@code deliveries}. */
    private static List<Result> nearest(List<Result> runs, String system, double deliveries) {
        Result best = null;
        for (Result r : runs) {
            if (r.str("system").equals(system) && !disturbed(r) && (best == null
                    || Math.abs(r.num("offeredDeliveriesPerS") - deliveries) < Math.abs(best.num("offeredDeliveriesPerS") - deliveries))) {
                best = r;
            }
        }
        if (best == null) {
            return List.of();
        }
        double rate = best.num("offeredMsgsPerS");
        return runs.stream().filter(r -> r.str("system").equals(system) && !disturbed(r) && r.num("offeredMsgsPerS") == rate).toList();
    }

    private static void plots(List<Result> runs, List<Result> mem, Path outDir) throws IOException {
        List<Plot.Series> latency = new ArrayList<>();
        List<Plot.Series> cpu = new ArrayList<>();
        for (String s : SYSTEMS) {
            Map<Double, List<Result>> byRate = runs.stream().filter(r -> r.str("system").equals(s) && !disturbed(r))
                    .collect(Collectors.groupingBy(r -> r.num("offeredDeliveriesPerS"), TreeMap::new, Collectors.toList()));
            if (byRate.isEmpty()) {
                continue;
            }
            double[] xs = byRate.keySet().stream().mapToDouble(Double::doubleValue).toArray();
            double[] p99 = byRate.values().stream().mapToDouble(l -> median(l, "p99Ms")).toArray();
            double[] p50 = byRate.values().stream().mapToDouble(l -> median(l, "p50Ms")).toArray();
            double[] servers = byRate.values().stream().mapToDouble(l -> median(l, "serverCpuCores")).toArray();
            double[] generator = byRate.values().stream().mapToDouble(l -> median(l, "generatorCpuCores")).toArray();
            java.awt.Color color = s.equals("chatrelay") ? Plot.BLUE : Plot.ORANGE;
            latency.add(new Plot.Series(display(s) + " p99", color, false, xs, p99));
            latency.add(new Plot.Series(display(s) + " p50", color, true, xs, p50));
            cpu.add(new Plot.Series(display(s) + " servers (both)", color, false, xs, servers));
            cpu.add(new Plot.Series("generator, " + display(s) + " runs", color, true, xs, generator));
        }
        if (!latency.isEmpty()) {
            Plot.lines(outDir.resolve("latency.png"), "Fan-out latency vs offered load (2 servers, 1 Redis, 2 cores)",
                    "offered deliveries/s", "latency ms (log)", true, latency,
                    List.of(new Plot.Ref("capacity limit: p99 = 50 ms", CAPACITY_P99_MS, java.awt.Color.RED)), false);
            Plot.lines(outDir.resolve("cpu.png"), "CPU used during the measured window (median of runs)",
                    "offered deliveries/s", "CPU cores", false, cpu,
                    List.of(new Plot.Ref("all cores of the machine", ProcStats.cpus(), java.awt.Color.RED)), false);
        }
        if (!mem.isEmpty()) {
            List<String> cats = mem.stream().map(m -> fmt0(m.num("connections"))).distinct()
                    .sorted((a, b) -> Double.compare(Double.parseDouble(a), Double.parseDouble(b)))
                    .map(c -> c + " idle connections").toList();
            List<String> names = new ArrayList<>();
            List<java.awt.Color> colors = new ArrayList<>();
            List<double[]> rows = new ArrayList<>();
            for (String s : SYSTEMS) {
                for (String what : List.of("rssPerConnKb", "heapPerConnKb")) {
                    double[] row = new double[cats.size()];
                    boolean any = false;
                    for (int c = 0; c < cats.size(); c++) {
                        String n = cats.get(c).split(" ")[0];
                        List<Result> match = mem.stream().filter(m -> m.str("system").equals(s) && fmt0(m.num("connections")).equals(n)).toList();
                        row[c] = match.isEmpty() ? Double.NaN : median(match, what);
                        any |= !match.isEmpty();
                    }
                    if (any) {
                        names.add(display(s) + (what.startsWith("rss") ? " RSS" : " heap"));
                        colors.add(s.equals("chatrelay") ? (what.startsWith("rss") ? Plot.BLUE : Plot.LIGHT_BLUE)
                                : (what.startsWith("rss") ? Plot.ORANGE : Plot.LIGHT_ORANGE));
                        rows.add(row);
                    }
                }
            }
            Plot.bars(outDir.resolve("memory.png"), "Memory per idle connection on one server (after full GC)",
                    "KiB per connection", cats, names, colors, rows.toArray(double[][]::new),
                    List.of(new Plot.Ref("target: 20 KiB RSS per idle connection", 20, java.awt.Color.RED)));
        }
    }

    private static double median(List<Result> l, String key) {
        double[] v = l.stream().mapToDouble(r -> r.num(key)).sorted().toArray();
        return v.length == 0 ? Double.NaN : v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    static String fmt(double v) {
        if (Double.isNaN(v) || v < 0 && v == -1) {
            return "-";
        }
        return String.format(Locale.ROOT, Math.abs(v) >= 100 ? "%.0f" : Math.abs(v) >= 10 ? "%.1f" : "%.2f", v);
    }

    static String fmt0(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.0f", v);
    }
}
