package io.chatrelay.bench;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * One load run against one system: opens {@code connections} spread round-robin over the
 * servers, puts them in {@code rooms} rooms (each room has members on every server), lets
 * {@code publishers} of them send {@code rate} messages per second in total for a warm-up and a
 * measured window, waits for the deliveries to drain, and reports offered and delivered rates,
 * loss, latency percentiles (receive time minus intended send time, both on this process's
 * clock), connection setup rate, and the servers' memory per connection and CPU.
 *
 * <p>Latency is measured from the <em>intended</em> send time of a fixed schedule, so a sender
 * that falls behind (or a server that pushes back) shows up as latency, not as a lower rate
 * (no coordinated omission).
 */
final class LoadRun implements BenchSocket.Sink {
    private static final long MAX_LATENCY_US = TimeUnit.MINUTES.toMicros(10);

    /** What to run. */
    record Settings(String system, List<String> targets, List<Long> pids, long redisPid, int connections, int rooms,
                    int publishers, double rate, int warmupSeconds, int durationSeconds, int drainSeconds, int textSize,
                    int connectConcurrency, int ioLoops, int senders, boolean memory, String label,
                    String timeline) {
        static Settings from(Args a) {
            List<Long> pids = a.list("server-pids").stream().map(Long::parseLong).toList();
            return new Settings(a.required("system"), a.list("targets"), pids, a.integer("redis-pid", 0),
                    a.integer("connections", 2000), a.integer("rooms", 20), a.integer("publishers", 40),
                    a.number("rate", 200), a.integer("warmup", 3), a.integer("duration", 15), a.integer("drain", 5),
                    a.integer("text-size", 64), a.integer("connect-concurrency", 128), a.integer("io-loops", 2),
                    a.integer("senders", 2), !a.str("memory", "true").equals("false"),
                    a.str("label", ""), a.str("timeline", ""));
        }
    }

    private final Settings s;
    private final Wire wire;
    private final Recorder latency = new Recorder(MAX_LATENCY_US, 3);
    private final LongAdder receivedMeasured = new LongAdder();
    private final LongAdder receivedWarm = new LongAdder();
    private final LongAdder unknownMessages = new LongAdder();
    private final LongAdder acks = new LongAdder();
    private final LongAdder errors = new LongAdder();
    private final LongAdder sendFailures = new LongAdder();
    private final LongAdder closedDuringRun = new LongAdder();
    private final AtomicLong expected = new AtomicLong();
    private final AtomicLong sentMeasured = new AtomicLong();
    private final AtomicLong sentWarm = new AtomicLong();
    private final AtomicLong seq = new AtomicLong();
    private volatile String firstError;
    private volatile boolean running;
    private long epoch;
    /** Per 100 ms of intended send time in the measured window: deliveries and max latency (us). */
    private AtomicLongArray timelineCount;
    private AtomicLongArray timelineMax;
    private long timelineStart;

    LoadRun(Settings settings) {
        if (settings.targets().isEmpty()) {
            throw new IllegalArgumentException("--targets ws://host:port[,...] is required");
        }
        this.s = settings;
        this.wire = Wire.of(settings.system());
    }

