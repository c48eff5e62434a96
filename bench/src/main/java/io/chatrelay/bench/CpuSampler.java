package io.chatrelay.bench;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * CPU time of named processes (from {@code /proc}), of this process ({@code generator}) and of
 * the whole machine ({@code machine}), sampled at instants; {@link #cores} turns two samples into
 * cores per process, plus {@code other}: the machine minus all of them.
 */
final class CpuSampler {
    static final String GENERATOR = "generator";
    static final String MACHINE = "machine";
    static final String OTHER = "other";

    /** CPU nanoseconds per name (-1: unknown or gone) at {@code wallNanos}. */
    record Sample(long wallNanos, Map<String, Long> cpu) {
    }

    private final Map<String, Long> pids;
    private final Set<String> dead = ConcurrentHashMap.newKeySet();

    /** @param pids process ids by name, in report order (pids of 0 or less are left out) */
    CpuSampler(Map<String, Long> pids) {
        this.pids = new LinkedHashMap<>();
        pids.forEach((name, pid) -> {
            if (pid != null && pid > 0) {
                this.pids.put(name, pid);
            }
        });
    }

    /** The process named {@code name} was killed: from now on it is unknown (a zombie keeps its last time). */
    void dead(String name) {
        dead.add(name);
    }

    Sample sample() {
        Map<String, Long> cpu = new LinkedHashMap<>();
        pids.forEach((name, pid) -> cpu.put(name, dead.contains(name) ? -1L : ProcStats.cpuNanos(pid)));
        cpu.put(GENERATOR, ProcStats.selfCpuNanos());
        cpu.put(MACHINE, ProcStats.machineBusyNanos());
        return new Sample(System.nanoTime(), cpu);
    }

    /**
     * Cores used between two samples, per name ({@code NaN} where either sample did not know), and
     * {@code other}: the machine's busy time minus every process known in both.
     */
    static Map<String, Double> cores(Sample a, Sample b) {
        Map<String, Double> out = new LinkedHashMap<>();
        double wall = Math.max(1, b.wallNanos() - a.wallNanos());
        double known = 0;
        for (Map.Entry<String, Long> e : b.cpu().entrySet()) {
            long before = a.cpu().getOrDefault(e.getKey(), -1L);
            long after = e.getValue();
            double c = before >= 0 && after >= 0 ? (after - before) / wall : Double.NaN;
            out.put(e.getKey(), c);
            if (!MACHINE.equals(e.getKey()) && !Double.isNaN(c)) {
                known += c;
            }
        }
        double machine = out.getOrDefault(MACHINE, Double.NaN);
        out.put(OTHER, Double.isNaN(machine) ? Double.NaN : Math.max(0, machine - known));
        return out;
    }
}
