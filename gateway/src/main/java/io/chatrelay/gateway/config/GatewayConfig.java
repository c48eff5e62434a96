package io.chatrelay.gateway.config;

import io.chatrelay.broker.redis.RedisSettings;
import io.chatrelay.chat.ChatSecurity;
import io.chatrelay.chat.ChatSettings;
import io.chatrelay.chat.auth.TokenVerifier;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * All settings of one gateway: the core's ({@link ChatSettings}) and the transport's.
 *
 * @param port       HTTP and WebSocket port
 * @param chat       the chat core's settings (node id, default room, limits, history, presence)
 * @param redis      Redis settings; {@link Redis#enabled()} false means the in-memory broker
 * @param transport  per-connection transport limits
 * @param heartbeat  WebSocket ping timing
 * @param auth       identity settings
 * @param origins    allowed {@code Origin} values; empty means same origin and localhost
 * @param drainGrace how long draining may take on shutdown
 * @param webhooks   where application events are delivered (docs/integration.md)
 * @param hooks      the application's join and publish hooks (docs/integration.md)
 * @param admin      the admin listener
 * @param rebalance  how connections are spread again over the gateways (docs/scaling.md)
 */
public record GatewayConfig(int port, ChatSettings chat, Redis redis, Transport transport, Heartbeat heartbeat, Auth auth,
                            List<String> origins, Duration drainGrace, WebhookSettings webhooks, HookSettings hooks, Admin admin,
                            Rebalance rebalance) {
    /** Validates the settings. */
    public GatewayConfig {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port out of range: " + port);
        }
        Objects.requireNonNull(chat, "chat");
        Objects.requireNonNull(redis, "redis");
        Objects.requireNonNull(transport, "transport");
        Objects.requireNonNull(heartbeat, "heartbeat");
        Objects.requireNonNull(auth, "auth");
        origins = List.copyOf(origins);
        positive(drainGrace, "drain grace");
        Objects.requireNonNull(webhooks, "webhooks");
        Objects.requireNonNull(hooks, "hooks");
        if (!hooks.enabled() && HookSettings.asksJoinHook(auth.namespaces())) {
            throw new IllegalArgumentException("a namespace has the hook policy but no hook url is set: nobody could decide its joins");
        }
        Objects.requireNonNull(admin, "admin");
        Objects.requireNonNull(rebalance, "rebalance");
    }

    /**
     * This gateway's node id.
     *
     * @return the node id
     */
    public String nodeId() {
        return chat.nodeId();
    }

    /**
     * Redis connection.
     *
     * @param uri     Redis URI, empty for none; for a cluster, seed URIs separated by commas
     * @param prefix  key prefix
     * @param timeout command timeout
     * @param cluster     whether the URIs are Redis Cluster seeds (sharded Pub/Sub)
     * @param durability  when a send is acknowledged: once its master has it, or once a replica has it too
     * @param waitTimeout in replica mode, how long a send waits for a replica (then shorter than {@code timeout})
     */
    public record Redis(String uri, String prefix, Duration timeout, boolean cluster, RedisSettings.Durability durability,
                        Duration waitTimeout) {
        /** Validates. */
        public Redis {
            Objects.requireNonNull(uri, "uri");
            Objects.requireNonNull(prefix, "prefix");
            positive(timeout, "redis timeout");
            Objects.requireNonNull(durability, "durability");
            positive(waitTimeout, "redis wait timeout");
            if (durability == RedisSettings.Durability.REPLICA && waitTimeout.compareTo(timeout) >= 0) {
                throw new IllegalArgumentException("in replica mode the redis wait timeout must be shorter than the redis timeout");
            }
        }

        /**
         * Parses a durability mode.
         *
         * @param text {@code async} or {@code replica}, in any case
         * @return the mode
         */
        public static RedisSettings.Durability durability(String text) {
            return switch (text.toLowerCase(java.util.Locale.ROOT)) {
                case "async" -> RedisSettings.Durability.ASYNC;
                case "replica" -> RedisSettings.Durability.REPLICA;
                default -> throw new IllegalArgumentException("redis durability must be async or replica, was: " + text);
            };
        }

        /**
         * Whether Redis is configured.
         *
         * @return {@code true} when a URI is set
         */
        public boolean enabled() {
            return !uri.isBlank();
        }
    }

    /**
     * Per-connection limits of the WebSocket transport.
     *
     * @param maxFrame       bytes per incoming frame
     * @param ratePerSecond  frames per second per connection (sustained)
     * @param rateBurst      frames per connection in a burst
     * @param outboundFrames frames queued per connection
     * @param outboundBytes  bytes queued per connection
     * @param maxPerAddress  connections from one client address per gateway
     * @param trustedProxies peers whose {@code X-Forwarded-For} names the client (addresses, or
     *                       {@code *} for any peer: only when nothing but the load balancer reaches
     *                       the gateways); empty: the peer itself is the client
     */
    public record Transport(int maxFrame, int ratePerSecond, int rateBurst, int outboundFrames, int outboundBytes,
                            int maxPerAddress, List<String> trustedProxies) {
        /** Validates. */
        public Transport {
            if (maxFrame < 1024) {
                throw new IllegalArgumentException("max frame must be >= 1024");
            }
            atLeastOne(ratePerSecond, "rate per second");
            atLeastOne(rateBurst, "rate burst");
            atLeastOne(outboundFrames, "outbound frames");
            atLeastOne(outboundBytes, "outbound bytes");
            atLeastOne(maxPerAddress, "max connections per address");
            trustedProxies = List.copyOf(trustedProxies);
        }
    }

    /**
     * WebSocket heartbeat.
     *
     * @param interval how often the gateway pings
     * @param timeout  close a connection silent for this long
     */
    public record Heartbeat(Duration interval, Duration timeout) {
        /** Validates. */
        public Heartbeat {
            positive(interval, "heartbeat interval");
            positive(timeout, "heartbeat timeout");
            if (timeout.compareTo(interval) <= 0) {
                throw new IllegalArgumentException("heartbeat timeout must be longer than the interval");
            }
        }
    }

    /**
     * Identity and authorization.
     *
     * @param guests      whether connections without a token get a guest identity
     * @param guestSecret the gateways' shared secret for guest tokens (at least 32 bytes; empty: one
     *                    per gateway process, so a guest keeps its id only on that gateway)
     * @param jwtSecret  HS256 secret, empty for none
     * @param jwks       JWKS location for RS256/ES256 keys ({@code https://...} or {@code file:/...}), empty for none
     * @param issuer     required token issuer, empty for any
     * @param audience   required token audience, empty for any
     * @param namespaces room namespace policies ({@code name=policy,...}, see {@code RoomPolicies})
     */
    public record Auth(boolean guests, String guestSecret, String jwtSecret, String jwks, String issuer, String audience,
                       String namespaces) {
        /** Validates. */
        public Auth {
            Objects.requireNonNull(guestSecret, "guestSecret");
            Objects.requireNonNull(jwtSecret, "jwtSecret");
            Objects.requireNonNull(jwks, "jwks");
            Objects.requireNonNull(issuer, "issuer");
            Objects.requireNonNull(audience, "audience");
            Objects.requireNonNull(namespaces, "namespaces");
            if (!guests && jwtSecret.isBlank() && jwks.isBlank()) {
                throw new IllegalArgumentException("guests are off but no jwt secret or jwks is set: nobody could connect");
            }
            // validates the secret's length, the jwks location and the policies
            security(guests, guestSecret, jwtSecret, jwks, issuer, audience, namespaces);
        }

        /**
         * The core's security built from these settings.
         *
         * @return authenticator and authorizer
         */
        public ChatSecurity security() {
            return security(guests, guestSecret, jwtSecret, jwks, issuer, audience, namespaces);
        }

        private static ChatSecurity security(boolean guests, String guestSecret, String jwtSecret, String jwks, String issuer,
                                             String audience, String namespaces) {
            return ChatSecurity.of(guests, guestSecret, new TokenVerifier.Settings(jwtSecret, jwks, issuer, audience, JWKS_TTL),
                    namespaces);
        }
    }

    /**
     * Spreading connections again over the gateways (docs/scaling.md): a gateway holding more than
     * {@code (1 + tolerance)} times its fair share of the sessions, plus one, closes some of its
     * sessions with 1012 (they resume elsewhere), at most {@code rate} a second.
     *
     * @param tolerance how far above the fair share a gateway may stay (0.1: 10 %)
     * @param rate      the most sessions a gateway closes per second to rebalance; 0: never
     */
    public record Rebalance(double tolerance, int rate) {
        /** Validates. */
        public Rebalance {
            if (!(tolerance >= 0 && tolerance <= 10)) {
                throw new IllegalArgumentException("rebalance tolerance must be between 0 and 10, was: " + tolerance);
            }
            if (rate < 0) {
                throw new IllegalArgumentException("rebalance rate must not be negative, was: " + rate);
            }
        }

        /**
         * Whether rebalancing is on.
         *
         * @return {@code true} when the rate is positive
         */
        public boolean enabled() {
            return rate > 0;
        }
    }

    /** How long a fetched JWKS is used before it is fetched again (also on an unknown key id, rate-limited). */
    /**
     * The admin listener: the server API, the admin page, health and metrics, on a port of its
     * own that the public load balancer does not route.
     *
     * @param port    its port (0: any free one)
     * @param apiKeys the keys that open the server API and the admin page (several during a
     *                rotation); none: the API answers 404 and the page is off
     */
    public record Admin(int port, List<String> apiKeys) {
        /** The shortest key accepted. */
        public static final int MIN_KEY = 24;

        /** Validates. */
        public Admin {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("admin port out of range: " + port);
            }
            apiKeys = List.copyOf(apiKeys);
            for (String key : apiKeys) {
                if (key.length() < MIN_KEY) {
                    throw new IllegalArgumentException("an API key must have at least " + MIN_KEY + " characters");
                }
            }
        }

        /**
         * Whether the server API is on.
         *
         * @return {@code true} when keys are configured
         */
        public boolean apiEnabled() {
            return !apiKeys.isEmpty();
        }
    }

    static final Duration JWKS_TTL = Duration.ofMinutes(5);

    private static void positive(Duration d, String what) {
        Objects.requireNonNull(d, what);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(what + " must be positive");
        }
    }

    private static void atLeastOne(int value, String what) {
        if (value < 1) {
            throw new IllegalArgumentException(what + " must be >= 1");
        }
    }
}
