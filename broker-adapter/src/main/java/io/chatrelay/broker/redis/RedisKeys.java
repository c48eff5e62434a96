package io.chatrelay.broker.redis;

/**
 * Key and channel names. A topic's keys share the hash tag {@code {topic}}, so that in a cluster
 * one topic lives on one shard and one script may touch all of them.
 */
final class RedisKeys {
    private final String prefix;
    private final String channelPrefix;

    RedisKeys(String prefix) {
        this.prefix = prefix;
        this.channelPrefix = prefix + ":{";
    }

    String stream(String topic) {
        return prefix + ":{" + topic + "}:log";
    }

    String channel(String topic) {
        return channelPrefix + topic + "}:ch";
    }

    String presence(String topic) {
        return prefix + ":{" + topic + "}:presence";
    }

    String presenceTopics() {
        return prefix + ":presence-topics";
    }

    String sweepLock() {
        return prefix + ":presence-sweep-lock";
    }

    /** The topic of a channel of ours, or {@code null} for anything else. */
    String topicOfChannel(String channel) {
        if (channel.startsWith(channelPrefix) && channel.endsWith("}:ch")) {
            return channel.substring(channelPrefix.length(), channel.length() - 4);
        }
        return null;
    }
}
