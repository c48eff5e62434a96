package io.chatrelay.broker.redis;

import io.chatrelay.broker.Broker;
import io.chatrelay.broker.BrokerContract;
import io.chatrelay.broker.PresenceStore;
import io.chatrelay.broker.ReadState;
import io.lettuce.core.cluster.SlotHash;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link RedisBroker} on a three-master Redis Cluster against the {@link BrokerContract}: three
 * {@code redis:8.0} containers on the host network ({@link TestCluster}). Topics of a test are
 * spread over the three shards ({@link #topics}), and a marker topic is put in the same hash slot
 * as the topic it follows ({@link #topicBeside}), since only one shard's frames arrive in order
 * with each other.
 */
class RedisClusterBrokerIT extends RedisBrokerContract {
    private static TestCluster cluster;

    private final String prefix = "c" + UUID.randomUUID().toString().substring(0, 8);

    @BeforeAll
    static void startCluster() throws Exception {
        cluster = TestCluster.start(3, 0);
        assertThat(cluster.masterPorts()).hasSize(3);
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private static String redisCli(int port, String... command) throws Exception {
        return cluster.cli(port, command);
    }

    private static String seeds() {
        return cluster.seeds();
    }

    private static int slot(String topic) {
        return SlotHash.getSlot("{" + topic + "}");
    }

    /** The port of the master that serves a topic's keys. */
    private static int portOf(String topic) {
        return cluster.masterOf(topic);
    }

    @Override
    protected Broker newBroker(int historyMaxLen) {
        return new RedisBroker(new RedisSettings(seeds(), prefix, historyMaxLen, Duration.ofSeconds(5), true));
    }

    @Override
    protected boolean interruptSubscriptions() throws Exception {
        for (int port : cluster.masterPorts()) {
            redisCli(port, "CLIENT", "KILL", "TYPE", "pubsub");
        }
        return true;
    }

    /** Each shard's connection is cut and restored on its own: the broker stays up (most slots reachable). */
    @Override
    protected boolean interruptionTakesTheBrokerDown() {
        return false;
    }

    /** Consecutive topics on different shards, so that a test with three topics uses all three. */
    @Override
    protected List<String> topics(String base, int count) {
        return cluster.topics(base, count);
    }

    /** A topic in the same hash slot, so that its frames come over the same shard connection. */
    @Override
    protected String topicBeside(String topic) {
        for (int n = 0; ; n++) {
            String beside = topic + "-beside-" + n;
            if (slot(beside) == slot(topic)) {
                return beside;
            }
        }
    }

    @Test
    void spreadsTopicsOverEveryShard() {
        List<String> topics = topics("room:spread", 3);

        assertThat(topics).extracting(RedisClusterBrokerIT::portOf).containsExactlyInAnyOrderElementsOf(cluster.masterPorts());
        assertThat(slot(topicBeside(topics.getFirst()))).isEqualTo(slot(topics.getFirst()));
    }

    @Test
    void keepsEachTopicsStreamPresenceAndReadStateOnTheShardOfItsHashTag() throws Exception {
        Broker broker = started(100, new Recorder());
        PresenceStore presence = presenceStore(broker, "gw-a", LONG_TTL, SWEEP);
        ReadState reads = readState(broker);
        RedisKeys keys = new RedisKeys(prefix, true);

        for (String topic : topics("room:keys", 3)) {
            String id = get(broker.append(topic, frame("x")));
            get(presence.add(topic, "alice", "alice"));
            get(reads.markRead("alice", topic, id));
            get(reads.receipt(topic, "alice", id));

            assertThat(redisCli(portOf(topic), "EXISTS", keys.stream(topic), keys.presence(topic), keys.presenceCounts(topic),
                    keys.readCursors(topic), keys.receipts(topic))).as(topic).isEqualTo("5");
            String listed = keys.presenceTopics(keys.sweepBucket(topic));
            assertThat(redisCli(cluster.masterOfKey(listed), "SISMEMBER", listed, topic)).as("listed for the sweep").isEqualTo("1");
            assertThat(get(reads.cursors("alice", java.util.List.of(topic)))).containsEntry(topic, id);
        }
    }
}
