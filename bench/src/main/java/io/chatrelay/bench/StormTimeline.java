package io.chatrelay.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The storm run every 250 ms: CPU (cores) of each process since the previous sample, and how
 * many members are joined on each gateway. Written as CSV, time in seconds from the kill.
 */
final class StormTimeline {
    private record Row(long nanos, Map<String, Double> cores, Map<String, Integer> joined) {
    }

    private final CpuSampler cpu;
    private final List<StormMember> members;
    private final List<String> processes;
    private final List<Row> rows = new ArrayList<>();
    private CpuSampler.Sample previous;

    StormTimeline(CpuSampler cpu, List<StormMember> members, Collection<String> processes) {
        this.cpu = cpu;
        this.members = members;
        this.processes = new ArrayList<>(processes);
        this.processes.add(CpuSampler.GENERATOR);
        this.processes.add(CpuSampler.MACHINE);
        this.processes.add(CpuSampler.OTHER);
    }

    /** Takes one sample (the timer thread). */
    void sample() {
        CpuSampler.Sample now = cpu.sample();
        Map<String, Integer> joined = new TreeMap<>();
        for (StormMember m : members) {
            String node = m.joinedNode();
            if (node != null) {
                joined.merge(node, 1, Integer::sum);
            }
        }
        synchronized (rows) {
            if (previous != null) {
                rows.add(new Row(now.wallNanos(), CpuSampler.cores(previous, now), joined));
            }
            previous = now;
        }
    }

    /** Writes the CSV: {@code t_s} from {@code zero}, cores per process, members joined in all and per node. */
    void write(Path file, long zero) throws IOException {
        List<Row> copy;
        synchronized (rows) {
            copy = new ArrayList<>(rows);
        }
        TreeSet<String> nodes = new TreeSet<>();
        copy.forEach(r -> nodes.addAll(r.joined().keySet()));
        StringBuilder b = new StringBuilder("t_s");
        processes.forEach(p -> b.append(',').append("cores_").append(p));
        b.append(",joined");
        nodes.forEach(n -> b.append(",joined_").append(n));
        b.append('\n');
        for (Row r : copy) {
            b.append(String.format(Locale.ROOT, "%.2f", (r.nanos() - zero) / 1e9));
            for (String p : processes) {
                Double c = r.cores().get(p);
                b.append(',').append(c == null || c.isNaN() ? "" : String.format(Locale.ROOT, "%.3f", c));
            }
            b.append(',').append(r.joined().values().stream().mapToInt(Integer::intValue).sum());
            nodes.forEach(n -> b.append(',').append(r.joined().getOrDefault(n, 0)));
            b.append('\n');
        }
        if (file.getParent() != null) {
            Files.createDirectories(file.getParent());
        }
        Files.writeString(file, b);
    }
}