    Result run() throws Exception {
        int servers = s.targets().size();
        String runId = Long.toString(System.currentTimeMillis(), 36);
        List<MemProbe> probes = new ArrayList<>();
        for (int i = 0; i < servers; i++) {
            long pid = i < s.pids().size() ? s.pids().get(i) : 0;
            probes.add(s.memory() ? MemProbe.of(s.system(), pid, s.targets().get(i)) : new MemProbe.None());
        }
        List<MemProbe.Snapshot> memBefore = probes.stream().map(MemProbe::snapshot).toList();

        epoch = System.nanoTime();
        Result r = new Result();
        r.put("kind", "load").put("system", s.system()).put("label", s.label()).put("date", Instant.now().toString())
                .put("servers", servers).put("connections", s.connections()).put("rooms", s.rooms())
                .put("publishers", s.publishers()).put("textSize", s.textSize())
                .put("warmupS", s.warmupSeconds()).put("durationS", s.durationSeconds()).put("offeredMsgsPerS", s.rate());

        try (Connector connector = new Connector(s.ioLoops())) {
            Connector.Opened opened = connector.open(s.connections(),
                    i -> new BenchSocket(i, "b" + runId + "-" + i, s.targets().get(i % servers), wire, this,
                            "b" + runId + "-r" + (i / servers) % s.rooms(), false),
                    s.connectConcurrency(), Duration.ofSeconds(120));
            r.put("connected", opened.sockets().size()).put("connectFailures", opened.failures())
                    .put("setupSeconds", opened.seconds()).put("setupPerS", opened.rate());
            if (opened.firstFailure() != null) {
                r.put("firstConnectFailure", opened.firstFailure());
            }
            log("%s: %d connected in %.2f s (%.0f/s), %d failed%s", s.system(), opened.sockets().size(), opened.seconds(),
                    opened.rate(), opened.failures(), opened.firstFailure() == null ? "" : " (" + opened.firstFailure() + ")");

            // rooms: socket i (index over all) is in room (i / servers) % rooms, so each room spans every server
            List<List<BenchSocket>> members = new ArrayList<>();
            for (int k = 0; k < s.rooms(); k++) {
                members.add(new ArrayList<>());
            }
            long joinStart = System.nanoTime();
            Semaphore inFlight = new Semaphore(s.connectConcurrency());
            List<CompletableFuture<BenchSocket>> joins = new ArrayList<>();
            for (BenchSocket socket : opened.sockets()) {
                inFlight.acquire();
                int room = (socket.index / servers) % s.rooms();
                socket.join("b" + runId + "-r" + room);
                joins.add(socket.joined.orTimeout(60, TimeUnit.SECONDS).whenComplete((ok, e) -> inFlight.release()));
            }
            int joinFailures = 0;
            for (CompletableFuture<BenchSocket> j : joins) {
                try {
                    BenchSocket socket = j.get();
                    members.get((socket.index / servers) % s.rooms()).add(socket);
                } catch (Exception e) {
                    joinFailures++;
                }
            }
            double joinSeconds = (System.nanoTime() - joinStart) / 1e9;
            int[] roomSize = members.stream().mapToInt(List::size).toArray();
            int joined = opened.sockets().size() - joinFailures;
            r.put("joined", joined).put("joinFailures", joinFailures).put("joinSeconds", joinSeconds)
                    .put("avgRoomSize", (double) joined / s.rooms());
            log("%s: %d joined %d rooms in %.2f s, %d failed", s.system(), joined, s.rooms(), joinSeconds, joinFailures);
            Thread.sleep(2000); // join side effects (presence frames) settle

            if (s.memory()) {
                List<MemProbe.Snapshot> memAfter = probes.stream().map(MemProbe::snapshot).toList();
                long rss = 0;
                long heap = 0;
                boolean heapKnown = true;
                for (int i = 0; i < servers; i++) {
                    rss += memAfter.get(i).rssKb() - memBefore.get(i).rssKb();
                    heapKnown &= memAfter.get(i).heapKb() >= 0 && memBefore.get(i).heapKb() >= 0;
                    heap += memAfter.get(i).heapKb() - memBefore.get(i).heapKb();
                }
                if (memAfter.get(0).rssKb() >= 0 && joined > 0) {
                    r.put("serverRssPerConnKb", (double) rss / joined);
                    r.put("serverRssKb", memAfter.stream().mapToLong(MemProbe.Snapshot::rssKb).sum());
                }
                if (heapKnown && joined > 0) {
                    r.put("serverHeapPerConnKb", (double) heap / joined);
                }
            }

            // publishers: p-th is member (p / rooms) of room (p % rooms); members alternate servers
            List<BenchSocket> pubs = new ArrayList<>();
            List<Integer> pubRoomSize = new ArrayList<>();
            for (int p = 0; p < s.publishers(); p++) {
                List<BenchSocket> room = members.get(p % s.rooms());
                if (room.isEmpty()) {
                    continue;
                }
                pubs.add(room.get((p / s.rooms()) % room.size()));
                pubRoomSize.add(roomSize[p % s.rooms()]);
            }
            if (pubs.isEmpty()) {
                throw new IllegalStateException("no publisher could join a room");
            }
            List<BenchSocket> senderSockets = publisherSockets(connector, pubs, runId);
            r.put("offeredDeliveriesPerS", s.rate() * pubRoomSize.stream().mapToInt(Integer::intValue).average().orElse(0));

            long t0 = System.nanoTime() + 200_000_000L;
            long warmEnd = t0 + TimeUnit.SECONDS.toNanos(s.warmupSeconds());
            long measureEnd = warmEnd + TimeUnit.SECONDS.toNanos(s.durationSeconds());
            if (!s.timeline().isEmpty()) {
                timelineStart = warmEnd - epoch;
                timelineCount = new AtomicLongArray(s.durationSeconds() * 10 + 1);
                timelineMax = new AtomicLongArray(s.durationSeconds() * 10 + 1);
            }
            running = true;
            List<Thread> senders = new ArrayList<>();
            int threads = Math.max(1, Math.min(s.senders(), pubs.size()));
            for (int t = 0; t < threads; t++) {
                List<BenchSocket> mine = new ArrayList<>();
                List<Integer> sizes = new ArrayList<>();
                for (int p = t; p < pubs.size(); p += threads) {
                    mine.add(senderSockets.get(p));
                    sizes.add(pubRoomSize.get(p));
                }
                int id = t;
                int count = threads;
                senders.add(Thread.ofPlatform().name("bench-sender-" + t).start(
                        () -> sendLoop(id, count, mine, sizes, t0, warmEnd, measureEnd)));
            }

            sleepUntil(warmEnd);
            long cpu0 = ProcStats.selfCpuNanos();
            long srv0 = ProcStats.cpuNanos(s.pids());
            long redis0 = s.redisPid() > 0 ? ProcStats.cpuNanos(s.redisPid()) : -1;
            long machine0 = ProcStats.machineBusyNanos();
            long wall0 = System.nanoTime();
            long received0 = receivedMeasured.sum();
            sleepUntil(measureEnd);
            long wall = System.nanoTime() - wall0;
            long cpu = ProcStats.selfCpuNanos() - cpu0;
            long srv = ProcStats.cpuNanos(s.pids()) - srv0;
            long redis = s.redisPid() > 0 ? ProcStats.cpuNanos(s.redisPid()) - redis0 : -1;
            long machine = ProcStats.machineBusyNanos() - machine0;
            long receivedInWindow = receivedMeasured.sum() - received0;
            for (Thread t : senders) {
                t.join();
            }
            running = false;

            long drainDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(s.drainSeconds());
            while (receivedMeasured.sum() < expected.get() && System.nanoTime() < drainDeadline) {
                Thread.sleep(20);
            }
            Histogram h = latency.getIntervalHistogram();
            long exp = expected.get();
            long got = receivedMeasured.sum();
            double secs = s.durationSeconds();
            r.put("sentMsgsPerS", sentMeasured.get() / secs).put("sentWarmup", sentWarm.get())
                    .put("expectedDeliveries", exp).put("receivedDeliveries", got)
                    .put("deliveriesPerS", got / secs)
                    .put("deliveriesInWindowPerS", receivedInWindow / (wall / 1e9))
                    .put("loss", exp - got).put("lossPct", exp > 0 ? 100.0 * (exp - got) / exp : 0.0)
                    .put("acks", acks.sum()).put("errors", errors.sum()).put("sendFailures", sendFailures.sum())
                    .put("closedDuringRun", closedDuringRun.sum()).put("warmDeliveries", receivedWarm.sum())
                    .put("p50Ms", h.getValueAtPercentile(50) / 1000.0)
                    .put("p90Ms", h.getValueAtPercentile(90) / 1000.0)
                    .put("p99Ms", h.getValueAtPercentile(99) / 1000.0)
                    .put("p999Ms", h.getValueAtPercentile(99.9) / 1000.0)
                    .put("maxMs", h.getMaxValue() / 1000.0)
                    .put("meanMs", h.getTotalCount() == 0 ? 0.0 : h.getMean() / 1000.0)
                    .put("generatorCpuCores", (double) cpu / wall)
                    .put("serverCpuCores", s.pids().isEmpty() ? -1.0 : (double) srv / wall)
                    .put("redisCpuCores", redis < 0 ? -1.0 : (double) redis / wall)
                    .put("machineCpuCores", machine < 0 ? -1.0 : (double) machine / wall)
                    .put("serverCpuUsPerDelivery", s.pids().isEmpty() || receivedInWindow == 0 ? -1.0
                            : srv / 1000.0 / receivedInWindow)
                    .put("redisCpuUsPerDelivery", redis < 0 || receivedInWindow == 0 ? -1.0 : redis / 1000.0 / receivedInWindow)
                    .put("otherCpuCores", machine < 0 || s.pids().isEmpty() ? -1.0
                            : Math.max(0, (double) (machine - cpu - srv - Math.max(0, redis)) / wall))
                    .put("cpus", ProcStats.cpus());
            if (firstError != null) {
                r.put("firstError", firstError);
            }
            if (timelineCount != null) {
                writeTimeline(java.nio.file.Path.of(s.timeline()));
            }
            closeAll(opened.sockets());
            if (senderSockets != pubs) {
                closeAll(senderSockets);
            }
        }
        return r;
    }

