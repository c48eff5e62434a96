package io.chatrelay.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.HdrHistogram.Histogram;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * What a {@link StormRun} found: recovery times of the killed gateway's members (from the kill
 * until each had re-joined with {@code recovered:true} and held everything acked before the
 * kill), attempts and failures, loss and duplicates of every member, where the members sat at
 * each stage, and the CPU of each process per window (steady before the kill, the storm from the
 * kill until all had recovered, after). One JSON line ({@link #json}) and a readable summary.
 */
final class StormReport {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final StormRun.Settings s;
    private final StormLink.Stats stats;
    private final StormRun.Marks marks;
    private final Map<String, Map<String, Integer>> distributions = new LinkedHashMap<>();
    private final Map<String, Map<String, Double>> windows = new LinkedHashMap<>();
    private final Map<String, Double> windowSeconds = new LinkedHashMap<>();
    /** Live delivery latency to the members that stayed connected, per window. */
    private final Map<String, Histogram> live = new LinkedHashMap<>();
    private final Histogram recovery = new Histogram(TimeUnit.HOURS.toMicros(1), 3);
    /** From the kill to the first welcome, and to the first joined with recovered:true, of the affected. */
    private final Histogram welcome = new Histogram(TimeUnit.HOURS.toMicros(1), 3);
    private final Histogram rejoin = new Histogram(TimeUnit.HOURS.toMicros(1), 3);
    private final Map<String, Long> counts = new LinkedHashMap<>();
    private int joinedAtStart;
    private double connectSeconds;
    private long onRecovered = -1;

    StormReport(StormRun.Settings s, StormLink.Stats stats, StormRun.Marks marks) {
        this.s = s;
        this.stats = stats;
        this.marks = marks;
    }

    void connected(int joined, double seconds) {
        joinedAtStart = joined;
        connectSeconds = seconds;
    }

    void distribution(String stage, Map<String, Integer> byNode) {
        distributions.put(stage, byNode);
    }

    void window(String name, CpuSampler.Sample a, CpuSampler.Sample b) {
        live.put(name, stats.live.getIntervalHistogram());
        windows.put(name, CpuSampler.cores(a, b));
        windowSeconds.put(name, (b.wallNanos() - a.wallNanos()) / 1e9);
    }

    void stormAttempts(long attempts, long failed) {
        counts.put("stormAttempts", attempts);
        counts.put("stormFailedAttempts", failed);
    }

    void onRecovered(long nanos) {
        onRecovered = nanos;
    }

    /** The members' accounting at the end. */
    void members(List<StormMember.Tally> tallies) {
        long affected = 0;
        long recovered = 0;
        long reconnects = 0;
        long[] sums = new long[10];
        for (StormMember.Tally t : tallies) {
            boolean hit = marks.kill >= 0 && t.nodeAtKill() != null && t.nodeAtKill().equals(s.killNode());
            if (hit) {
                affected++;
                reconnects += Math.max(0, t.welcomes() - 1);
                since(welcome, t.welcomedAfterKill());
                since(rejoin, t.rejoinedAfterKill());
                if (t.recoveredAt() >= 0) {
                    recovered++;
                    recovery.recordValue(Math.max(0, (t.recoveredAt() - marks.kill) / 1000));
                }
            } else {
                sums[0] += t.missing() > 0 ? 1 : 0;
                sums[1] += t.closesAfterKill() > 0 ? 1 : 0;
            }
            sums[2] += t.expected();
            sums[3] += t.missing();
            sums[4] += t.missing() > 0 ? 1 : 0;
            sums[5] += t.duplicates();
            sums[6] += t.outOfOrder();
            sums[7] += t.recoveredFalse();
            sums[8] += t.joinsWithoutSince();
            sums[9] += t.node() == null ? 1 : 0;
        }
        counts.put("affected", affected);
        counts.put("recovered", recovered);
        counts.put("unrecovered", affected - recovered);
        counts.put("reconnectsOfAffected", reconnects);
        counts.put("expectedIds", sums[2]);
        counts.put("loss", sums[3]);
        counts.put("membersWithLoss", sums[4]);
        counts.put("duplicates", sums[5]);
        counts.put("outOfOrder", sums[6]);
        counts.put("recoveredFalse", sums[7]);
        counts.put("joinsWithoutSince", sums[8]);
        counts.put("unaffectedWithLoss", sums[0]);
        counts.put("unaffectedClosed", sums[1]);
        counts.put("notJoinedAtEnd", sums[9]);
    }

    private void since(Histogram h, long nanos) {
        if (nanos >= 0) {
            h.recordValue(Math.max(0, (nanos - marks.kill) / 1000));
        }
    }

    void publishers(List<StormPublisher.Tally> tallies) {
        counts.put("sent", tallies.stream().mapToLong(StormPublisher.Tally::sent).sum());
        counts.put("acked", tallies.stream().mapToLong(StormPublisher.Tally::acked).sum());
        counts.put("publishRefused", tallies.stream().mapToLong(StormPublisher.Tally::refused).sum());
        counts.put("notSent", tallies.stream().mapToLong(StormPublisher.Tally::notSent).sum());
        counts.put("publishOutcomeUnknown", tallies.stream().mapToLong(t -> t.lostInFlight() + t.inFlight()).sum());
    }

    long count(String key) {
        return counts.getOrDefault(key, 0L);
    }

    /** The recovery time at a percentile, in ms (NaN when nobody recovered). */
    double recoveryMs(double percentile) {
        return ms(recovery, percentile);
    }

    private static double ms(Histogram h, double percentile) {
        if (h.getTotalCount() == 0) {
            return Double.NaN;
        }
        return (percentile >= 100 ? h.getMaxValue() : h.getValueAtPercentile(percentile)) / 1000.0;
    }

    private static void percentiles(ObjectNode o, Histogram h) {
        if (h.getTotalCount() > 0) {
            o.put("count", h.getTotalCount()).put("p50", ms(h, 50)).put("p90", ms(h, 90)).put("p99", ms(h, 99))
                    .put("p999", ms(h, 99.9)).put("min", h.getMinValue() / 1000.0)
                    .put("max", h.getMaxValue() / 1000.0).put("mean", round(h.getMean() / 1000.0));
        }
    }

    ObjectNode json() {
        ObjectNode r = JSON.createObjectNode();
        r.put("kind", "storm").put("label", s.label()).put("date", Instant.now().toString())
                .put("clients", s.clients()).put("rooms", s.rooms()).put("publishers", s.publishers())
                .put("rateMsgsPerS", s.rate()).put("warmupS", s.warmupSeconds()).put("deadlineS", s.deadlineSeconds())
                .put("afterS", s.afterSeconds()).put("drainS", s.drainSeconds())
                .put("joinedAtStart", joinedAtStart).put("connectSeconds", round(connectSeconds))
                .put("killPid", s.killPid()).put("killNode", s.killNode()).put("killed", marks.killed)
                .put("killEpochMs", marks.killEpochMs);
        if (marks.kill >= 0 && marks.allRecoveredSeen >= 0) {
            r.put("stormSeconds", round((marks.allRecoveredSeen - marks.kill) / 1e9));
        }
        if (onRecovered >= 0 && marks.kill >= 0) {
            r.put("onRecoveredAtS", round((onRecovered - marks.kill) / 1e9));
        }
        percentiles(r.putObject("recoveryMs"), recovery);
        percentiles(r.putObject("welcomeMs"), welcome);
        percentiles(r.putObject("rejoinMs"), rejoin);
        counts.forEach(r::put);
        r.put("attempts", stats.attempts.sum()).put("failedAttempts", stats.failedAttempts.sum())
                .put("closes", stats.closes.sum()).put("errors", stats.errors.sum()).put("badFrames", stats.badFrames.sum());
        r.set("failureReasons", JSON.valueToTree(StormLink.Stats.sorted(stats.failures)));
        r.set("closeCodes", JSON.valueToTree(StormLink.Stats.sorted(stats.closeCodes)));
        if (stats.firstError != null) {
            r.put("firstError", stats.firstError);
        }
        r.set("distribution", JSON.valueToTree(distributions));
        ObjectNode cores = r.putObject("cpuCores");
        windows.forEach((w, m) -> {
            ObjectNode o = cores.putObject(w);
            m.forEach((k, v) -> {
                if (v.isNaN()) {
                    o.putNull(k);
                } else {
                    o.put(k, round(v));
                }
            });
        });
        ObjectNode latency = r.putObject("liveLatencyMsOfStayers");
        live.forEach((w, h) -> percentiles(latency.putObject(w), h));
        ObjectNode secs = r.putObject("windowSeconds");
        windowSeconds.forEach((k, v) -> secs.put(k, round(v)));
        r.put("cpus", ProcStats.cpus());
        return r;
    }

    /** A few readable lines. */
    String summary() {
        StringBuilder b = new StringBuilder();
        line(b, "%d clients in %d rooms through %s (%d joined at the start in %.1f s), %d publishers at %.0f msg/s to %s",
                s.clients(), s.rooms(), s.lb(), joinedAtStart, connectSeconds, s.publishers(), s.rate(), s.publishTarget());
        if (marks.kill >= 0) {
            line(b, "killed %s (pid %d, %s); affected %d, recovered %d, unrecovered %d",
                    s.killNode(), s.killPid(), marks.killed ? "SIGKILL" : "not killed: no such process",
                    count("affected"), count("recovered"), count("unrecovered"));
            line(b, "recovery (kill -> rejoined with recovered:true and holding all acked before the kill): "
                            + "p50 %.0f ms, p90 %.0f ms, p99 %.0f ms, max %.0f ms; all recovered seen %s",
                    recoveryMs(50), recoveryMs(90), recoveryMs(99), recoveryMs(100),
                    marks.allRecoveredSeen < 0 ? "never (deadline)"
                            : String.format(Locale.ROOT, "%.2f s after the kill", (marks.allRecoveredSeen - marks.kill) / 1e9));
            line(b, "of which: kill -> welcome p50 %.0f ms, p99 %.0f ms, max %.0f ms; kill -> joined (recovered:true) "
                            + "p50 %.0f ms, p99 %.0f ms, max %.0f ms",
                    ms(welcome, 50), ms(welcome, 99), ms(welcome, 100), ms(rejoin, 50), ms(rejoin, 99), ms(rejoin, 100));
            line(b, "storm attempts %d (failed %d), reconnects of affected %d; failures %s; closes %s",
                    count("stormAttempts"), count("stormFailedAttempts"), count("reconnectsOfAffected"),
                    StormLink.Stats.sorted(stats.failures), StormLink.Stats.sorted(stats.closeCodes));
        }
        line(b, "messages sent %d acked %d refused %d not sent %d outcome unknown %d; ids expected %d, loss %d "
                        + "(%d members), duplicates %d, out of order %d, recovered:false %d, joins without since %d, errors %d",
                count("sent"), count("acked"), count("publishRefused"), count("notSent"), count("publishOutcomeUnknown"),
                count("expectedIds"), count("loss"), count("membersWithLoss"), count("duplicates"), count("outOfOrder"),
                count("recoveredFalse"), count("joinsWithoutSince"), stats.errors.sum());
        if (marks.kill >= 0) {
            line(b, "members not on the killed gateway: %d lost something, %d were closed after the kill; not joined at the end: %d",
                    count("unaffectedWithLoss"), count("unaffectedClosed"), count("notJoinedAtEnd"));
        } else {
            line(b, "nothing killed; not joined at the end: %d", count("notJoinedAtEnd"));
        }
        distributions.forEach((stage, m) -> line(b, "members per gateway, %s: %s", stage, m));
        windows.forEach((w, m) -> {
            StringBuilder c = new StringBuilder();
            m.forEach((k, v) -> c.append(' ').append(k).append('=')
                    .append(v.isNaN() ? "-" : String.format(Locale.ROOT, "%.2f", v)));
            line(b, "cpu cores, %s (%.1f s):%s", w, windowSeconds.get(w), c);
        });
        live.forEach((w, h) -> line(b, "live delivery latency to members that stayed connected, %s: p50 %.0f ms, p99 %.0f ms, "
                + "max %.0f ms (%d deliveries)", w, ms(h, 50), ms(h, 99), ms(h, 100), h.getTotalCount()));
        if (stats.firstError != null) {
            line(b, "first error: %s", stats.firstError);
        }
        return b.toString();
    }

    private static void line(StringBuilder b, String format, Object... args) {
        b.append("[storm] ").append(String.format(Locale.ROOT, format, args)).append('\n');
    }

    private static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }
}
