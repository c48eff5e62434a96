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
 */
public record RedisSettings(String uri, String prefix, int historyMaxLen, Duration commandTimeout, boolean cluster) {
    /** Validates the settings. */
    public RedisSettings {
        Objects.requireNonNull(uri, "uri");
        Objects.requireNonNull(prefix, "prefix");
        Objects.requireNonNull(commandTimeout, "commandTimeout");
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
    }

    /**
     * Settings with defaults: prefix {@code chat}, 1000 frames of history, 5 s timeout.
     *
     * @param uri Redis URI
     * @return settings
     */
    public static RedisSettings of(String uri) {
        return new RedisSettings(uri, "chat", 1000, Duration.ofSeconds(5), false);
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
