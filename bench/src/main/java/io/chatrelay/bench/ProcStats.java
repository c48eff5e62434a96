package io.chatrelay.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** CPU and memory of processes, from {@code /proc} (Linux). */
final class ProcStats {
    private static final long CLK_TCK = clockTicks();

    private ProcStats() {
    }

    /** CPU time (user + system) of a process in nanoseconds, or -1 if unknown. */
    static long cpuNanos(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
            return ticks * 1_000_000_000L / CLK_TCK;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** Sum of {@link #cpuNanos} over processes (unknown ones count 0). */
    static long cpuNanos(List<Long> pids) {
        long sum = 0;
        for (long pid : pids) {
            sum += Math.max(0, cpuNanos(pid));
        }
        return sum;
    }

    /** Resident set size of a process in KiB ({@code VmRSS}), or -1. */
    static long rssKb(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.substring(6).trim().split("\\s+")[0]);
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    /** This process's CPU time in nanoseconds. */
    static long selfCpuNanos() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getProcessCpuTime();
        }
        return cpuNanos(ProcessHandle.current().pid());
    }

    /** Busy CPU time of the whole machine in nanoseconds (all cores; not idle, not iowait). */
    static long machineBusyNanos() {
        try {
            String first = Files.readAllLines(Path.of("/proc/stat")).get(0);
            String[] f = first.trim().split("\\s+");
            long busy = 0;
            for (int i = 1; i < f.length && i <= 8; i++) {
                if (i != 4 && i != 5) { // idle, iowait
                    busy += Long.parseLong(f[i]);
                }
            }
            return busy * 1_000_000_000L / CLK_TCK;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** The number of CPUs the OS shows. */
    static int cpus() {
        return Runtime.getRuntime().availableProcessors();
    }

    private static long clockTicks() {
        try {
            Process p = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes()).trim();
            p.waitFor();
            return Long.parseLong(out);
        } catch (Exception e) {
            return 100;
        }
    }
}
