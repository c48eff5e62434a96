package io.chatrelay.gateway.config;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * All settings of one gateway.
 *
 * @param port           HTTP and WebSocket port
 * @param nodeId         this gateway's id, shown to clients and used for presence
 * @param redis          Redis settings; {@link Redis#enabled()} false means the in-memory broker
 * @param defaultRoom    room every connection joins at open, empty for none
 * @param limits         per-connection and per-gateway limits
 * @param history        history sizes
 * @param presence       presence timing
 * @param heartbeat      WebSocket ping timing
 * @param auth           identity settings
 * @param origins        allowed {@code Origin} values; empty means same origin and localhost
 * @param drainGrace     how long draining may take on shutdown
 */
public record GatewayConfig(int port, String nodeId, Redis redis, String defaultRoom, Limits limits,
                            History history, Presence presence, Heartbeat heartbeat, Auth auth,
                            List<String> origins, Duration drainGrace) {
    /** Validates the settings. */
    public GatewayConfig {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port out of range: " + port);
        }
        Objects.requireNonNull(nodeId, "nodeId");
        if (nodeId.isBlank() || nodeId.contains("|")) {
            throw new IllegalArgumentException("node id must be non-blank and contain no '|'");
        }
        Objects.requireNonNull(redis, "redis");
        Objects.requireNonNull(defaultRoom, "defaultRoom");
        Objects.requireNonNull(limits, "limits");
        Objects.requireNonNull(history, "history");
        Objects.requireNonNull(presence, "presence");
        Objects.requireNonNull(heartbeat, "heartbeat");
        Objects.requireNonNull(auth, "auth");
        origins = List.copyOf(origins);
        positive(drainGrace, "drain grace");
    }

    /**
     * Redis connection.
     *
     * @param uri     Redis URI, empty for none; for a cluster, seed URIs separated by commas
     * @param prefix  key prefix
     * @param timeout command timeout
     * @param cluster whether the URIs are Redis Cluster seeds (sharded Pub/Sub)
     */
    public record Redis(String uri, String prefix, Duration timeout, boolean cluster) {
        /** Validates. */
        public Redis {
            Objects.requireNonNull(uri, "uri");
            Objects.requireNonNull(prefix, "prefix");
            positive(timeout, "redis timeout");
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
     * Limits.
     *
     * @param maxText        characters per message text
     * @param maxRooms       rooms per connection
     * @param maxFrame       bytes per incoming frame
     * @param maxConnections connections per gateway
     * @param ratePerSecond  frames per second per connection (sustained)
     * @param rateBurst      frames per connection in a burst
     * @param outboundFrames frames queued per connection
     * @param outboundBytes  bytes queued per connection
     */
    public record Limits(int maxText, int maxRooms, int maxFrame, int maxConnections, int ratePerSecond,
                         int rateBurst, int outboundFrames, int outboundBytes) {
        /** Validates. */
        public Limits {
            atLeastOne(maxText, "max text");
            atLeastOne(maxRooms, "max rooms");
            if (maxFrame < 1024) {
                throw new IllegalArgumentException("max frame must be >= 1024");
            }
            atLeastOne(maxConnections, "max connections");
            atLeastOne(ratePerSecond, "rate per second");
            atLeastOne(rateBurst, "rate burst");
            atLeastOne(outboundFrames, "outbound frames");
            atLeastOne(outboundBytes, "outbound bytes");
        }
    }

    /**
     * History sizes.
     *
     * @param maxLen    messages kept per room
     * @param joinLimit messages sent in {@code joined}
     */
    public record History(int maxLen, int joinLimit) {
        /** Validates. */
        public History {
            atLeastOne(maxLen, "history max len");
            atLeastOne(joinLimit, "history join limit");
        }
    }

    /**
     * Presence timing: a dead gateway's users are gone within {@code ttl + sweep}.
     *
     * @param ttl     life of an entry without refresh
     * @param refresh refresh (heartbeat) period, shorter than ttl
     * @param sweep   sweep period
     */
    public record Presence(Duration ttl, Duration refresh, Duration sweep) {
        /** Validates. */
        public Presence {
            positive(ttl, "presence ttl");
            positive(refresh, "presence refresh");
            positive(sweep, "presence sweep");
            if (refresh.compareTo(ttl) >= 0) {
                throw new IllegalArgumentException("presence refresh must be shorter than ttl");
            }
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
     * Identity.
     *
     * @param guests    whether connections without a token get a guest identity
     * @param jwtSecret HS256 secret, empty for none
     */
    public record Auth(boolean guests, String jwtSecret) {
        /** Validates. */
        public Auth {
            Objects.requireNonNull(jwtSecret, "jwtSecret");
            if (!jwtSecret.isEmpty() && jwtSecret.getBytes(java.nio.charset.StandardCharsets.UTF_8).length < 32) {
                throw new IllegalArgumentException("jwt secret must have at least 32 bytes");
            }
            if (!guests && jwtSecret.isEmpty()) {
                throw new IllegalArgumentException("guests are off but no jwt secret is set: nobody could connect");
            }
        }
    }

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
