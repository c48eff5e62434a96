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
 * Turns result lines into {@code report.md} (per load shape: capacity of each system and the
 * ratios, CPU per delivery at a load every system met, a table per offered rate; memory per idle
 * connection) and PNG plots, written to one directory.
 */
final class ReportWriter {
    /** The latency limit of the capacity definition. */
    static final double CAPACITY_P99_MS = 50;
    static final List<String> SYSTEMS = List.of("chatrelay", "socketio", "socketio-streams", "nchan", "floor-helidon",
            "floor-netty");
    private static final java.awt.Color[] COLORS = {Plot.BLUE, Plot.ORANGE, Plot.GREEN, Plot.RED, Plot.PURPLE, Plot.GREY};
    private static final java.awt.Color[] LIGHT = {Plot.LIGHT_BLUE, Plot.LIGHT_ORANGE, Plot.LIGHT_GREEN, Plot.LIGHT_RED,
        Plot.LIGHT_PURPLE, Plot.LIGHT_GREY};

    private ReportWriter() {
    }

    static String display(String system) {
        return switch (system) {
            case "chatrelay" -> "chat-relay";
            case "socketio" -> "Socket.IO";
            case "socketio-streams" -> "Socket.IO streams";
            case "nchan" -> "Nchan";
            case "floor-helidon" -> "floor: Helidon 4.5";
            case "floor-netty" -> "floor: Netty 4.2";
            default -> system;
        };
    }

