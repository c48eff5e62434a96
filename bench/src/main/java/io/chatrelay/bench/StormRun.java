package io.chatrelay.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The reconnect storm: {@code clients} members of {@code rooms} rooms connect through a load
 * balancer ({@code --lb}), a few publishers connected straight to a gateway that stays up
 * ({@code --publish-target}) send {@code rate} messages/s round-robin to the rooms on a fixed
 * schedule; after {@code warmup} seconds one gateway is killed ({@code --kill-pid}, SIGKILL). Its
 * clients reconnect through the load balancer with backoff and {@code since}; the run waits
 * (at most {@code deadline} s) until every one of them has re-joined with {@code recovered:true}
 * and holds every message acked before the kill, keeps the load {@code after} s more, stops
 * publishing and waits ({@code drain} s at most) until every member holds every acked message of
 * its room. {@link StormReport} tells what came of it.
 */
final class StormRun {
    /** What to run. */
    record Settings(String lb, String publishTarget, int clients, int rooms, int publishers, double rate,
                    int warmupSeconds, int deadlineSeconds, int afterSeconds, int drainSeconds, long killPid,
                    String killNode, Map<String, Long> processes, int ioLoops, int connectConcurrency,
                    String label, String timeline, String onRecovered) {
        static Settings from(Args a) {
            Map<String, Long> procs = new LinkedHashMap<>();
            List<String> gwPids = a.list("gateway-pids");
            List<String> gwNames = a.list("gateway-names");
            for (int i = 0; i < gwPids.size(); i++) {
                procs.put(i < gwNames.size() ? gwNames.get(i) : "gateway-" + (i + 1), Long.parseLong(gwPids.get(i)));
            }
            procs.put("redis", (long) a.integer("redis-pid", 0));
            procs.put("haproxy", (long) a.integer("haproxy-pid", 0));
            int rooms = a.integer("rooms", 100);
            // a connection joins at most CHAT_MAX_ROOMS (32 by default) rooms: 30 per publisher at most
            int publishers = Math.max(a.integer("publishers", 4), (rooms + 29) / 30);
            long killPid = a.integer("kill-pid", 0);
            String killNode = a.str("kill-node", "");
            for (Map.Entry<String, Long> e : procs.entrySet()) {
                if (killNode.isEmpty() && killPid > 0 && e.getValue() == killPid) {
                    killNode = e.getKey(); // --gateway-names are the node ids
                }
            }
            return new Settings(a.required("lb"), a.required("publish-target"), a.integer("clients", 5000), rooms,
                    publishers, a.number("rate", 100), a.integer("warmup", 30), a.integer("deadline", 120),
                    a.integer("after", 30), a.integer("drain", 15), killPid, killNode,
                    procs, a.integer("io-loops", 2), a.integer("connect-concurrency", 100), a.str("label", "storm"),
                    a.str("timeline", ""), a.str("on-recovered", ""));
        }
    }

    /** Instants of the run (System.nanoTime; -1: did not happen). */
    static final class Marks {
        long publishStart = -1;
        long kill = -1;
        long killEpochMs = -1;
        long allRecoveredSeen = -1;
        long afterEnd = -1;
        boolean killed;
    }

    private final Settings s;
    private final String runId = Long.toString(System.currentTimeMillis(), 36);
    private final StormLink.Stats stats = new StormLink.Stats();
    private final AtomicLong killAt = new AtomicLong(-1);
    private final StormLedger.RoomLog[] logs;
    private final List<String> roomNames = new ArrayList<>();
    private final List<StormMember> members = new ArrayList<>();
    private final List<StormPublisher> publishers = new ArrayList<>();
    private final CpuSampler cpu;
    private final StormReport report;
    private final Marks marks = new Marks();
    private volatile boolean publishing;

    StormRun(Settings settings) {
        this.s = settings;
        this.logs = new StormLedger.RoomLog[settings.rooms()];
        for (int i = 0; i < settings.rooms(); i++) {
            logs[i] = new StormLedger.RoomLog();
            roomNames.add("s" + runId + "-r" + i);
        }
        this.cpu = new CpuSampler(settings.processes());
        this.report = new StormReport(settings, stats, marks);
    }

