package io.chatrelay.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import io.chatrelay.broker.Await;
import io.chatrelay.broker.BrokerState;
import io.chatrelay.chat.ChatCore;
import io.chatrelay.chat.CloseCode;
import io.chatrelay.chat.Session;
import io.chatrelay.gateway.config.GatewayConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Spreads connections again after the gateways became uneven (a gateway came back after a crash
 * or was added with {@code --scale}: the load balancer's {@code leastconn} gives it only new
 * connections, and WebSockets live long). Every {@link #PERIOD} each gateway compares its session
 * count with the others' (the node directory's snapshots, written every 2 s by every live
 * gateway) and, when it holds more than {@code (1 + tolerance)} times the fair share plus
 * {@link #SLACK} in two consecutive rounds, closes some of its sessions with 1012 (restart:
 * reconnect) at random, spread over the period.
 * The clients resume with {@code since} through the load balancer, which places them on the
 * least loaded gateways: nothing is lost and nothing repeated, as after a drain.
 *
 * <p>No thundering herd: a round closes at most {@code rate x period} sessions, at most half the
 * gap to the least loaded gateway (two overloaded gateways do not both empty themselves into
 * it) and never more than the excess over the fair share, one at a time with jittered pauses;
 * an excess must be seen in two consecutive rounds while the total number of sessions holds
 * steady (the others' snapshots are up to a period old: during a burst of new or reconnecting
 * connections they lag behind, and nothing is closed), and after closing, the next round only
 * looks again. Bound, once settled: no ready gateway holds more than
 * {@code fair x (1 + tolerance) + SLACK}; the slack keeps a few sessions from being moved back
 * and forth (two sessions on one gateway of three are not worth a reconnect).
 * Draining gateways, gateways whose broker is not up and snapshots older than {@link #FRESH}
 * (a dead gateway) do not count. Nothing is closed either while a counted snapshot is older than
 * {@link #RECENT}: a gateway that just died still counts its clients, which meanwhile
 * reconnected to the others, so every survivor would look above its fair share.
 */
final class Rebalancer implements AutoCloseable {
    /** How often a gateway compares its load with the others'. */
    static final Duration PERIOD = Duration.ofSeconds(2);
    /** Snapshots older than this are a gateway that is gone. */
    static final Duration FRESH = Duration.ofSeconds(6);
    /**
     * Snapshots older than this may be a gateway that just died (each live one writes its own
     * every {@code NodeDirectory.PERIOD}, 2 s): while one is counted, nothing is closed. Below two
     * rounds plus the time its clients need to come back: a dead gateway's last snapshot is older
     * than this in the second round after its death, the first round that could confirm an excess.
     */
    static final Duration RECENT = Duration.ofMillis(2500);
    /** Sessions a gateway may hold above {@code (1 + tolerance) x fair} before it sheds any. */
    static final int SLACK = 5;
    private static final System.Logger LOG = System.getLogger(Rebalancer.class.getName());

    private final ChatCore core;
    private final String node;
    private final Supplier<CompletionStage<List<JsonNode>>> directory;
    private final GatewayConfig.Rebalance settings;
    private final Counter closed;
    /** Whether the last round found this gateway above the bound (only the timer thread touches it). */
    private boolean above;
    /** The sessions of all gateways the last round saw, -1 before the first (timer thread only). */
    private long lastTotal = -1;
    private final ScheduledExecutorService timer =
            Executors.newSingleThreadScheduledExecutor(Thread.ofVirtual().name("rebalancer").factory());

    /**
     * Creates the rebalancer; {@link #start} starts it.
     *
     * @param core      this gateway's core
     * @param node      this gateway's node id
     * @param directory the latest snapshot of every live gateway (node, ts, sessions, broker, draining)
     * @param settings  tolerance and rate
     * @param registry  where the closes are counted ({@code chat_rebalance_closes_total})
     */
    Rebalancer(ChatCore core, String node, Supplier<CompletionStage<List<JsonNode>>> directory, GatewayConfig.Rebalance settings,
               MeterRegistry registry) {
        this.core = core;
        this.node = node;
        this.directory = directory;
        this.settings = settings;
        this.closed = Counter.builder("chat_rebalance_closes").description("sessions closed with 1012 to spread the load")
                .register(registry);
    }

    void start() {
        if (settings.enabled()) {
            long period = PERIOD.toMillis();
            timer.scheduleWithFixedDelay(this::round, period, period, TimeUnit.MILLISECONDS);
        }
    }

    private void round() {
        try {
            if (core.sessions().draining() || core.brokerState() != BrokerState.UP) {
                above = false;
                return;
            }
            int mine = core.sessions().count();
            Decision d = decide(mine, Await.result(directory.get(), PERIOD), System.currentTimeMillis());
            int shed = d.shed();
            if (shed > 0) {
                LOG.log(Level.INFO, "event=rebalance node={0} sessions={1} gateways={2} total={3} closing={4}", node,
                        String.valueOf(mine), String.valueOf(d.gateways()), String.valueOf(d.total()), String.valueOf(shed));
                close(shed);
            }
        } catch (RuntimeException e) {
            // the directory is on the broker: without it this round is skipped
            above = false;
            LOG.log(Level.DEBUG, "event=rebalance_skipped node={0} error={1}", node, e.toString());
        }
    }

    /** One round's decision: what to close, and what it was based on. */
    record Decision(int shed, int gateways, long total) {
    }

    /**
     * One round: what this gateway closes, from the node directory's snapshots.
     *
     * @param mine      this gateway's sessions now
     * @param snapshots the directory's snapshots (this gateway's own among them is ignored)
     * @param now       the time, in epoch milliseconds
     * @return the decision
     */
    Decision decide(int mine, List<JsonNode> snapshots, long now) {
        List<Integer> loads = new ArrayList<>();
        boolean recent = true;
        for (JsonNode n : snapshots) {
            long age = now - n.path("ts").asLong(0);
            if (!node.equals(n.path("node").asText()) && !n.path("draining").asBoolean(false)
                    && BrokerState.UP.name().equals(n.path("broker").asText()) && age <= FRESH.toMillis()) {
                loads.add(n.path("sessions").asInt(0));
                recent &= age <= RECENT.toMillis();
            }
        }
        loads.add(mine);
        long total = loads.stream().mapToLong(Integer::longValue).sum();
        int shed = toShed(mine, loads, settings.tolerance(), (int) (settings.rate() * PERIOD.toSeconds()));
        return new Decision(confirmed(shed, total, recent), loads.size(), total);
    }

    /**
     * What this round closes, given what the loads ask for: an excess seen in the previous round
     * too, while the total number of sessions holds steady (within {@link #SLACK} or 2 % of the
     * previous round's); after a round that closes, the next one only looks again. A total that
     * moves is a burst of connections (a storm of reconnects, a load test connecting): the
     * others' snapshots then lag this gateway's own count by up to a period, and an excess seen
     * against them is not real.
     *
     * An excess seen while a counted snapshot is not {@link #RECENT} neither acts nor counts as
     * the first of the two rounds.
     *
     * @param shed   what the loads ask for this round ({@link #toShed})
     * @param total  the sessions of every ready gateway this round saw, its own included
     * @param recent whether every other gateway counted wrote its snapshot within {@link #RECENT}
     * @return what to close now
     */
    int confirmed(int shed, long total, boolean recent) {
        boolean steady = lastTotal >= 0 && Math.abs(total - lastTotal) <= Math.max(SLACK, total / 50);
        lastTotal = total;
        boolean act = above && shed > 0 && steady && recent;
        above = shed > 0 && !act && recent;
        return act ? shed : 0;
    }

    /**
     * How many sessions a gateway should close this round.
     *
     * @param mine      its sessions
     * @param loads     the sessions of every ready gateway, its own included
     * @param tolerance how far above the fair share it may stay
     * @param budget    the most it may close in one round
     * @return the sessions to close, 0 when it is within the bound ({@code fair x (1 + tolerance) + SLACK})
     */
    static int toShed(int mine, Collection<Integer> loads, double tolerance, int budget) {
        if (loads.size() < 2) {
            return 0;
        }
        double fair = loads.stream().mapToLong(Integer::longValue).sum() / (double) loads.size();
        if (mine <= fair * (1 + tolerance) + SLACK) {
            return 0;
        }
        int least = Collections.min(loads);
        long excess = (long) Math.floor(mine - fair);
        long halfGap = (mine - least) / 2;
        return (int) Math.max(0, Math.min(Math.min(excess, halfGap), budget));
    }

    /** Closes {@code count} random sessions with 1012, spread over the period. */
    private void close(int count) {
        List<Session> sessions = new ArrayList<>(core.sessions().snapshot());
        Collections.shuffle(sessions);
        long pause = PERIOD.toMillis() / Math.max(1, count);
        for (int i = 0; i < Math.min(count, sessions.size()) && !core.sessions().draining()
                && !Thread.currentThread().isInterrupted(); i++) {
            sessions.get(i).out().close(CloseCode.RESTART, "rebalancing: reconnect with since", true);
            closed.increment();
            sleep(pause / 2 + ThreadLocalRandom.current().nextLong(pause / 2 + 1));
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
