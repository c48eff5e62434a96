package io.chatrelay.broker.redis;

import io.chatrelay.broker.Broker;
import io.chatrelay.broker.BrokerContract;
import io.chatrelay.broker.BrokerException;
import io.chatrelay.broker.BrokerState;
import io.chatrelay.broker.PresenceEntry;
import io.chatrelay.broker.HistoryPage;
import io.chatrelay.broker.PresenceStore;
import io.chatrelay.broker.StorageFullException;
import io.chatrelay.broker.StreamId;
import org.junit.jupiter.api.Test;
import org.testcontainers.containers.Container.ExecResult;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;

import java.time.Duration;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@link RedisBroker} on a real Redis 8 (Testcontainers) against the {@link BrokerContract}, each
 * node with its own broker (its own connections) on a key prefix unique to the test; subscriptions
 * are cut with {@code CLIENT KILL TYPE pubsub}. Plus what only Redis has: failing fast while it is
 * unreachable, ids that are the stream's entry ids, scripts reloaded after {@code SCRIPT FLUSH}.
 */
@Testcontainers
class RedisBrokerIT extends RedisBrokerContract {
    @Container
    static final GenericContainer<?> REDIS = new GenericContainer<>("redis:8.0").withExposedPorts(6379);

    private final String prefix = "t" + UUID.randomUUID().toString().substring(0, 8);

    private static String uri() {
        return "redis://" + REDIS.getHost() + ":" + REDIS.getMappedPort(6379);
    }

    @Override
    protected Broker newBroker(int historyMaxLen) {
        return new RedisBroker(new RedisSettings(uri(), prefix, historyMaxLen, Duration.ofSeconds(5), false));
    }

    @Override
    protected boolean interruptSubscriptions() throws Exception {
        redisCli("CLIENT", "KILL", "TYPE", "pubsub");
        return true;
    }

    private static String redisCli(String... command) throws Exception {
        String[] line = new String[command.length + 1];
        line[0] = "redis-cli";
        System.arraycopy(command, 0, line, 1, command.length);
        ExecResult result = REDIS.execInContainer(line);
        assertThat(result.getExitCode()).as(result.getStderr()).isZero();
        return result.getStdout().strip();
    }