    private static java.awt.Color color(String system, boolean light) {
        int i = Math.max(0, SYSTEMS.indexOf(system));
        return light ? LIGHT[i] : COLORS[i];
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

    /**
     * The highest offered rate at which every system that ran met the criterion in every
     * undisturbed run, or {@code NaN}: where CPU per delivery is compared.
     */
    static double commonRate(List<Result> runs) {
        List<String> systems = runs.stream().map(r -> r.str("system")).distinct().toList();
        Map<Double, List<Result>> byRate = runs.stream().filter(r -> !disturbed(r))
                .collect(Collectors.groupingBy(r -> r.num("offeredMsgsPerS"), TreeMap::new, Collectors.toList()));
        double best = Double.NaN;
        for (Map.Entry<Double, List<Result>> e : byRate.entrySet()) {
            boolean all = systems.stream().allMatch(sys -> {
                List<Result> of = e.getValue().stream().filter(r -> r.str("system").equals(sys)).toList();
                return !of.isEmpty() && of.stream().allMatch(ReportWriter::meets);
            });
            if (all) {
                best = e.getKey();
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
        write(List.of(results), memory, outDir);
    }

    static void write(List<Path> results, Path memory, Path outDir) throws IOException {
        Files.createDirectories(outDir);
        List<Result> all = new ArrayList<>();
        for (Path p : results) {
            all.addAll(read(p).stream().filter(r -> "load".equals(r.str("kind"))).toList());
        }
        Map<String, List<Result>> byShape = all.stream().collect(Collectors.groupingBy(ReportWriter::shape,
                () -> new TreeMap<>(java.util.Comparator.comparingDouble(Double::parseDouble)), Collectors.toList()));
        List<Result> mem = memory != null && Files.exists(memory) ? read(memory) : List.of();
        StringBuilder md = new StringBuilder();
        List<String> plots = new ArrayList<>();
        for (Map.Entry<String, List<Result>> e : byShape.entrySet()) {
            shapeSection(md, e.getKey(), e.getValue());
            plots.addAll(plots(e.getKey(), e.getValue(), outDir));
        }
        if (!mem.isEmpty()) {
            memorySection(md, mem);
            memoryPlot(mem, outDir);
            plots.add("memory.png");
        }
        md.append("Plots: ").append(plots.stream().map(p -> "`" + p + "`").collect(Collectors.joining(", "))).append(".\n");
        Files.writeString(outDir.resolve("report.md"), md.toString(), StandardCharsets.UTF_8);
        System.err.println("[bench] wrote " + outDir.resolve("report.md"));
    }

    /** Members per room of a run: its {@code shape} label, else its average room size. */
    static String shape(Result r) {
        double v = r.has("shape") ? r.num("shape") : r.num("avgRoomSize");
        return Double.isNaN(v) ? "0" : fmt0(v);
    }

    private static List<String> present(List<Result> runs) {
        return SYSTEMS.stream().filter(s -> runs.stream().anyMatch(r -> r.str("system").equals(s))).toList();
    }

    private static void shapeSection(StringBuilder md, String shape, List<Result> runs) {
        List<String> systems = present(runs);
        Map<String, Capacity> caps = new LinkedHashMap<>();
        systems.forEach(s -> caps.put(s, capacity(runs, s)));
        md.append("## Rooms of ").append(shape).append("\n\n### Capacity\n\n")
                .append("Highest deliveries/s with p99 <= ").append(fmt(CAPACITY_P99_MS))
                .append(" ms, zero loss, no error, no closed connection, in every undisturbed run at that rate.\n\n")
                .append("| system | capacity (deliveries/s) | at messages/s | p99 there (ms) | chat-relay / system |\n")
                .append("| --- | ---: | ---: | ---: | ---: |\n");
        Capacity cr = caps.get("chatrelay");
        for (String s : systems) {
            Capacity c = caps.get(s);
            md.append("| ").append(display(s)).append(" | ")
                    .append(c == null ? "none met" : fmt0(c.deliveriesPerS())).append(" | ")
                    .append(c == null ? "-" : fmt0(c.msgsPerS())).append(" | ")
                    .append(c == null ? "-" : fmt(c.run().num("p99Ms"))).append(" | ")
                    .append(c == null || cr == null || s.equals("chatrelay") ? "-"
                            : String.format(Locale.ROOT, "**%.2fx**", cr.deliveriesPerS() / c.deliveriesPerS()))
                    .append(" |\n");
        }
        for (String s : systems) {
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
        double common = commonRate(runs);
        md.append("\n### CPU per delivery\n\n");
        if (Double.isNaN(common)) {
            md.append("No offered rate was met by every system.\n\n");
        } else {
            List<Result> at = runs.stream().filter(r -> r.num("offeredMsgsPerS") == common && !disturbed(r)).toList();
            md.append("At ").append(fmt0(at.get(0).num("offeredDeliveriesPerS")))
                    .append(" offered deliveries/s, the highest rate every system met: CPU time of the servers (both instances) and of Redis per delivery, over the measured window, one value per run.\n\n")
                    .append("| system | servers µs/delivery | Redis µs/delivery | servers cores | Redis cores |\n| --- | ---: | ---: | ---: | ---: |\n");
            for (String s : systems) {
                List<Result> of = at.stream().filter(r -> r.str("system").equals(s)).toList();
                md.append("| ").append(display(s)).append(" | ").append(join(of, "serverCpuUsPerDelivery")).append(" | ")
                        .append(join(of, "redisCpuUsPerDelivery")).append(" | ").append(join(of, "serverCpuCores"))
                        .append(" | ").append(join(of, "redisCpuCores")).append(" |\n");
            }
            md.append('\n');
        }
        md.append("### Runs, one table per offered rate (rooms of ").append(shape).append(")\n\n");
        Map<Double, List<Result>> byRate = runs.stream()
                .collect(Collectors.groupingBy(r -> r.num("offeredMsgsPerS"), TreeMap::new, Collectors.toList()));
        for (Map.Entry<Double, List<Result>> e : byRate.entrySet()) {
            Result first = e.getValue().get(0);
            md.append("#### ").append(fmt0(e.getKey())).append(" messages/s (")
                    .append(fmt0(first.num("offeredDeliveriesPerS"))).append(" deliveries/s offered)\n\n")
                    .append("| system | delivered/s | loss | p50 ms | p99 ms | p99.9 ms | max ms | setup conn/s | server CPU | µs/delivery | redis CPU | generator CPU | other CPU | meets |\n")
                    .append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n");
            for (Result r : e.getValue()) {
                md.append("| ").append(display(r.str("system"))).append(" | ")
                        .append(fmt0(r.num("deliveriesPerS"))).append(" | ")
                        .append(fmt0(r.num("loss"))).append(r.num("loss") > 0 ? " (" + fmt(r.num("lossPct")) + " %)" : "")
                        .append(r.num("closedDuringRun") > 0 ? " (" + fmt0(r.num("closedDuringRun")) + " closed)" : "")
                        .append(" | ").append(fmt(r.num("p50Ms"))).append(" | ").append(fmt(r.num("p99Ms")))
                        .append(" | ").append(fmt(r.num("p999Ms"))).append(" | ").append(fmt(r.num("maxMs")))
                        .append(" | ").append(fmt0(r.num("setupPerS")))
                        .append(" | ").append(fmt(r.num("serverCpuCores"))).append(" | ").append(fmt(r.num("serverCpuUsPerDelivery")))
                        .append(" | ").append(fmt(r.num("redisCpuCores")))
                        .append(" | ").append(fmt(r.num("generatorCpuCores"))).append(" | ").append(fmt(r.num("otherCpuCores"))).append(disturbed(r) ? " (disturbed)" : "")
                        .append(" | ").append(disturbed(r) ? "not counted" : meets(r) ? "yes" : "no").append(" |\n");
            }
            md.append('\n');
        }
    }

    private static String join(List<Result> runs, String key) {
        return runs.isEmpty() ? "-" : runs.stream().map(r -> fmt(r.num(key))).collect(Collectors.joining(", "));
    }

    private static void memorySection(StringBuilder md, List<Result> mem) {
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

    private static List<String> plots(String shape, List<Result> runs, Path outDir) throws IOException {
        List<Plot.Series> latency = new ArrayList<>();
        List<Plot.Series> cpu = new ArrayList<>();
        for (String s : present(runs)) {
            Map<Double, List<Result>> byRate = runs.stream().filter(r -> r.str("system").equals(s) && !disturbed(r))
                    .collect(Collectors.groupingBy(r -> r.num("offeredDeliveriesPerS"), TreeMap::new, Collectors.toList()));
            if (byRate.isEmpty()) {
                continue;
            }
            double[] xs = byRate.keySet().stream().mapToDouble(Double::doubleValue).toArray();
            double[] p99 = byRate.values().stream().mapToDouble(l -> median(l, "p99Ms")).toArray();
            double[] p50 = byRate.values().stream().mapToDouble(l -> median(l, "p50Ms")).toArray();
            double[] perDelivery = byRate.values().stream().mapToDouble(l -> median(l, "serverCpuUsPerDelivery")).toArray();
            latency.add(new Plot.Series(display(s) + " p99", color(s, false), false, xs, p99));
            latency.add(new Plot.Series(display(s) + " p50", color(s, false), true, xs, p50));
            cpu.add(new Plot.Series(display(s) + (s.startsWith("floor-") ? " server (one)" : " servers (both)"), color(s, false), false, xs, perDelivery));
        }
        if (latency.isEmpty()) {
            return List.of();
        }
        String l = "latency-" + shape + ".png";
        String c = "cpu-" + shape + ".png";
        Plot.lines(outDir.resolve(l), "Fan-out latency vs offered load, rooms of " + shape + " (2 servers each, 1 Redis, 2 cores)",
                "offered deliveries/s", "latency ms (log)", true, latency,
                List.of(new Plot.Ref("capacity limit: p99 = 50 ms", CAPACITY_P99_MS, java.awt.Color.RED)), false);
        Plot.lines(outDir.resolve(c), "Server CPU per delivery, rooms of " + shape + " (median of runs)",
                "offered deliveries/s", "CPU µs per delivery (all its servers)", false, cpu, List.of(), false);
        return List.of(l, c);
    }

    private static void memoryPlot(List<Result> mem, Path outDir) throws IOException {
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
                    List<Result> match = mem.stream().filter(m -> m.str("system").equals(s) && fmt0(m.num("connections")).equals(n)
                            && !Double.isNaN(m.num(what)) && m.num(what) != -1).toList();
                    row[c] = match.isEmpty() ? Double.NaN : median(match, what);
                    any |= !match.isEmpty();
                }
                if (any) {
                    names.add(display(s) + (what.startsWith("rss") ? " RSS" : " heap"));
                    colors.add(color(s, !what.startsWith("rss")));
                    rows.add(row);
                }
            }
        }
        Plot.bars(outDir.resolve("memory.png"), "Memory per idle connection on one server (after full GC)",
                "KiB per connection", cats, names, colors, rows.toArray(double[][]::new),
                List.of(new Plot.Ref("target: 8 KiB RSS per idle connection", 8, java.awt.Color.RED)));
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
