package io.chatrelay.broker.redis;

import io.chatrelay.broker.BrokerState;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The broker's state from the shards it reaches: up while they serve more than half of the slots. */
class ShardMonitorTest {
    private static RedisConnections.Shard shard(String node, int slots, boolean reachable) {
        return new RedisConnections.Shard(node, slots, reachable);
    }

    @Test
    void isUpWithOneOfThreeShardsDownAndDownWithTwo() {
        assertThat(ShardMonitor.state(List.of(shard("a", 5461, true), shard("b", 5462, true), shard("c", 5461, true))))
                .isEqualTo(BrokerState.UP);
        assertThat(ShardMonitor.state(List.of(shard("a", 5461, true), shard("b", 5462, false), shard("c", 5461, true))))
                .isEqualTo(BrokerState.UP);
        assertThat(ShardMonitor.state(List.of(shard("a", 5461, false), shard("b", 5462, true), shard("c", 5461, false))))
                .isEqualTo(BrokerState.DOWN);
    }

    @Test
    void isDownWithExactlyHalfOfTheSlotsOrNoneKnown() {
        assertThat(ShardMonitor.state(List.of(shard("a", 8192, true), shard("b", 8192, false)))).isEqualTo(BrokerState.DOWN);
        assertThat(ShardMonitor.state(List.of())).isEqualTo(BrokerState.DOWN);
    }

    @Test
    void aSingleRedisIsAllOrNothing() {
        assertThat(ShardMonitor.state(List.of(shard("redis", 16384, true)))).isEqualTo(BrokerState.UP);
        assertThat(ShardMonitor.state(List.of(shard("redis", 16384, false)))).isEqualTo(BrokerState.DOWN);
    }

    @Test
    void slotsNobodyServesCountAsUnreachable() {
        // a master that owns only a third of the slots while the rest are uncovered
        assertThat(ShardMonitor.state(List.of(shard("a", 5461, true)))).isEqualTo(BrokerState.DOWN);
    }
}
