package io.chatrelay.example.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The environment variables that override configuration keys, one explicit table. The
 * {@code CHAT_AUTH_*} names are the gateway's: one env file can configure both sides.
 */
public final class EnvMapping {
    /** Environment variable name to configuration key. */
    public static final Map<String, String> VARIABLES = table(
            "APP_PORT", "app.port",
            "APP_JWT_ALGORITHM", "app.jwt.algorithm",
            "CHAT_AUTH_JWT_SECRET", "app.jwt.secret",
            "APP_JWT_KEY_FILE", "app.jwt.key-file",
            "APP_JWT_KEY_GRACE", "app.jwt.key-grace",
            "APP_TOKEN_TTL", "app.tokens.ttl",
            "APP_ROOM_TOKEN_TTL", "app.tokens.room-ttl",
            "CHAT_AUTH_ISSUER", "app.tokens.issuer",
            "CHAT_AUTH_AUDIENCE", "app.tokens.audience",
            "APP_ADMIN_KEY", "app.admin-key",
            "APP_DIRECTORY", "app.directory",
            "APP_CORS_ORIGINS", "app.cors-origins",
            "CHAT_HOOK_SECRET", "app.chat.hook-secret",
            "CHAT_WEBHOOK_SECRET", "app.chat.webhook-secret",
            "APP_SIGNATURE_TOLERANCE", "app.chat.signature-tolerance",
            "APP_BLOCKED_WORDS", "app.chat.blocked-words",
            "APP_MASKED_WORDS", "app.chat.masked-words",
            "APP_EVENTS_KEPT", "app.chat.events-kept",
            "CHAT_API_URL", "app.chat.api-url",
            "CHAT_API_KEY", "app.chat.api-key",
            "APP_SUPPORT_GREETING", "app.chat.support-greeting");

    /** Suffix of a variable naming a file that holds the value (a mounted secret). */
    public static final String FILE_SUFFIX = "_FILE";

    private EnvMapping() {
    }

    /**
     * The overrides present in an environment. A variable may instead be given as
     * {@code <NAME>_FILE}: the path of a file holding the value (a mounted secret; trailing
     * whitespace removed). Both at once is an error.
     *
     * @param env environment variables
     * @return configuration key to value
     */
    public static Map<String, String> overrides(Map<String, String> env) {
        Map<String, String> result = new LinkedHashMap<>();
        VARIABLES.forEach((variable, key) -> {
            String value = env.get(variable);
            String file = env.get(variable + FILE_SUFFIX);
            if (value != null && file != null) {
                throw new IllegalArgumentException("set " + variable + " or " + variable + FILE_SUFFIX + ", not both");
            }
            if (file != null && !variable.endsWith(FILE_SUFFIX)) {
                try {
                    value = java.nio.file.Files.readString(java.nio.file.Path.of(file)).strip();
                } catch (java.io.IOException | RuntimeException e) {
                    throw new IllegalArgumentException(variable + FILE_SUFFIX + ": cannot read " + file, e);
                }
            }
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
        return Collections.unmodifiableMap(map);
    }
}