    /**
     * The connections the publishers send on: their own, or (Nchan) a publisher connection each
     * to the same server and room.
     */
    private List<BenchSocket> publisherSockets(Connector connector, List<BenchSocket> pubs, String runId)
            throws InterruptedException {
        if (wire.publisherUri("ws://x", "r") == null) {
            return pubs;
        }
        Connector.Opened opened = connector.open(pubs.size(), i -> new BenchSocket(i, "p" + runId + "-" + i,
                pubs.get(i).base, wire, BenchSocket.IGNORE, pubs.get(i).room(), true), s.connectConcurrency(), Duration.ofSeconds(60));
        if (opened.sockets().size() != pubs.size()) {
            throw new IllegalStateException("publisher connections failed: " + opened.failures() + " (" + opened.firstFailure() + ")");
        }
        List<BenchSocket> byIndex = new ArrayList<>(opened.sockets());
        byIndex.sort(java.util.Comparator.comparingInt(b -> b.index));
        return byIndex;
    }

    private void sendLoop(int thread, int threads, List<BenchSocket> mine, List<Integer> sizes, long t0, long warmEnd,
                          long measureEnd) {
        long interval = Math.max(1, (long) (1e9 * threads / s.rate()));
        long next = t0 + thread * interval / threads;
        int k = 0;
        while (next < measureEnd) {
            long now = System.nanoTime();
            if (now < next) {
                LockSupport.parkNanos(next - now);
                continue;
            }
            boolean measured = next >= warmEnd;
            BenchSocket p = mine.get(k);
            String text = Payload.text(measured, next - epoch, s.textSize());
            if (measured) {
                sentMeasured.incrementAndGet();
                expected.addAndGet(sizes.get(k));
            } else {
                sentWarm.incrementAndGet();
            }
            p.send(wire.send(p.room(), text, seq.getAndIncrement()));
            k = (k + 1) % mine.size();
            next += interval;
        }
    }