    StormReport run() throws Exception {
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().daemon().name("storm-timer").factory());
        try (Connector connector = new Connector(s.ioLoops())) {
            StormLink.Context ctx = new StormLink.Context(connector, timer, stats);
            connectMembers(ctx);
            connectPublishers(ctx);
            report.distribution("start", distribution());
            StormTimeline timeline = new StormTimeline(cpu, members, s.processes().keySet());
            var pinger = timer.scheduleAtFixedRate(new Pinger(), 1, 1, TimeUnit.SECONDS);
            var sampler = timer.scheduleAtFixedRate(timeline::sample, 0, 250, TimeUnit.MILLISECONDS);

            CpuSampler.Sample steady0 = cpu.sample();
            stats.live.reset();
            marks.publishStart = steady0.wallNanos();
            publishing = true;
            Thread sender = Thread.ofPlatform().name("storm-sender").start(this::sendLoop);
            sleepUntil(marks.publishStart + TimeUnit.SECONDS.toNanos(s.warmupSeconds()));

            CpuSampler.Sample stormEnd;
            if (s.killPid() > 0) {
                report.distribution("beforeKill", markKill());
                report.window("steady", steady0, cpu.sample());
                kill();
                CpuSampler.Sample storm0 = cpu.sample();
                long attempts0 = stats.attempts.sum();
                long failed0 = stats.failedAttempts.sum();
                awaitRecovery();
                stormEnd = cpu.sample();
                report.window("storm", storm0, stormEnd);
                report.stormAttempts(stats.attempts.sum() - attempts0, stats.failedAttempts.sum() - failed0);
                report.distribution("recovered", distribution());
                runOnRecovered();
            } else {
                stormEnd = cpu.sample();
                report.window("steady", steady0, stormEnd);
            }
            sleepUntil(stormEnd.wallNanos() + TimeUnit.SECONDS.toNanos(s.afterSeconds()));
            CpuSampler.Sample end = cpu.sample();
            marks.afterEnd = end.wallNanos();
            report.window("after", stormEnd, end);
            report.distribution("end", distribution());

            publishing = false;
            sender.join();
            drain();
            pinger.cancel(false);
            sampler.cancel(false);
            tally();
            if (!s.timeline().isEmpty()) {
                timeline.write(java.nio.file.Path.of(s.timeline()), marks.kill >= 0 ? marks.kill : marks.publishStart);
            }
            members.forEach(StormLink::abort);
            publishers.forEach(StormLink::abort);
        } finally {
            timer.shutdownNow();
        }
        return report;
    }

    private void connectMembers(StormLink.Context ctx) throws InterruptedException {
        long start = System.nanoTime();
        Semaphore inFlight = new Semaphore(s.connectConcurrency());
        for (int i = 0; i < s.clients(); i++) {
            int room = i % s.rooms();
            StormMember m = new StormMember(ctx, s.lb(), "s" + runId + "-" + i, i, room, roomNames.get(room), killAt);
            members.add(m);
            inFlight.acquire();
            m.firstJoined.orTimeout(60, TimeUnit.SECONDS).whenComplete((ok, e) -> inFlight.release());
            m.start();
        }
        int joined = awaitAll(members.stream().map(m -> m.firstJoined).toList(), 120);
        double seconds = (System.nanoTime() - start) / 1e9;
        report.connected(joined, seconds);
        log("%d of %d members joined %d rooms through %s in %.1f s", joined, s.clients(), s.rooms(), s.lb(), seconds);
    }

    private void connectPublishers(StormLink.Context ctx) throws InterruptedException {
        for (int p = 0; p < s.publishers(); p++) {
            List<String> mine = new ArrayList<>();
            for (int r = p; r < s.rooms(); r += s.publishers()) {
                mine.add(roomNames.get(r));
            }
            StormPublisher pub = new StormPublisher(ctx, s.publishTarget(), "p" + runId + "-" + p, mine, s.rooms(),
                    this::acked);
            publishers.add(pub);
            pub.start();
        }
        int ready = awaitAll(publishers.stream().map(p -> p.firstReady).toList(), 60);
        if (ready != publishers.size()) {
            throw new IllegalStateException("only " + ready + " of " + publishers.size() + " publishers joined their rooms"
                    + (stats.firstError == null ? "" : ": " + stats.firstError));
        }
    }

    private static int awaitAll(List<CompletableFuture<Void>> all, int seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        int done = 0;
        for (CompletableFuture<Void> f : all) {
            try {
                f.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                done++;
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                // counted as not done
            }
        }
        return done;
    }

    private void acked(int room, long id, long nanos) {
        StormLedger.RoomLog log = logs[room];
        synchronized (log) {
            log.acked(id, nanos);
        }
    }

    private long[] ackedIds(int room, long before) {
        StormLedger.RoomLog log = logs[room];
        synchronized (log) {
            return before < 0 ? log.all() : log.ackedBefore(before);
        }
    }

    /** Message k goes to room k % rooms through publisher room % publishers, on a fixed schedule. */
    private void sendLoop() {
        long interval = Math.max(1, (long) (1e9 / s.rate()));
        long next = marks.publishStart;
        long k = 0;
        while (publishing) {
            long now = System.nanoTime();
            if (now < next) {
                LockSupport.parkNanos(Math.min(next - now, 50_000_000L));
                continue;
            }
            int room = (int) (k % s.rooms());
            publishers.get(room % publishers.size()).publish(roomNames.get(room), k);
            k++;
            next += interval;
        }
    }

    private Map<String, Integer> markKill() {
        return countBy(StormMember::markKill, "(none)");
    }

    /** Members per gateway node id, by what {@code node} says of each ({@code absent} for none). */
    private Map<String, Integer> countBy(java.util.function.Function<StormMember, String> node, String absent) {
        Map<String, Integer> out = new TreeMap<>();
        for (StormMember m : members) {
            String id = node.apply(m);
            out.merge(id == null ? absent : id, 1, Integer::sum);
        }
        return out;
    }

    private void kill() {
        var handle = ProcessHandle.of(s.killPid());
        marks.kill = System.nanoTime();
        marks.killEpochMs = System.currentTimeMillis();
        killAt.set(marks.kill);
        marks.killed = handle.map(ProcessHandle::destroyForcibly).orElse(false);
        s.processes().forEach((name, pid) -> {
            if (pid == s.killPid()) {
                cpu.dead(name);
            }
        });
        log("killed pid %d (%s): %s", s.killPid(), s.killNode(), marks.killed ? "SIGKILL sent" : "no such process");
    }

    /** Waits until every member that was on the killed node has recovered, or the deadline. */
    private void awaitRecovery() throws InterruptedException {
        List<StormMember> affected = members.stream().filter(m -> s.killNode().equals(m.markedNode())).toList();
        long deadline = marks.kill + TimeUnit.SECONDS.toNanos(s.deadlineSeconds());
        int recovered = 0;
        long lastLog = System.nanoTime();
        while (System.nanoTime() < deadline) {
            long[][] preKill = new long[s.rooms()][];
            for (int r = 0; r < s.rooms(); r++) {
                preKill[r] = ackedIds(r, marks.kill);
            }
            recovered = 0;
            for (StormMember m : affected) {
                if (m.recoveredAt(preKill[m.room]) >= 0) {
                    recovered++;
                }
            }
            if (recovered == affected.size()) {
                marks.allRecoveredSeen = System.nanoTime();
                break;
            }
            if (System.nanoTime() - lastLog > TimeUnit.SECONDS.toNanos(5)) {
                lastLog = System.nanoTime();
                log("%.0f s after the kill: %d of %d recovered", (lastLog - marks.kill) / 1e9, recovered, affected.size());
            }
            Thread.sleep(50);
        }
        log("%d of %d members of %s recovered%s", recovered, affected.size(), s.killNode(),
                marks.allRecoveredSeen < 0 ? " by the deadline (" + s.deadlineSeconds() + " s)" : "");
    }

    private void runOnRecovered() {
        if (s.onRecovered().isEmpty()) {
            return;
        }
        try {
            Process p = new ProcessBuilder("sh", "-c", s.onRecovered()).inheritIO().start();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                log("--on-recovered still running after 60 s: going on");
            }
            report.onRecovered(System.nanoTime());
        } catch (java.io.IOException | InterruptedException e) {
            log("--on-recovered failed: %s", e);
        }
    }

    /** Waits for the publishers' last acks, then until every member holds every acked id of its room. */
    private void drain() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(s.drainSeconds());
        while (System.nanoTime() < deadline && publishers.stream().anyMatch(p -> p.tally().inFlight() > 0)) {
            Thread.sleep(50);
        }
        while (System.nanoTime() < deadline) {
            long[][] acked = new long[s.rooms()][];
            for (int r = 0; r < s.rooms(); r++) {
                acked[r] = ackedIds(r, -1);
            }
            if (members.stream().allMatch(m -> m.missing(acked[m.room]) == 0)) {
                return;
            }
            Thread.sleep(200);
        }
        log("drain: not everything arrived within %d s", s.drainSeconds());
    }

    private void tally() {
        List<StormMember.Tally> tallies = new ArrayList<>(members.size());
        for (StormMember m : members) {
            tallies.add(m.tally(ackedIds(m.room, -1), marks.kill < 0 ? new long[0] : ackedIds(m.room, marks.kill)));
        }
        report.members(tallies);
        report.publishers(publishers.stream().map(StormPublisher::tally).toList());
    }

    private Map<String, Integer> distribution() {
        return countBy(StormMember::joinedNode, "(not joined)");
    }

    /** Pings every member once per 25 s (spread over the seconds), as the JS SDK does. */
    private final class Pinger implements Runnable {
        private long tick;

        @Override
        public void run() {
            long slot = tick++ % 25;
            for (int i = (int) slot; i < members.size(); i += 25) {
                members.get(i).ping();
            }
        }
    }

    private static void sleepUntil(long nanos) throws InterruptedException {
        long now;
        while ((now = System.nanoTime()) < nanos) {
            TimeUnit.NANOSECONDS.sleep(Math.min(nanos - now, 100_000_000L));
        }
    }

    static void log(String format, Object... args) {
        System.err.printf(java.util.Locale.ROOT, "[storm] " + format + "%n", args);
    }
}
