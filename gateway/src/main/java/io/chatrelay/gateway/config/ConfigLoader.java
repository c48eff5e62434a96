package io.chatrelay.gateway.config;

import io.chatrelay.chat.ChatSettings;
import io.helidon.config.Config;
import io.helidon.config.ConfigSources;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Reads {@link GatewayConfig} from {@code application.yaml} (where every default is written, and
 * only there) and the environment ({@link EnvMapping}). A key missing from both is an error,
 * not a silent default.
 */
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
        return from(defaults(env).get("chat"));
    }

    /**
     * The configuration tree: the environment's overrides over {@code application.yaml}.
     *
     * @param env environment variables
     * @return the root node
     */
    public static Config defaults(Map<String, String> env) {
        return Config.builder()
                .disableEnvironmentVariablesSource()
                .disableSystemPropertiesSource()
                .sources(ConfigSources.create(EnvMapping.overrides(env)), ConfigSources.classpath("application.yaml"))
                .build();
    }

    /**
     * Maps a {@code chat} configuration node.
     *
     * @param c the node
     * @return the validated configuration
     */
    public static GatewayConfig from(Config c) {
        ChatSettings chat = new ChatSettings(
                nodeId(str(c, "node-id")),
                str(c, "default-room"),
                new ChatSettings.Limits(num(c, "limits.max-text"), num(c, "limits.max-rooms"), num(c, "limits.max-connections"),
                        num(c, "limits.max-connections-per-user"), num(c, "limits.arrivals"), dur(c, "limits.arrival-wait")),
                new ChatSettings.History(num(c, "history.max-len"), num(c, "history.join-limit"), num(c, "history.page-bytes"),
                        dur(c, "history.room-ttl"), dur(c, "history.direct-ttl"), dur(c, "history.min-age"),
                        num(c, "history.max-len-hard")),
                new ChatSettings.Presence(dur(c, "presence.ttl"), dur(c, "presence.refresh"), dur(c, "presence.sweep"),
                        dur(c, "presence.linger")),
                new ChatSettings.Messages(dur(c, "messages.dedup-window"), num(c, "messages.receipts-max-members")),
                dur(c, "redis.timeout"));
        return new GatewayConfig(
                num(c, "port"),
                chat,
                new GatewayConfig.Redis(str(c, "redis.uri"), str(c, "redis.prefix"), dur(c, "redis.timeout"), bool(c, "redis.cluster"),
                        GatewayConfig.Redis.durability(str(c, "redis.durability")), dur(c, "redis.wait-timeout")),
                new GatewayConfig.Transport(num(c, "limits.max-frame"), num(c, "limits.rate-per-second"), num(c, "limits.rate-burst"),
                        num(c, "limits.outbound-frames"), num(c, "limits.outbound-bytes"),
                        num(c, "limits.max-connections-per-address"), list(str(c, "trusted-proxies"))),
                new GatewayConfig.Heartbeat(dur(c, "heartbeat.interval"), dur(c, "heartbeat.timeout")),
                new GatewayConfig.Auth(bool(c, "auth.guests"), str(c, "auth.guest-secret"), str(c, "auth.jwt-secret"), str(c, "auth.jwks"),
                        str(c, "auth.issuer"), str(c, "auth.audience"), str(c, "auth.namespaces")),
                list(str(c, "origins")),
                dur(c, "drain.grace"),
                new WebhookSettings(str(c, "webhooks.url"), str(c, "webhooks.secret"), list(str(c, "webhooks.events")),
                        num(c, "webhooks.max-attempts"), dur(c, "webhooks.backoff"), dur(c, "webhooks.max-backoff"),
                        dur(c, "webhooks.timeout"), num(c, "webhooks.concurrency")),
                new HookSettings(str(c, "hooks.url"), str(c, "hooks.secret"), dur(c, "hooks.timeout"),
                        HookSettings.failOpen(str(c, "hooks.failure")), list(str(c, "hooks.publish"))),
                new GatewayConfig.Admin(num(c, "admin.port"), list(str(c, "admin.api-keys"))),
                new GatewayConfig.Rebalance(dbl(c, "rebalance.tolerance"), num(c, "rebalance.rate")));
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

    private static String str(Config c, String key) {
        return c.get(key).asString().orElseThrow(() -> new IllegalArgumentException("missing configuration key chat." + key)).trim();
    }

    private static int num(Config c, String key) {
        String text = str(c, key);
        try {
            return Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " must be an integer, was: " + text, e);
        }
    }

    private static double dbl(Config c, String key) {
        String text = str(c, key);
        try {
            return Double.parseDouble(text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " must be a number, was: " + text, e);
        }
    }

    private static boolean bool(Config c, String key) {
        String text = str(c, key);
        if (text.equalsIgnoreCase("true") || text.equalsIgnoreCase("false")) {
            return Boolean.parseBoolean(text);
        }
        throw new IllegalArgumentException(key + " must be true or false, was: " + text);
    }

    private static Duration dur(Config c, String key) {
        String text = str(c, key).toUpperCase(Locale.ROOT);
        try {
            return Duration.parse(text.startsWith("P") ? text : "PT" + text);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException(key + " must be a duration such as PT5S or 5s, was: " + text, e);
        }
    }

    private static List<String> list(String csv) {
        return Arrays.stream(csv.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }
}
