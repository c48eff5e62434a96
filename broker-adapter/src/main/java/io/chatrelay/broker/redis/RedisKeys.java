package io.chatrelay.broker.redis;

import io.lettuce.core.cluster.SlotHash;

/**
 * Key and channel names. A topic's keys share the hash tag {@code {topic}}, so that in a cluster
 * one topic lives on one shard and one script may touch all of them.
 *
 * <p>The presence sweep's list of topics is split in a cluster: {@value #SWEEP_BUCKETS} buckets,
 * each for a range of {@value #SLOTS_PER_BUCKET} consecutive slots and kept in a key of that
 * range, so that a topic is listed on the shard that serves its slot (unless its bucket's range
 * straddles two shards) and a shard that is down holds up only the sweep of its own topics.
 */
final class RedisKeys {
    /** Buckets of the presence sweep in a cluster. */
    static final int SWEEP_BUCKETS = 128;
    /** Consecutive slots per bucket. */
    static final int SLOTS_PER_BUCKET = SlotHash.SLOT_COUNT / SWEEP_BUCKETS;

    private final String prefix;
    private final String channelPrefix;
    private final String[] bucketTags;

    /**
     * Names for a single Redis (one sweep bucket).
     *
     * @param prefix the prefix of every key and channel
     */
    RedisKeys(String prefix) {
        this(prefix, false);
    }

    /**
     * Names for a single Redis or a cluster.
     *
     * @param prefix  the prefix of every key and channel
     * @param cluster whether the presence sweep's list is split by slot ranges
     */
    RedisKeys(String prefix, boolean cluster) {
        this.prefix = prefix;
        this.channelPrefix = prefix + ":{";
        this.bucketTags = cluster ? bucketTags() : null;
    }

    /** For each bucket, a hash tag whose slot is in the bucket's range. */
    private static String[] bucketTags() {
        String[] tags = new String[SWEEP_BUCKETS];
        int found = 0;
        for (int n = 0; found < SWEEP_BUCKETS; n++) {
            String tag = "pt" + n;
            int bucket = SlotHash.getSlot(tag) / SLOTS_PER_BUCKET;
            if (tags[bucket] == null) {
                tags[bucket] = tag;
                found++;
            }
        }
        return tags;
    }

    String stream(String topic) {
        return prefix + ":{" + topic + "}:log";
    }

    String channel(String topic) {
        return channelPrefix + topic + "}:ch";
    }

    /** A dedup key of a topic (in its hash slot). */
    String dedup(String topic, String key) {
        return prefix + ":{" + topic + "}:dedup:" + key;
    }

    /** A counted set of a topic (in its hash slot). */
    String countedSet(String topic, String set) {
        return prefix + ":{" + topic + "}:set:" + set;
    }

    /** The names of a group's non-empty counted sets (in the topic's slot). */
    String countedGroup(String topic, String group) {
        return prefix + ":{" + topic + "}:group:" + group;
    }

    /** A room's restrictions of a kind (in the room's slot). */
    String restrictions(String topic, String kind) {
        return prefix + ":{" + topic + "}:" + kind;
    }

    /** The event log (webhooks), with its dead letters in the same slot. */
    String events() {
        return prefix + ":{events}:log";
    }

    /** The event log's dead letters. */
    String deadEvents() {
        return prefix + ":{events}:dead";
    }

    /** A room's read cursors, user to last id read (in the room's slot). */
    String readCursors(String topic) {
        return prefix + ":{" + topic + "}:read";
    }

    /** A room's read receipts (in the room's slot). */
    String receipts(String topic) {
        return prefix + ":{" + topic + "}:receipts";
    }

    String presence(String topic) {
        return prefix + ":{" + topic + "}:presence";
    }

    String presenceCounts(String topic) {
        return prefix + ":{" + topic + "}:present";
    }

    /** The members present in a topic, in id order (a sorted set, every score 0, read by lex range). */
    String presenceIndex(String topic) {
        return prefix + ":{" + topic + "}:presence-index";
    }

    String presenceNames(String topic) {
        return prefix + ":{" + topic + "}:names";
    }

    /** How many buckets the presence sweep's list has. */
    int sweepBuckets() {
        return bucketTags == null ? 1 : SWEEP_BUCKETS;
    }

    /** The bucket of the presence sweep that lists a topic: the one of the topic's slot range. */
    int sweepBucket(String topic) {
        return scriptGroup(topic) / SLOTS_PER_BUCKET;
    }

    /**
     * Which topics one script call may cover together: those whose keys share a hash slot in a
     * cluster (the slot); on a single Redis, all (0).
     */
    int scriptGroup(String topic) {
        return bucketTags == null ? 0 : SlotHash.getSlot(presence(topic));
    }

    /** The topics with presence entries, of one bucket. */
    String presenceTopics(int bucket) {
        return bucketTags == null ? prefix + ":presence-topics" : prefix + ":{" + bucketTags[bucket] + "}:presence-topics";
    }

    String known(String user) {
        return prefix + ":known:{" + user + "}";
    }

    /** The lock of one bucket's sweep (in the bucket's slot). */
    String sweepLock(int bucket) {
        return bucketTags == null ? prefix + ":presence-sweep-lock" : prefix + ":{" + bucketTags[bucket] + "}:presence-sweep-lock";
    }

    /** The topic of a channel of ours, or {@code null} for anything else. */
    String topicOfChannel(String channel) {
        if (channel.startsWith(channelPrefix) && channel.endsWith("}:ch")) {
            return channel.substring(channelPrefix.length(), channel.length() - 4);
        }
        return null;
    }
}
