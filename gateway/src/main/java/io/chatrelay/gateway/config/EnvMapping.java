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
            "CHAT_DEFAULT_ROOM", "chat.default-room",
            "CHAT_MAX_TEXT", "chat.limits.max-text",
            "CHAT_MAX_ROOMS", "chat.limits.max-rooms",
            "CHAT_MAX_FRAME", "chat.limits.max-frame",
            "CHAT_MAX_CONNECTIONS", "chat.limits.max-connections",
            "CHAT_RATE_PER_SECOND", "chat.limits.rate-per-second",
            "CHAT_RATE_BURST", "chat.limits.rate-burst",
            "CHAT_OUTBOUND_FRAMES", "chat.limits.outbound-frames",
            "CHAT_OUTBOUND_BYTES", "chat.limits.outbound-bytes",
            "CHAT_HISTORY_MAX_LEN", "chat.history.max-len",
            "CHAT_HISTORY_JOIN_LIMIT", "chat.history.join-limit",
            "CHAT_PRESENCE_TTL", "chat.presence.ttl",
            "CHAT_PRESENCE_REFRESH", "chat.presence.refresh",
            "CHAT_PRESENCE_SWEEP", "chat.presence.sweep",
            "CHAT_HEARTBEAT_INTERVAL", "chat.heartbeat.interval",
            "CHAT_HEARTBEAT_TIMEOUT", "chat.heartbeat.timeout",
            "CHAT_AUTH_GUESTS", "chat.auth.guests",
            "CHAT_AUTH_JWT_SECRET", "chat.auth.jwt-secret",
            "CHAT_ORIGINS", "chat.origins",
            "CHAT_DRAIN_GRACE", "chat.drain.grace");

    private EnvMapping() {
    }

    /**
     * The overrides present in an environment.
     *
     * @param env environment variables
     * @return configuration key to value
     */
    public static Map<String, String> overrides(Map<String, String> env) {
        Map<String, String> result = new LinkedHashMap<>();
        VARIABLES.forEach((variable, key) -> {
            String value = env.get(variable);
            if (value != null) {
                result.put(key, value);
            }
        });
        return result;
    }

    private static Map<String, String> table(String... pairs) {
        Map<String, String> map = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            map.put(pairs[i], pairs[i + 1]);
        }
        return java.util.Collections.unmodifiableMap(map);
    }
}
