package io.chatrelay.broker.redis;

import java.time.Duration;
import java.util.Objects;

/**
 * Settings of a {@link RedisBroker}.
 *
 * @param uri            Redis URI ({@code redis://[:password@]host:port}, {@code rediss://} for TLS)
 * @param prefix         prefix of every key and channel, so that several deployments or tests can
 *                       share one Redis
 * @param historyMaxLen  approximate number of frames kept per topic ({@code XADD MAXLEN ~})
 * @param commandTimeout how long one command may take before it fails
 */
public record RedisSettings(String uri, String prefix, int historyMaxLen, Duration commandTimeout) {
    /** Validates the settings. */
    public RedisSettings {
        Objects.requireNonNull(uri, "uri");
        Objects.requireNonNull(prefix, "prefix");
        Objects.requireNonNull(commandTimeout, "commandTimeout");
        if (!uri.startsWith("redis://") && !uri.startsWith("rediss://")) {
            throw new IllegalArgumentException("redis uri must start with redis:// or rediss://");
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
        return new RedisSettings(uri, "chat", 1000, Duration.ofSeconds(5));
    }
}
