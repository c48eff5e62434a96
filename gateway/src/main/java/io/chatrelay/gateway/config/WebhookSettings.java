package io.chatrelay.gateway.config;

import io.chatrelay.chat.ChatEvent;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Webhooks: where the application events are POSTed, how they are signed, retried and given up on
 * (docs/integration.md).
 *
 * @param url         the receiver ({@code http://} or {@code https://}); empty: no webhooks (no events are recorded)
 * @param secret      the HMAC-SHA256 key of the {@code Chat-Relay-Signature} header (at least 32 bytes when a URL is set)
 * @param events      the event types to deliver; empty: all
 * @param maxAttempts deliveries tried before an event goes to the dead letters
 * @param backoff     the wait before the first retry (doubled at each retry); longer than {@code timeout}, so
 *                    that no gateway takes an event over while it is still being delivered
 * @param maxBackoff  the longest wait between two tries
 * @param timeout     how long one delivery may take (answer included)
 * @param concurrency deliveries in flight at once per gateway
 */
public record WebhookSettings(String url, String secret, List<String> events, int maxAttempts, Duration backoff,
                              Duration maxBackoff, Duration timeout, int concurrency) {
    /** The event types there are. */
    public static final Set<String> TYPES = Set.of(ChatEvent.MESSAGE_CREATED, ChatEvent.MEMBER_JOINED, ChatEvent.MEMBER_LEFT,
            ChatEvent.ROOM_OCCUPIED, ChatEvent.ROOM_VACATED, ChatEvent.USER_CONNECTED, ChatEvent.USER_DISCONNECTED);
    /** Least bytes of a signing secret. */
    public static final int MIN_SECRET = 32;

    /** Validates. */
    public WebhookSettings {
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(secret, "secret");
        events = events.contains("*") ? List.of() : List.copyOf(events);
        for (String type : events) {
            if (!TYPES.contains(type)) {
                throw new IllegalArgumentException("unknown webhook event type " + type + " (" + String.join(", ", TYPES.stream().sorted().toList()) + ")");
            }
        }
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("webhook max attempts must be >= 1");
        }
        if (concurrency < 1) {
            throw new IllegalArgumentException("webhook concurrency must be >= 1");
        }
        positive(backoff, "webhook backoff");
        positive(maxBackoff, "webhook max backoff");
        positive(timeout, "webhook timeout");
        if (maxBackoff.compareTo(backoff) < 0) {
            throw new IllegalArgumentException("webhook max backoff must be at least the backoff");
        }
        if (backoff.compareTo(timeout) <= 0) {
            throw new IllegalArgumentException("webhook backoff must be longer than the webhook timeout: an event still being"
                    + " delivered would otherwise be taken over and sent twice");
        }
        if (!url.isEmpty()) {
            httpUrl(url, "webhook url");
            secret(secret, "webhook secret");
        }
    }

    /**
     * Whether webhooks are on.
     *
     * @return {@code true} when a URL is set
     */
    public boolean enabled() {
        return !url.isEmpty();
    }

    /**
     * Whether events of a type are delivered.
     *
     * @param type the event type
     * @return {@code true} when listed, or when all are
     */
    public boolean delivers(String type) {
        return events.isEmpty() || events.contains(type);
    }

    static void httpUrl(String url, String what) {
        URI uri;
        try {
            uri = URI.create(url);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(what + " is not a URI: " + url, e);
        }
        if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
            throw new IllegalArgumentException(what + " must be http://host... or https://host..., was: " + url);
        }
    }

    static void secret(String secret, String what) {
        if (secret.getBytes(StandardCharsets.UTF_8).length < MIN_SECRET) {
            throw new IllegalArgumentException(what + " must have at least " + MIN_SECRET + " bytes");
        }
    }

    static void positive(Duration d, String what) {
        Objects.requireNonNull(d, what);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(what + " must be positive");
        }
    }
}
