package io.chatrelay.example.config;

import io.helidon.config.Config;
import io.helidon.config.ConfigSources;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Reads {@link AppConfig} from {@code application.yaml} (where every default is written, and
 * only there) and the environment ({@link EnvMapping}). A key missing from both is an error, not
 * a silent default.
 */
public final class ConfigLoader {
    private ConfigLoader() {
    }

    /**
     * Loads the configuration.
     *
     * @param env environment variables ({@link System#getenv()} in production)
     * @return the validated configuration
     * @throws IllegalArgumentException when a value is missing or invalid
     */
    public static AppConfig load(Map<String, String> env) {
        return from(tree(env).get("app"));
    }

    /**
     * The configuration tree: the environment's overrides over {@code application.yaml}.
     *
     * @param env environment variables
     * @return the root node
     */
    public static Config tree(Map<String, String> env) {
        return Config.builder()
                .disableEnvironmentVariablesSource()
                .disableSystemPropertiesSource()
                .sources(ConfigSources.create(EnvMapping.overrides(env)), ConfigSources.classpath("application.yaml"))
                .build();
    }

    private static AppConfig from(Config c) {
        return new AppConfig(
                num(c, "port"),
                new AppConfig.Signing(algorithm(str(c, "jwt.algorithm")), str(c, "jwt.secret"), str(c, "jwt.key-file"),
                        dur(c, "jwt.key-grace")),
                new AppConfig.Tokens(dur(c, "tokens.ttl"), dur(c, "tokens.room-ttl"), str(c, "tokens.issuer"),
                        str(c, "tokens.audience")),
                str(c, "admin-key"),
                str(c, "directory"),
                list(str(c, "cors-origins")),
                new AppConfig.Chat(str(c, "chat.hook-secret"), str(c, "chat.webhook-secret"), dur(c, "chat.signature-tolerance"),
                        list(str(c, "chat.blocked-words")), list(str(c, "chat.masked-words")), num(c, "chat.events-kept"),
                        str(c, "chat.api-url"), str(c, "chat.api-key"), str(c, "chat.support-greeting")));
    }

    private static AppConfig.Algorithm algorithm(String text) {
        try {
            return AppConfig.Algorithm.valueOf(text.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("jwt algorithm must be HS256, RS256 or ES256, was: " + text, e);
        }
    }

    /** A value, trimmed (secrets too, as the gateway does: both sides must derive the same key). */
    private static String str(Config c, String key) {
        return c.get(key).asString().orElseThrow(() -> new IllegalArgumentException("missing configuration key app." + key)).trim();
    }

    private static int num(Config c, String key) {
        String text = str(c, key);
        try {
            return Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " must be an integer, was: " + text, e);
        }
    }

    private static Duration dur(Config c, String key) {
        String text = str(c, key).toUpperCase(Locale.ROOT);
        try {
            return Duration.parse(text.startsWith("P") ? text : "PT" + text);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException(key + " must be a duration such as PT15M or 15m, was: " + text, e);
        }
    }

    private static List<String> list(String csv) {
        return Arrays.stream(csv.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }
}
