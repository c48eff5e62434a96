package io.chatrelay.gateway.config;

import io.helidon.config.Config;
import io.helidon.config.ConfigSources;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** Reads {@link GatewayConfig} from {@code application.yaml} and the environment. */
public final class ConfigLoader {
    private ConfigLoader() {
    }

    /**
     * Loads the configuration.
     *
     * @param env environment variables ({@link System#getenv()} in production)
     * @return the validated configuration
     */
    public static GatewayConfig load(Map<String, String> env) {
        Config config = Config.builder()
                .disableEnvironmentVariablesSource()
                .disableSystemPropertiesSource()
                .sources(ConfigSources.create(EnvMapping.overrides(env)), ConfigSources.classpath("application.yaml"))
                .build()
                .get("chat");
        return from(config);
    }

    /**
     * Maps a {@code chat} configuration node.
     *
     * @param c the node
     * @return the validated configuration
     */
    public static GatewayConfig from(Config c) {
        return new GatewayConfig(
                num(c, "port", 8080),
                nodeId(c.get("node-id").asString().orElse("")),
                new GatewayConfig.Redis(str(c, "redis.uri", ""), str(c, "redis.prefix", "chat"),
                        dur(c, "redis.timeout", "PT5S"), bool(str(c, "redis.cluster", "false"), "redis.cluster")),
                str(c, "default-room", "lobby"),
                new GatewayConfig.Limits(num(c, "limits.max-text", 4096), num(c, "limits.max-rooms", 32),
                        num(c, "limits.max-frame", 65536), num(c, "limits.max-connections", 15000),
                        num(c, "limits.rate-per-second", 20), num(c, "limits.rate-burst", 40),
                        num(c, "limits.outbound-frames", 1024), num(c, "limits.outbound-bytes", 1 << 20)),
                new GatewayConfig.History(num(c, "history.max-len", 1000), num(c, "history.join-limit", 50)),
                new GatewayConfig.Presence(dur(c, "presence.ttl", "PT15S"), dur(c, "presence.refresh", "PT5S"),
                        dur(c, "presence.sweep", "PT5S")),
                new GatewayConfig.Heartbeat(dur(c, "heartbeat.interval", "PT30S"), dur(c, "heartbeat.timeout", "PT75S")),
                new GatewayConfig.Auth(bool(str(c, "auth.guests", "true"), "auth.guests"), str(c, "auth.jwt-secret", "")),
                list(str(c, "origins", "")),
                dur(c, "drain.grace", "PT20S"));
    }

    private static String nodeId(String configured) {
        if (!configured.isBlank()) {
            return configured;
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "gateway-" + ProcessHandle.current().pid();
        }
    }

    private static String str(Config c, String key, String fallback) {
        return c.get(key).asString().orElse(fallback).trim();
    }

    private static int num(Config c, String key, int fallback) {
        String text = str(c, key, Integer.toString(fallback));
        try {
            return Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " must be an integer, was: " + text, e);
        }
    }

    private static boolean bool(String text, String key) {
        if (text.equalsIgnoreCase("true") || text.equalsIgnoreCase("false")) {
            return Boolean.parseBoolean(text);
        }
        throw new IllegalArgumentException(key + " must be true or false, was: " + text);
    }

    private static Duration dur(Config c, String key, String fallback) {
        String text = str(c, key, fallback).toUpperCase(java.util.Locale.ROOT);
        try {
            return Duration.parse(text.startsWith("P") ? text : "PT" + text);
        } catch (java.time.format.DateTimeParseException e) {
            throw new IllegalArgumentException(key + " must be a duration such as PT5S or 5s, was: " + text, e);
        }
    }

    private static List<String> list(String csv) {
        return Arrays.stream(csv.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }
}
