package io.chatrelay.gateway.config;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * The application's synchronous hooks: {@code POST <url>/join} for rooms of a namespace whose
 * policy is {@code hook}, {@code POST <url>/publish} for sends to rooms of the listed namespaces
 * (docs/integration.md).
 *
 * @param url              the application's hook base URL ({@code http://} or {@code https://}); empty: no hooks
 * @param secret           the HMAC-SHA256 key of the {@code Chat-Relay-Signature} header (at least 32 bytes when a URL is set)
 * @param timeout          how long the gateway waits for an answer
 * @param failOpen         what an unanswered or malformed hook means: {@code true} allow, {@code false} refuse
 * @param publishNamespaces namespaces whose sends go through the publish hook ({@code *}: every room); empty: none
 */
public record HookSettings(String url, String secret, Duration timeout, boolean failOpen, List<String> publishNamespaces) {
    /** Validates. */
    public HookSettings {
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(secret, "secret");
        WebhookSettings.positive(timeout, "hook timeout");
        publishNamespaces = List.copyOf(publishNamespaces);
        for (String ns : publishNamespaces) {
            if (!ns.equals("*") && !ns.matches("[A-Za-z0-9_.-]{1,32}")) {
                throw new IllegalArgumentException("publish hook namespace must be * or 1-32 of [A-Za-z0-9_.-], was: " + ns);
            }
        }
        if (!url.isEmpty()) {
            WebhookSettings.httpUrl(url, "hook url");
            WebhookSettings.secret(secret, "hook secret");
        } else if (!publishNamespaces.isEmpty()) {
            throw new IllegalArgumentException("the publish hook is asked for namespaces " + publishNamespaces + " but no hook url is set");
        }
    }

    /**
     * Whether hooks are on.
     *
     * @return {@code true} when a URL is set
     */
    public boolean enabled() {
        return !url.isEmpty();
    }

    /**
     * Parses the failure policy.
     *
     * @param text {@code open} or {@code closed}
     * @return {@code true} for open
     */
    public static boolean failOpen(String text) {
        return switch (text.toLowerCase(Locale.ROOT)) {
            case "open" -> true;
            case "closed" -> false;
            default -> throw new IllegalArgumentException("hook failure policy must be open or closed, was: " + text);
        };
    }

    /**
     * Whether a namespace policy specification ({@code CHAT_NAMESPACES}) gives some namespace the
     * {@code hook} policy.
     *
     * @param namespaces the specification
     * @return {@code true} when one entry is {@code <name>=hook}
     */
    public static boolean asksJoinHook(String namespaces) {
        for (String entry : namespaces.split(",")) {
            int eq = entry.indexOf('=');
            if (eq > 0 && entry.substring(eq + 1).trim().equalsIgnoreCase("hook")) {
                return true;
            }
        }
        return false;
    }
}
