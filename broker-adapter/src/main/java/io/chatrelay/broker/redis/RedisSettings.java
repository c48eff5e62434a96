package io.chatrelay.broker.redis;

import java.time.Duration;
import java.util.Objects;

/**
 * Settings of a {@link RedisBroker}.
 *
 * @param uri            Redis URI ({@code redis://[:password@]host:port}, {@code rediss://} for TLS); for a
 *                       cluster, one or more seed URIs separated by commas
 * @param prefix         prefix of every key and channel, so that several deployments or tests can
 *                       share one Redis
 * @param historyMaxLen  approximate number of frames kept per topic ({@code XADD MAXLEN ~})
 * @param commandTimeout how long one command may take before it fails
 * @param cluster        whether {@code uri} names Redis Cluster seed nodes
 * @param durability     when an append counts as stored: on its master ({@link Durability#ASYNC}) or
 *                       also on a replica ({@link Durability#REPLICA})
 * @param waitTimeout    in {@link Durability#REPLICA} mode, how long an append waits for a replica
 *                       before its outcome is reported unknown (shorter than {@code commandTimeout})
 */
public record RedisSettings(String uri, String prefix, int historyMaxLen, Duration commandTimeout, boolean cluster,
                            Durability durability, Duration waitTimeout) {
    /** When an append is acknowledged. */
    public enum Durability {
        /**
         * Once the master ran it. Redis replicates asynchronously: an acknowledged append that had
         * not reached a replica when its master died is gone after a failover.
         */
        ASYNC,
        /**
         * Once the master ran it and at least one replica confirmed it ({@code WAIT 1}); no
         * confirmation in time: the outcome is unknown (the master has it, a failover may lose it).
         */
        REPLICA
    }

    /** Validates the settings. */
    public RedisSettings {
        Objects.requireNonNull(uri, "uri");
        Objects.requireNonNull(prefix, "prefix");
        Objects.requireNonNull(commandTimeout, "commandTimeout");
        Objects.requireNonNull(durability, "durability");
        Objects.requireNonNull(waitTimeout, "waitTimeout");
        for (String part : uris(uri)) {
            if (!part.startsWith("redis://") && !part.startsWith("rediss://")) {
                throw new IllegalArgumentException("redis uri must start with redis:// or rediss://");
            }
        }
        if (!cluster && uris(uri).size() != 1) {
            throw new IllegalArgumentException("several redis uris are only allowed for a cluster");
        }
        if (prefix.isEmpty() || prefix.contains("{") || prefix.contains("}")) {
            throw new IllegalArgumentException("prefix must be non-empty and contain no braces");
        }
        if (historyMaxLen < 1) {
            throw new IllegalArgumentException("historyMaxLen must be >= 1");
        }
        if (commandTimeout.isNegative() || commandTimeout.isZero()) {
            throw new IllegalArgumentException("commandTimeout must be positive");
        }
        if (waitTimeout.isNegative() || waitTimeout.isZero()
                || durability == Durability.REPLICA && waitTimeout.compareTo(commandTimeout) >= 0) {
            throw new IllegalArgumentException("waitTimeout must be positive, and in REPLICA mode shorter than commandTimeout");
        }
    }

    /**
     * Settings in {@link Durability#ASYNC} mode.
     *
     * @param uri            Redis URI, or the seeds of a cluster
     * @param prefix         prefix of every key and channel
     * @param historyMaxLen  approximate number of frames kept per topic
     * @param commandTimeout how long one command may take
     * @param cluster        whether {@code uri} names Redis Cluster seed nodes
     */
    public RedisSettings(String uri, String prefix, int historyMaxLen, Duration commandTimeout, boolean cluster) {
        this(uri, prefix, historyMaxLen, commandTimeout, cluster, Durability.ASYNC, commandTimeout);
    }

    /**
     * The URIs, split at commas.
     *
     * @return one URI for a single Redis, the seeds for a cluster
     */
    public java.util.List<String> uris() {
        return uris(uri);
    }

    private static java.util.List<String> uris(String text) {
        return java.util.Arrays.stream(text.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }
}
