package io.chatrelay.gateway.config;

import java.util.LinkedHashMap;
import java.util.Map;

/** The environment variables that override configuration keys, one explicit table. */
public final class EnvMapping {
    /** Environment variable name to configuration key. */
    public static final Map<String, String> VARIABLES = table(
            "CHAT_PORT", "chat.port",
            "CHAT_NODE_ID", "chat.node-id",
            "CHAT_REDIS_URI", "chat.redis.uri",
            "CHAT_REDIS_PREFIX", "chat.redis.prefix",
            "CHAT_REDIS_TIMEOUT", "chat.redis.timeout",
            "CHAT_REDIS_CLUSTER", "chat.redis.cluster",
            "CHAT_REDIS_DURABILITY", "chat.redis.durability",
            "CHAT_REDIS_WAIT_TIMEOUT", "chat.redis.wait-timeout",
            "CHAT_DEFAULT_ROOM", "chat.default-room",
            "CHAT_MAX_TEXT", "chat.limits.max-text",
            "CHAT_MAX_ROOMS", "chat.limits.max-rooms",
            "CHAT_MAX_FRAME", "chat.limits.max-frame",
            "CHAT_MAX_CONNECTIONS", "chat.limits.max-connections",
            "CHAT_MAX_CONNECTIONS_PER_USER", "chat.limits.max-connections-per-user",
            "CHAT_MAX_CONNECTIONS_PER_ADDRESS", "chat.limits.max-connections-per-address",
            "CHAT_ARRIVALS", "chat.limits.arrivals",
            "CHAT_ARRIVAL_WAIT", "chat.limits.arrival-wait",
            "CHAT_TRUSTED_PROXIES", "chat.trusted-proxies",
            "CHAT_RATE_PER_SECOND", "chat.limits.rate-per-second",
            "CHAT_RATE_BURST", "chat.limits.rate-burst",
            "CHAT_OUTBOUND_FRAMES", "chat.limits.outbound-frames",
            "CHAT_OUTBOUND_BYTES", "chat.limits.outbound-bytes",
            "CHAT_HISTORY_MAX_LEN", "chat.history.max-len",
            "CHAT_HISTORY_JOIN_LIMIT", "chat.history.join-limit",
            "CHAT_HISTORY_PAGE_BYTES", "chat.history.page-bytes",
            "CHAT_HISTORY_ROOM_TTL", "chat.history.room-ttl",
            "CHAT_HISTORY_DIRECT_TTL", "chat.history.direct-ttl",
            "CHAT_HISTORY_MIN_AGE", "chat.history.min-age",
            "CHAT_HISTORY_MAX_LEN_HARD", "chat.history.max-len-hard",
            "CHAT_PRESENCE_TTL", "chat.presence.ttl",
            "CHAT_PRESENCE_REFRESH", "chat.presence.refresh",
            "CHAT_PRESENCE_SWEEP", "chat.presence.sweep",
            "CHAT_PRESENCE_LINGER", "chat.presence.linger",
            "CHAT_DEDUP_WINDOW", "chat.messages.dedup-window",
            "CHAT_RECEIPTS_MAX_MEMBERS", "chat.messages.receipts-max-members",
            "CHAT_HEARTBEAT_INTERVAL", "chat.heartbeat.interval",
            "CHAT_HEARTBEAT_TIMEOUT", "chat.heartbeat.timeout",
            "CHAT_AUTH_GUESTS", "chat.auth.guests",
            "CHAT_AUTH_GUEST_SECRET", "chat.auth.guest-secret",
            "CHAT_AUTH_JWT_SECRET", "chat.auth.jwt-secret",
            "CHAT_AUTH_JWKS", "chat.auth.jwks",
            "CHAT_AUTH_ISSUER", "chat.auth.issuer",
            "CHAT_AUTH_AUDIENCE", "chat.auth.audience",
            "CHAT_NAMESPACES", "chat.auth.namespaces",
            "CHAT_ORIGINS", "chat.origins",
            "CHAT_WEBHOOK_URL", "chat.webhooks.url",
            "CHAT_WEBHOOK_SECRET", "chat.webhooks.secret",
            "CHAT_WEBHOOK_EVENTS", "chat.webhooks.events",
            "CHAT_WEBHOOK_MAX_ATTEMPTS", "chat.webhooks.max-attempts",
            "CHAT_WEBHOOK_BACKOFF", "chat.webhooks.backoff",
            "CHAT_WEBHOOK_MAX_BACKOFF", "chat.webhooks.max-backoff",
            "CHAT_WEBHOOK_TIMEOUT", "chat.webhooks.timeout",
            "CHAT_WEBHOOK_CONCURRENCY", "chat.webhooks.concurrency",
            "CHAT_HOOK_URL", "chat.hooks.url",
            "CHAT_HOOK_SECRET", "chat.hooks.secret",
            "CHAT_HOOK_TIMEOUT", "chat.hooks.timeout",
            "CHAT_HOOK_FAILURE", "chat.hooks.failure",
            "CHAT_HOOK_PUBLISH", "chat.hooks.publish",
            "CHAT_DRAIN_GRACE", "chat.drain.grace",
            "CHAT_REBALANCE_TOLERANCE", "chat.rebalance.tolerance",
            "CHAT_REBALANCE_RATE", "chat.rebalance.rate",
            "CHAT_ADMIN_PORT", "chat.admin.port",
            "CHAT_API_KEYS", "chat.admin.api-keys");

    /** Suffix of a variable naming a file that holds the value (a mounted secret). */
    public static final String FILE_SUFFIX = "_FILE";

    private EnvMapping() {
    }

    /**
     * The overrides present in an environment. Any variable may instead be given as
     * {@code <NAME>_FILE}, the path of a file holding the value (trailing whitespace removed), so
     * that secrets come from mounted files rather than the environment; setting both is an error.
     *
     * @param env environment variables
     * @return configuration key to value
     * @throws IllegalArgumentException when a file cannot be read or both forms are set
     */
    public static Map<String, String> overrides(Map<String, String> env) {
        Map<String, String> result = new LinkedHashMap<>();
        VARIABLES.forEach((variable, key) -> {
            String value = env.get(variable);
            String file = env.get(variable + FILE_SUFFIX);
            if (value != null && file != null) {
                throw new IllegalArgumentException("set " + variable + " or " + variable + FILE_SUFFIX + ", not both");
            }
            if (file != null) {
                value = read(variable + FILE_SUFFIX, file);
            }
            if (value != null) {
                result.put(key, value);
            }
        });
        return result;
    }

    private static String read(String variable, String path) {
        try {
            return java.nio.file.Files.readString(java.nio.file.Path.of(path)).stripTrailing();
        } catch (java.io.IOException | RuntimeException e) {
            throw new IllegalArgumentException(variable + ": cannot read " + path + ": " + e.getMessage(), e);
        }
    }

    private static Map<String, String> table(String... pairs) {
        Map<String, String> map = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            map.put(pairs[i], pairs[i + 1]);
        }
        return java.util.Collections.unmodifiableMap(map);
    }
}