    /** Writes {@code t_ms,deliveries,max_ms} per 100 ms of intended send time (to find periodic stalls). */
    private void writeTimeline(java.nio.file.Path file) throws java.io.IOException {
        StringBuilder b = new StringBuilder("t_ms,deliveries,max_ms\n");
        for (int i = 0; i < timelineCount.length(); i++) {
            b.append(i * 100).append(',').append(timelineCount.get(i)).append(',')
                    .append(String.format(java.util.Locale.ROOT, "%.2f", timelineMax.get(i) / 1000.0)).append('\n');
        }
        java.nio.file.Files.writeString(file, b);
    }

    private static void closeAll(List<BenchSocket> sockets) throws InterruptedException {
        sockets.forEach(BenchSocket::close);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
        for (BenchSocket b : sockets) {
            while (b.closeCode() == 0 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
        }
        sockets.forEach(BenchSocket::abort);
    }

    private static void sleepUntil(long nanos) throws InterruptedException {
        long now;
        while ((now = System.nanoTime()) < nanos) {
            TimeUnit.NANOSECONDS.sleep(Math.min(nanos - now, 100_000_000L));
        }
    }

    @Override
    public void message(BenchSocket socket, CharSequence frame) {
        long v = Payload.parse(frame);
        if (v == Payload.NONE) {
            unknownMessages.increment();
        } else if (v < 0) {
            receivedWarm.increment();
        } else {
            long us = (System.nanoTime() - epoch - v) / 1000;
            latency.recordValue(Math.max(0, Math.min(us, MAX_LATENCY_US)));
            receivedMeasured.increment();
            AtomicLongArray counts = timelineCount;
            if (counts != null) {
                int slot = (int) Math.min(counts.length() - 1, Math.max(0, (v - timelineStart) / 100_000_000L));
                counts.incrementAndGet(slot);
                timelineMax.accumulateAndGet(slot, us, Math::max);
            }
        }
    }

    @Override
    public void ack(BenchSocket socket) {
        acks.increment();
    }

    @Override
    public void error(BenchSocket socket, CharSequence frame) {
        errors.increment();
        if (firstError == null) {
            firstError = frame.toString();
        }
    }

    @Override
    public void closed(BenchSocket socket, int code) {
        if (running) {
            closedDuringRun.increment();
            if (firstError == null) {
                firstError = "closed " + code + " during the run";
            }
        }
    }

    @Override
    public void sendFailed(BenchSocket socket, Throwable error) {
        sendFailures.increment();
    }

    static void log(String format, Object... args) {
        System.err.printf(java.util.Locale.ROOT, "[bench] " + format + "%n", args);
    }
}