    @Test
    void failsFastWhileRedisIsUnreachable() {
        Broker broker = new RedisBroker(new RedisSettings("redis://127.0.0.1:1", prefix, 10, Duration.ofSeconds(1), false));
        try {
            broker.start(new Recorder());
            long started = System.nanoTime();

            Throwable failure = failureOf(() -> broker.append("room:x", frame("x")));

            assertThat(failure).isInstanceOf(BrokerException.class);
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofMillis(500));
            assertThat(broker.state()).isNotEqualTo(BrokerState.UP);
        } finally {
            broker.close();
        }
    }

    @Test
    void refusesAppendsAsStorageFullWhenRedisIsAtItsMaxmemoryAndStoresNothing() throws Exception {
        Recorder listener = new Recorder();
        Broker broker = started(100, listener);
        get(broker.subscribe("room:full"));
        String used = redisCli("INFO", "memory").lines().filter(l -> l.startsWith("used_memory:")).findFirst().orElseThrow();
        long now = Long.parseLong(used.substring("used_memory:".length()).strip());
        redisCli("CONFIG", "SET", "maxmemory-policy", "noeviction");
        redisCli("CONFIG", "SET", "maxmemory", Long.toString(now + 64 * 1024));
        try {
            Throwable failure = null;
            for (int i = 0; i < 200 && failure == null; i++) {
                try {
                    get(broker.append("room:full", frame("x".repeat(4096))));
                } catch (io.chatrelay.broker.BrokerException e) {
                    failure = e;
                }
            }
            assertThat(failure).isInstanceOf(StorageFullException.class);
            // a refused append may free what it had buffered; keep Redis surely full for the rest
            redisCli("CONFIG", "SET", "maxmemory", "1");
            HistoryPage stored = get(broker.readBefore("room:full", null, 1000));
            int delivered = listener.frames("room:full").size();
            assertThatThrownBy(() -> get(broker.append("room:full", frame("refused"))))
                    .isInstanceOf(StorageFullException.class);
            assertThat(get(broker.readBefore("room:full", null, 1000)).frames()).hasSameSizeAs(stored.frames());
            Thread.sleep(200);
            assertThat(listener.frames("room:full")).as("nothing published for a refused append").hasSize(delivered);
        } finally {
            redisCli("CONFIG", "SET", "maxmemory", "0");
        }
    }

    /**
     * Every connection has an inbox topic, so a gateway's refresh and the sweep cover thousands of
     * topics every period: on a single Redis they are a few script calls, not one or two per topic.
     */
    @Test
    void refreshesAndSweepsManyTopicsInAFewCommands() throws Exception {
        Broker broker = started(100, new Recorder());
        PresenceStore a = presenceStore(broker, "gw-a", LONG_TTL, SWEEP);
        List<PresenceEntry> held = new java.util.ArrayList<>();
        for (int i = 0; i < 300; i++) {
            held.add(new PresenceEntry("inbox:user-" + i, "user-" + i));
            get(a.add("inbox:user-" + i, "user-" + i, "user-" + i));
        }
        get(a.add("room:big", "user-0", "user-0"));
        held.add(new PresenceEntry("room:big", "user-0"));

        redisCli("CONFIG", "RESETSTAT");
        assertThat(get(a.refresh(held))).as("nothing was gone").isEmpty();
        long refresh = commands();
        redisCli("CONFIG", "RESETSTAT");
        assertThat(get(a.sweepTopics()).gone()).as("nothing expired").isEmpty();
        long sweep = commands();

        assertThat(refresh).as("commands of a refresh of 301 topics").isBetween(1L, 16L);
        assertThat(sweep).as("commands of a sweep of 301 topics").isBetween(1L, 16L);
        assertThat(ids(get(a.members("inbox:user-299")))).containsExactly("user-299");
        assertThat(ids(get(a.members("room:big")))).containsExactly("user-0");
    }

    /**
     * The requests the presence store sent since Redis's statistics were reset: script calls and
     * the plain commands it sends (none of which its scripts run; {@code INFO commandstats} also
     * counts the commands run inside scripts).
     */
    private static long commands() throws Exception {
        java.util.Set<String> sent = java.util.Set.of("evalsha", "eval", "sadd", "srem", "set", "smembers", "exists");
        return redisCli("INFO", "commandstats").lines().filter(l -> l.startsWith("cmdstat_"))
                .filter(l -> sent.contains(l.substring("cmdstat_".length(), l.indexOf(':'))))
                .mapToLong(l -> Long.parseLong(l.replaceAll("^[^:]*:calls=(\\d+),.*", "$1"))).sum();
    }

    @Test
    void assignsTheStreamsEntryIds() throws Exception {
        Broker broker = started(100, new Recorder());

        String id = get(broker.append("room:i", frame("x")));

        assertThat(StreamId.isValid(id)).isTrue();
        String newest = redisCli("XREVRANGE", new RedisKeys(prefix).stream("room:i"), "+", "-", "COUNT", "1");
        assertThat(newest.lines().findFirst()).hasValue(id);
    }

    @Test
    void runsItsScriptsAgainAfterRedisForgotThem() throws Exception {
        Recorder listener = new Recorder();
        Broker broker = started(100, listener);
        PresenceStore presence = presenceStore(broker, "gw-a", LONG_TTL, SWEEP);
        get(broker.subscribe("room:noscript"));
        String before = get(broker.append("room:noscript", frame("before")));
        get(presence.add("room:noscript", "alice", "alice"));

        redisCli("SCRIPT", "FLUSH");

        String after = get(broker.append("room:noscript", frame("after")));
        assertThat(get(presence.add("room:noscript", "bob", "bob"))).isTrue();
        assertThat(get(presence.remove("room:noscript", "alice"))).isTrue();
        assertThat(get(presence.refresh(List.of(new PresenceEntry("room:noscript", "carol")))))
                .containsExactly(new PresenceEntry("room:noscript", "carol"));
        eventually().until(() -> listener.ids("room:noscript").size() == 2);
        assertThat(listener.ids("room:noscript")).containsExactly(before, after);
        assertThat(ids(get(presence.members("room:noscript")))).containsExactly("bob", "carol");
    }

    /**
     * After Redis forgot its scripts, an append met by {@code NOSCRIPT} is sent again with the
     * script's text; the appends issued behind it must still be stored after it (one sender's
     * messages in the order sent). Issued paced, so that some reach Redis after the first retry
     * cached the script again: before {@link ScriptCalls} held them, those were stored first.
     */
    @Test
    void keepsAppendsInTheOrderIssuedWhileRedisReloadsItsScripts() throws Exception {
        Broker broker = started(10_000, new Recorder());
        long retried = ((RedisBroker) broker).scripts.retried();
        for (int round = 0; round < 5; round++) {
            String topic = "room:order" + round;
            get(broker.append(topic, frame("warm")));
            redisCli("SCRIPT", "FLUSH");
            List<java.util.concurrent.CompletableFuture<String>> issued = new java.util.ArrayList<>();
            for (int i = 0; i < 300; i++) {
                issued.add(broker.append(topic, frame("m" + i)).toCompletableFuture());
                long until = System.nanoTime() + 30_000;
                while (System.nanoTime() < until) {
                    Thread.onSpinWait();
                }
            }
            List<String> ids = new java.util.ArrayList<>();
            for (java.util.concurrent.CompletableFuture<String> f : issued) {
                ids.add(get(f));
            }
            assertThat(ids).as("ids in the order the appends were issued (round %d)", round)
                    .isSortedAccordingTo(StreamId::compare).doesNotHaveDuplicates();
        }
        assertThat(((RedisBroker) broker).scripts.retried()).as("appends sent again with the script's text")
                .isGreaterThan(retried);
    }

    /**
     * As above, with a second gateway appending meanwhile: its own retry caches the script again
     * while this one's refused appends wait, so appends issued behind them run first. A refused
     * append is then answered "nothing was sent" rather than stored out of order: what was acked
     * is in the order issued and is exactly what the stream holds.
     */
    @Test
    void refusesRatherThanReordersWhenAnotherGatewayCachesTheScriptsMeanwhile() throws Exception {
        Broker broker = started(10_000, new Recorder());
        Broker other = started(10_000, new Recorder());
        for (int round = 0; round < 5; round++) {
            String topic = "room:race" + round;
            String warm = get(broker.append(topic, frame("warm")));
            redisCli("SCRIPT", "FLUSH");
            List<java.util.concurrent.CompletableFuture<String>> issued = new java.util.ArrayList<>();
            List<java.util.concurrent.CompletableFuture<String>> others = new java.util.ArrayList<>();
            for (int i = 0; i < 300; i++) {
                issued.add(broker.append(topic, frame("m" + i)).toCompletableFuture());
                if (i % 10 == 3) {
                    others.add(other.append("room:elsewhere", frame("o" + i)).toCompletableFuture());
                }
                long until = System.nanoTime() + 30_000;
                while (System.nanoTime() < until) {
                    Thread.onSpinWait();
                }
            }
            List<String> acked = new java.util.ArrayList<>();
            for (java.util.concurrent.CompletableFuture<String> f : issued) {
                try {
                    acked.add(get(f));
                } catch (BrokerException e) {
                    assertThat(e).hasMessageContaining("nothing was sent");
                }
            }
            for (java.util.concurrent.CompletableFuture<String> f : others) {
                // the other gateway's appends are held to the same rule (this one's retries cache the script for it)
                try {
                    assertThat(get(f)).isNotNull();
                } catch (BrokerException e) {
                    assertThat(e).hasMessageContaining("nothing was sent");
                }
            }
            assertThat(acked).as("acked ids in the order issued (round %d)", round)
                    .isSortedAccordingTo(StreamId::compare).doesNotHaveDuplicates();
            List<String> stored = get(broker.readBefore(topic, null, 1000)).frames().stream()
                    .map(io.chatrelay.broker.StoredFrame::id).filter(id -> !id.equals(warm)).toList();
            assertThat(stored).as("the stream holds exactly the acked appends").containsExactlyInAnyOrderElementsOf(acked);
        }
    }
}
