package io.chatrelay.broker.redis;

import io.lettuce.core.cluster.SlotHash;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Where the presence sweep lists a topic: in a cluster, in a key of the topic's own slot range. */
class RedisKeysTest {
    @Test
    void eachSweepBucketKeyLivesInItsOwnRangeOfSlots() {
        RedisKeys keys = new RedisKeys("chat", true);
        assertThat(keys.sweepBuckets()).isEqualTo(RedisKeys.SWEEP_BUCKETS);
        for (int bucket = 0; bucket < keys.sweepBuckets(); bucket++) {
            int from = bucket * RedisKeys.SLOTS_PER_BUCKET;
            assertThat(SlotHash.getSlot(keys.presenceTopics(bucket))).isBetween(from, from + RedisKeys.SLOTS_PER_BUCKET - 1);
            assertThat(SlotHash.getSlot(keys.sweepLock(bucket))).isEqualTo(SlotHash.getSlot(keys.presenceTopics(bucket)));
        }
    }

    @Test
    void aTopicIsListedInTheBucketOfItsSlot() {
        RedisKeys keys = new RedisKeys("chat", true);
        for (int i = 0; i < 1000; i++) {
            String topic = "room:r" + i;
            int slot = SlotHash.getSlot(keys.stream(topic));
            int bucket = keys.sweepBucket(topic);
            assertThat(bucket).isEqualTo(slot / RedisKeys.SLOTS_PER_BUCKET);
            assertThat(SlotHash.getSlot(keys.presenceTopics(bucket)) / RedisKeys.SLOTS_PER_BUCKET).isEqualTo(slot / RedisKeys.SLOTS_PER_BUCKET);
        }
    }

    @Test
    void aSingleRedisKeepsOneListAndOneLock() {
        RedisKeys keys = new RedisKeys("chat");
        assertThat(keys.sweepBuckets()).isEqualTo(1);
        assertThat(keys.sweepBucket("room:any")).isZero();
        assertThat(keys.presenceTopics(0)).isEqualTo("chat:presence-topics");
        assertThat(keys.sweepLock(0)).isEqualTo("chat:presence-sweep-lock");
    }
}
