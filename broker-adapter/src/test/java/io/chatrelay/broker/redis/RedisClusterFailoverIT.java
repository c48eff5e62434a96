package io.chatrelay.broker.redis;

import io.chatrelay.broker.Appended;
import io.chatrelay.broker.AppendOptions;
import io.chatrelay.broker.Broker;
import io.chatrelay.broker.BrokerContract.Recorder;
import io.chatrelay.broker.BrokerException;
import io.chatrelay.broker.BrokerState;
import io.chatrelay.broker.FrameMeta;
import io.chatrelay.broker.FrameTemplate;
import io.chatrelay.broker.OutcomeUnknownException;
import io.chatrelay.broker.StreamId;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@link RedisBroker} on a Redis Cluster of three masters with one replica each, under faults:
 * the {@code REPLICA} durability mode ({@code WAIT 1} on the connection that ran the append), a
 * whole shard down (master and replica killed: the other shards' topics carry on), and a master
 * killed while a topic is written (its replica takes over, no acknowledged append is lost). The
 * node timeout is 2 s here (5 s in the compose file), so a failover takes about 3 s.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class RedisClusterFailoverIT {
    private static final Logger LOG = Logger.getLogger(RedisClusterFailoverIT.class.getName());
    private static final Duration WAIT_TIMEOUT = Duration.ofMillis(300);
    private static final FrameMeta META = new FrameMeta("message", "tester", 1L);
    private static TestCluster cluster;

    private final String prefix = "f" + UUID.randomUUID().toString().substring(0, 8);
    private final List<Broker> brokers = new ArrayList<>();

    @BeforeAll
    static void startCluster() throws Exception {
        cluster = TestCluster.start(3, 1, "--cluster-node-timeout", "2000", "--cluster-require-full-coverage", "no");
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @AfterEach
    void closeBrokers() {
        brokers.forEach(Broker::close);
    }

    private Broker broker(RedisSettings.Durability durability, Recorder listener) {
        Broker broker = new RedisBroker(new RedisSettings(cluster.seeds(), prefix, 1000, Duration.ofSeconds(5), true, durability,
                WAIT_TIMEOUT));
        brokers.add(broker);
        broker.start(listener);
        await().atMost(Duration.ofSeconds(10)).until(() -> broker.state() == BrokerState.UP);
        return broker;
    }

    private static FrameTemplate frame(String text) {
        return new FrameTemplate(META, "{\"id\":\"", "\",\"text\":\"" + text + "\"}");
    }

    private static <T> T get(java.util.concurrent.CompletionStage<T> stage) throws Exception {
        try {
            return stage.toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception cause ? cause : e;
        }
    }

    private static Throwable failureOf(java.util.concurrent.CompletionStage<?> stage) {
        try {
            return new AssertionError("completed with " + get(stage));
        } catch (Exception e) {
            return e;
        }
    }

    private String stream(String topic) {
        return new RedisKeys(prefix, true).stream(topic);
    }

    /**
     * What waiting for a replica costs an append, measured (and logged for docs/scaling.md): the
     * same appends in both modes, alternating in blocks, one at a time (latency) and from 16
     * concurrent senders (throughput), on this test's cluster (all nodes on one machine: the
     * replication round trip is a loopback one). Only sanity is asserted.
     */
    @Test
    @Order(0)
    void measuresWhatWaitingForAReplicaCosts() throws Exception {
        Broker async = broker(RedisSettings.Durability.ASYNC, new Recorder());
        Broker replica = broker(RedisSettings.Durability.REPLICA, new Recorder());
        String topic = cluster.topicOn(cluster.masterPorts().getFirst(), "room:cost");
        List<Long> asyncNanos = new ArrayList<>();
        List<Long> replicaNanos = new ArrayList<>();
        for (int block = 0; block < 12; block++) {
            boolean warm = block >= 2;
            for (Broker b : List.of(async, replica)) {
                for (int i = 0; i < 100; i++) {
                    long t0 = System.nanoTime();
                    get(b.append(topic, frame("cost"), AppendOptions.NONE));
                    if (warm) {
                        (b == async ? asyncNanos : replicaNanos).add(System.nanoTime() - t0);
                    }
                }
            }
        }
        double asyncRate = throughput(async, topic);
        double replicaRate = throughput(replica, topic);
        LOG.info(() -> String.format("append latency, one at a time (ms): async %s; replica %s. 16 concurrent senders: async %.0f"
                + " appends/s, replica %.0f appends/s", percentiles(asyncNanos), percentiles(replicaNanos), asyncRate, replicaRate));
        assertThat(percentile(replicaNanos, 0.5)).as("replica mode p50 (ns)").isLessThan(TimeUnit.MILLISECONDS.toNanos(50));
        assertThat(replicaRate).isPositive();
    }

    /** Appends per second from 16 concurrent senders over 3 s. */
    private static double throughput(Broker broker, String topic) throws Exception {
        AtomicLong done = new AtomicLong();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
        List<Thread> senders = new ArrayList<>();
        for (int s = 0; s < 16; s++) {
            senders.add(Thread.ofVirtual().start(() -> {
                while (System.nanoTime() < end) {
                    try {
                        get(broker.append(topic, frame("rate"), AppendOptions.NONE));
                        done.incrementAndGet();
                    } catch (Exception e) {
                        return;
                    }
                }
            }));
        }
        for (Thread t : senders) {
            t.join(Duration.ofSeconds(20));
        }
        return done.get() / 3.0;
    }

    private static long percentile(List<Long> nanos, double p) {
        List<Long> sorted = nanos.stream().sorted().toList();
        return sorted.get((int) Math.min(sorted.size() - 1, Math.floor(p * sorted.size())));
    }

    private static String percentiles(List<Long> nanos) {
        return String.format("p50 %.2f, p90 %.2f, p99 %.2f, max %.2f", percentile(nanos, 0.5) / 1e6, percentile(nanos, 0.9) / 1e6,
                percentile(nanos, 0.99) / 1e6, percentile(nanos, 1.0) / 1e6);
    }

    @Test
    @Order(1)
    void anAppendIsAcknowledgedOnlyOnceAReplicaHasIt() throws Exception {
        Recorder seen = new Recorder();
        Broker subscriber = broker(RedisSettings.Durability.ASYNC, seen);
        Broker durable = broker(RedisSettings.Durability.REPLICA, new Recorder());
        Broker other = broker(RedisSettings.Durability.REPLICA, new Recorder());
        Broker async = broker(RedisSettings.Durability.ASYNC, new Recorder());
        String topic = cluster.topicOn(cluster.masterPorts().getFirst(), "room:wait");
        get(subscriber.subscribe(topic));
        AppendOptions once = new AppendOptions(Duration.ZERO).dedup("alice:c1", Duration.ofMinutes(1));
        Appended before = get(durable.append(topic, frame("before"), AppendOptions.NONE));
        assertThat(before.duplicate()).isFalse();

        int replica = cluster.replicaOf(cluster.masterOf(topic));
        cluster.pause(replica);
        try {
            long t0 = System.nanoTime();
            assertThat(failureOf(durable.append(topic, frame("paused"), once))).isInstanceOf(OutcomeUnknownException.class);
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).as("reported after the WAIT timeout")
                    .isGreaterThanOrEqualTo(WAIT_TIMEOUT.toMillis() - 50).isLessThan(3000);
            assertThat(cluster.cli(cluster.masterOf(topic), "XLEN", stream(topic))).as("stored on the master").isEqualTo("2");
            // a retry over another connection (another gateway) must not be confirmed by a WAIT that
            // counts none of its own writes
            assertThat(failureOf(other.append(topic, frame("paused"), once))).isInstanceOf(OutcomeUnknownException.class);
            // the mode makes the difference: without WAIT the same append is acknowledged
            assertThat(get(async.append(topic, frame("async"), AppendOptions.NONE)).id()).isNotBlank();
        } finally {
            cluster.unpause(replica);
        }
        Appended retried = await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).ignoreExceptions()
                .until(() -> get(other.append(topic, frame("paused"), once)), a -> a != null);
        assertThat(retried.duplicate()).as("the first attempt was stored: the retry answers its id").isTrue();
        await().atMost(Duration.ofSeconds(5)).until(() -> seen.ids(topic).size() == 3);
        assertThat(seen.ids(topic)).doesNotHaveDuplicates().contains(before.id(), retried.id());
        assertThat(cluster.cli(replica, "INFO", "replication")).contains("master_link_status:up");
    }

    @Test
    @Order(2)
    void aShardThatIsDownFailsOnlyItsOwnTopics() throws Exception {
        Recorder seen = new Recorder();
        Broker subscriber = broker(RedisSettings.Durability.ASYNC, seen);
        Broker writer = broker(RedisSettings.Durability.ASYNC, new Recorder());
        List<String> topics = cluster.topics("room:shard", 3);
        for (String topic : topics) {
            get(subscriber.subscribe(topic));
        }
        String down = topics.getLast();
        int master = cluster.masterOf(down);
        int replica = cluster.replicaOf(master);
        cluster.kill(replica);
        cluster.kill(master);
        long killed = System.nanoTime();

        await("appends on the stopped shard fail").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
                .until(() -> failureOf(writer.append(down, frame("lost"), AppendOptions.NONE)) instanceof BrokerException);
        Throwable failure = failureOf(writer.append(down, frame("lost"), AppendOptions.NONE));
        assertThat(failure).isInstanceOf(BrokerException.class).isNotInstanceOf(OutcomeUnknownException.class);
        // longer than the node timeout: the other masters have marked the shard failed meanwhile
        List<String> healthy = topics.subList(0, 2);
        List<String> acked = new ArrayList<>();
        while (System.nanoTime() - killed < TimeUnit.SECONDS.toNanos(4)) {
            for (String topic : healthy) {
                long t0 = System.nanoTime();
                String id = get(writer.append(topic, frame("on"), AppendOptions.NONE)).id();
                acked.add(id);
                await().atMost(Duration.ofSeconds(2)).until(() -> seen.has(topic, id));
                assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).as("live delivery").isLessThan(2000);
            }
        }
        assertThat(writer.state()).isEqualTo(BrokerState.UP);
        assertThat(subscriber.state()).isEqualTo(BrokerState.UP);
        assertThat(acked).hasSizeGreaterThan(10);

        cluster.restart(master);
        cluster.restart(replica);
        cluster.awaitHealthy(3, 3);
        String back = await("appends on the shard work again").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200))
                .ignoreExceptions().until(() -> get(writer.append(down, frame("back"), AppendOptions.NONE)).id(), id -> id != null);
        await("the subscription of its topic caught up").atMost(Duration.ofSeconds(10)).until(() -> seen.has(down, back));
        for (String topic : topics) {
            assertThat(seen.ids(topic)).doesNotHaveDuplicates().isSortedAccordingTo((a, b) -> StreamId.parse(a).compareTo(StreamId.parse(b)));
        }
    }

    @Test
    @Order(3)
    void aKilledMasterIsReplacedByItsReplicaWithoutLosingAnAcknowledgedAppend() throws Exception {
        Recorder seen = new Recorder();
        Broker subscriber = broker(RedisSettings.Durability.ASYNC, seen);
        Broker writer = broker(RedisSettings.Durability.REPLICA, new Recorder());
        String topic = cluster.topicOn(cluster.masterPorts().get(1), "room:failover");
        get(subscriber.subscribe(topic));
        int master = cluster.masterOf(topic);
        int replica = cluster.replicaOf(master);

        List<String> acked = new CopyOnWriteArrayList<>();
        AtomicLong unknown = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        AtomicLong lastAck = new AtomicLong();
        AtomicBoolean stop = new AtomicBoolean();
        Thread appender = Thread.ofVirtual().start(() -> {
            for (int n = 0; !stop.get(); n++) {
                try {
                    acked.add(get(writer.append(topic, frame("m" + n), AppendOptions.NONE)).id());
                    lastAck.set(System.nanoTime());
                } catch (OutcomeUnknownException e) {
                    unknown.incrementAndGet();
                } catch (Exception e) {
                    failed.incrementAndGet();
                }
                try {
                    Thread.sleep(20); // the sending pace, not a synchronisation
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        try {
            await().atMost(Duration.ofSeconds(10)).until(() -> acked.size() >= 20);
            long killed = System.nanoTime();
            cluster.kill(master);
            await("the replica is promoted").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).ignoreExceptions()
                    .until(() -> {
                        cluster.readTopology();
                        return cluster.masterOf(topic) == replica;
                    });
            long promoted = System.nanoTime();
            // the promoted replica has no replica of its own until the old master is back: until
            // then appends in REPLICA mode are stored but unconfirmed (outcome unknown)
            cluster.restart(master);
            await("acknowledged again").atMost(Duration.ofSeconds(30)).until(() -> lastAck.get() > promoted);
            long resumed = System.nanoTime();
            int before = acked.size();
            await().atMost(Duration.ofSeconds(10)).until(() -> acked.size() >= before + 20);
            LOG.info(() -> String.format("master killed: replica promoted after %d ms, acknowledgements again after %d ms;"
                    + " %d acknowledged, %d unknown, %d failed", TimeUnit.NANOSECONDS.toMillis(promoted - killed),
                    TimeUnit.NANOSECONDS.toMillis(resumed - killed), acked.size(), unknown.get(), failed.get()));
        } finally {
            stop.set(true);
            appender.join(Duration.ofSeconds(15));
        }
        assertThat(writer.state()).isEqualTo(BrokerState.UP);
        List<String> stored = List.of(cluster.cli(cluster.masterOf(topic), "XRANGE", stream(topic), "-", "+").split("\n"));
        assertThat(stored).as("every acknowledged append survived the failover").containsAll(acked);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(seen.ids(topic)).containsAll(acked));
        assertThat(seen.ids(topic)).doesNotHaveDuplicates()
                .isSortedAccordingTo((a, b) -> StreamId.parse(a).compareTo(StreamId.parse(b)));
    }

    /**
     * What the default mode costs: an append acknowledged in {@code ASYNC} mode whose master dies
     * before its replica received it is gone after the failover, while the same append in
     * {@code REPLICA} mode is never acknowledged (outcome unknown). The replica is cut off
     * deterministically: paused, its replication link closed by the master
     * ({@code CLIENT KILL TYPE replica}), so nothing written afterwards is on its way to it; then
     * the master is killed and the replica, unpaused, is promoted without those appends.
     */
    @Test
    @Order(4)
    void anAsyncAcknowledgementIsLostWhenItsMasterDiesBeforeTheReplicaHasIt() throws Exception {
        cluster.awaitHealthy(3, 3);
        Broker async = broker(RedisSettings.Durability.ASYNC, new Recorder());
        Broker durable = broker(RedisSettings.Durability.REPLICA, new Recorder());
        String topic = cluster.topicOn(cluster.masterPorts().getFirst(), "room:async");
        int master = cluster.masterOf(topic);
        int replica = cluster.replicaOf(master);
        String kept = get(durable.append(topic, frame("confirmed"), AppendOptions.NONE)).id();

        List<String> asyncAcked = new ArrayList<>();
        cluster.pause(replica);
        try {
            cluster.cli(master, "CLIENT", "KILL", "TYPE", "replica");
            for (int i = 0; i < 3; i++) {
                asyncAcked.add(get(async.append(topic, frame("async " + i), AppendOptions.NONE)).id());
            }
            assertThat(failureOf(durable.append(topic, frame("durable"), AppendOptions.NONE)))
                    .as("the same append in REPLICA mode is not acknowledged").isInstanceOf(OutcomeUnknownException.class);
            assertThat(cluster.cli(master, "XLEN", stream(topic))).as("the master has them all").isEqualTo("5");
            cluster.kill(master);
        } finally {
            cluster.unpause(replica);
        }
        await("the replica is promoted").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).ignoreExceptions()
                .until(() -> {
                    cluster.readTopology();
                    return cluster.masterOf(topic) == replica;
                });
        List<String> stored = List.of(cluster.cli(replica, "XRANGE", stream(topic), "-", "+").split("\n"));
        LOG.info(() -> "async mode: " + asyncAcked.size() + " acknowledged appends lost by the failover; stored now: " + stored.size()
                + " lines");
        assertThat(stored).as("what a replica confirmed survived").contains(kept);
        assertThat(stored).as("the appends acknowledged in ASYNC mode after the replica was cut off are gone")
                .doesNotContainAnyElementsOf(asyncAcked);
        cluster.restart(master);
        cluster.awaitHealthy(3, 3);
    }
}
