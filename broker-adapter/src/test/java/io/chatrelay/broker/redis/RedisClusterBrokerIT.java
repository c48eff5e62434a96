package io.chatrelay.broker.redis;

import io.chatrelay.broker.BrokerState;
import io.chatrelay.broker.FrameTemplate;
import io.chatrelay.broker.HistoryPage;
import io.chatrelay.broker.PresenceEntry;
import io.chatrelay.broker.StoredFrame;
import io.lettuce.core.cluster.SlotHash;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;

import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@link RedisBroker} on a three-master Redis Cluster (three {@code redis:8.0} containers on the
 * host network, bound to 127.0.0.1, so the addresses the nodes announce are reachable from the
 * test): sharded Pub/Sub, history and presence for topics spread over every shard.
 */
class RedisClusterBrokerIT {
    private static final List<GenericContainer<?>> NODES = new ArrayList<>();
    private static final List<Integer> PORTS = new ArrayList<>();
    private final List<RedisBroker> brokers = new ArrayList<>();
    private final String prefix = "c" + UUID.randomUUID().toString().substring(0, 6);

    @BeforeAll
    static void startCluster() throws Exception {
        for (int i = 0; i < 3; i++) {
            int port = freePort();
            PORTS.add(port);
            GenericContainer<?> node = new GenericContainer<>("redis:8.0")
                    .withNetworkMode("host")
                    .withCommand("redis-server", "--port", Integer.toString(port), "--bind", "127.0.0.1",
                            "--cluster-enabled", "yes", "--cluster-config-file", "nodes-" + port + ".conf",
                            "--save", "", "--appendonly", "no")
                    .waitingFor(Wait.forLogMessage(".*Ready to accept connections.*", 1));
            node.start();
            NODES.add(node);
        }
        var create = NODES.getFirst().execInContainer("redis-cli", "--cluster", "create",
                "127.0.0.1:" + PORTS.get(0), "127.0.0.1:" + PORTS.get(1), "127.0.0.1:" + PORTS.get(2), "--cluster-yes");
        assertThat(create.getExitCode()).as(create.getStdout() + create.getStderr()).isZero();
        await().atMost(Duration.ofSeconds(30)).until(() -> NODES.getFirst()
                .execInContainer("redis-cli", "-p", Integer.toString(PORTS.getFirst()), "cluster", "info")
                .getStdout().contains("cluster_state:ok"));
    }

    @AfterAll
    static void stopCluster() {
        NODES.forEach(GenericContainer::stop);
    }

    @AfterEach
    void closeBrokers() {
        brokers.forEach(RedisBroker::close);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static String seeds() {
        return "redis://127.0.0.1:" + PORTS.get(0) + ",redis://127.0.0.1:" + PORTS.get(1);
    }

    private RedisBroker started(RedisBrokerIT.Recorder recorder) {
        RedisBroker broker = new RedisBroker(new RedisSettings(seeds(), prefix, 1000, Duration.ofSeconds(5), true));
        brokers.add(broker);
        broker.start(recorder);
        await().atMost(Duration.ofSeconds(15)).until(() -> broker.state() == BrokerState.UP);
        return broker;
    }

    private static <T> T get(java.util.concurrent.CompletionStage<T> stage) throws Exception {
        return stage.toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    /** Topic names whose keys land on every one of the three shards. */
    private List<String> topicsOnEveryShard() {
        RedisKeys keys = new RedisKeys(prefix);
        List<String> topics = new ArrayList<>();
        Set<Integer> shards = new HashSet<>();
        for (int i = 0; shards.size() < 3 && i < 1000; i++) {
            String topic = "room:r" + i;
            int shard = SlotHash.getSlot(keys.stream(topic)) * 3 / SlotHash.SLOT_COUNT;
            if (shards.add(shard)) {
                topics.add(topic);
            }
        }
        return topics;
    }

    @Test
    void deliversStoresAndReadsTopicsOnEveryShard() throws Exception {
        RedisBrokerIT.Recorder sub = new RedisBrokerIT.Recorder();
        RedisBroker publisher = started(new RedisBrokerIT.Recorder());
        RedisBroker subscriber = started(sub);
        List<String> topics = topicsOnEveryShard();
        assertThat(topics).hasSize(3);
        for (String topic : topics) {
            get(subscriber.subscribe(topic));
        }
        List<String> ids = new ArrayList<>();
        for (String topic : topics) {
            for (int i = 0; i < 5; i++) {
                ids.add(get(publisher.append(topic, new FrameTemplate("{\"t\":\"" + topic + "\",\"id\":\"", "\"}"))));
            }
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> sub.frames.size() == 15);
        assertThat(sub.frames).extracting(StoredFrame::id).containsExactlyInAnyOrderElementsOf(ids);
        for (String topic : topics) {
            HistoryPage page = get(publisher.readBefore(topic, null, 10));
            assertThat(page.frames()).hasSize(5).allMatch(f -> f.frame().contains(topic));
        }
        get(publisher.publish(topics.get(2), "{\"type\":\"typing\"}"));
        await().atMost(Duration.ofSeconds(10)).until(() -> sub.frames.stream().anyMatch(StoredFrame::ephemeral));
    }

    @Test
    void keepsPresencePerShardAndSweepsIt() throws Exception {
        RedisBroker broker = started(new RedisBrokerIT.Recorder());
        List<String> topics = topicsOnEveryShard();
        for (String topic : topics) {
            assertThat(get(broker.addPresence(topic, "ann", "gw1", 300))).isTrue();
        }
        for (String topic : topics) {
            assertThat(get(broker.presence(topic))).containsExactly("ann");
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> get(broker.presence(topics.getFirst())).isEmpty());
        List<PresenceEntry> gone = get(broker.sweepPresence(1000));
        assertThat(gone).extracting(PresenceEntry::topic).containsExactlyInAnyOrderElementsOf(topics);
    }

    @Test
    void recoversFramesPublishedWhileShardSubscriptionsWereCut() throws Exception {
        RedisBrokerIT.Recorder sub = new RedisBrokerIT.Recorder();
        RedisBroker publisher = started(new RedisBrokerIT.Recorder());
        RedisBroker subscriber = started(sub);
        List<String> topics = topicsOnEveryShard();
        for (String topic : topics) {
            get(subscriber.subscribe(topic));
        }
        List<String> ids = new ArrayList<>();
        for (int port : PORTS) {
            try (var admin = io.lettuce.core.RedisClient.create("redis://127.0.0.1:" + port); var c = admin.connect()) {
                c.sync().clientKill(io.lettuce.core.KillArgs.Builder.typePubsub());
            }
        }
        for (String topic : topics) {
            for (int i = 0; i < 5; i++) {
                ids.add(get(publisher.append(topic, new FrameTemplate("", ""))));
            }
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> sub.frames.size() >= ids.size());
        assertThat(sub.frames).extracting(StoredFrame::id).containsExactlyInAnyOrderElementsOf(ids);
    }
}
