package io.chatrelay.chat;

import java.time.Duration;
import java.util.Objects;

/**
 * What the chat core needs to know. Built by the gateway from its configuration (whose defaults
 * live in one place, {@code application.yaml}); tests build it directly.
 *
 * @param nodeId         this gateway's id, shown to clients and used for presence (no {@code |})
 * @param defaultRoom    room every connection joins at open; empty for none
 * @param limits         per-connection and per-gateway limits
 * @param history        history sizes
 * @param presence       presence timing
 * @param messages       message delivery settings
 * @param brokerTimeout  how long a blocking broker call may take
 */
public record ChatSettings(String nodeId, String defaultRoom, Limits limits, History history, Presence presence,
                           Messages messages, Duration brokerTimeout) {
    /** Validates. */
    public ChatSettings {
        Objects.requireNonNull(nodeId, "nodeId");
        if (nodeId.isBlank() || nodeId.contains("|")) {
            throw new IllegalArgumentException("node id must be non-blank and contain no '|'");
        }
        Objects.requireNonNull(defaultRoom, "defaultRoom");
        Objects.requireNonNull(limits, "limits");
        Objects.requireNonNull(history, "history");
        Objects.requireNonNull(presence, "presence");
        Objects.requireNonNull(messages, "messages");
        positive(brokerTimeout, "broker timeout");
    }

    /**
     * Limits.
     *
     * @param maxText        characters per message text
     * @param maxRooms       rooms per connection
     * @param maxConnections sessions per gateway
     * @param maxPerUser     sessions of one user per gateway
     * @param arrivals       sessions opening at once on this gateway, and sessions joining a room at once (a line each; the others wait their turn)
     * @param arrivalWait    how long one waits for its turn at most (then: close 1013, come back later)
     */
    public record Limits(int maxText, int maxRooms, int maxConnections, int maxPerUser, int arrivals, Duration arrivalWait) {
        /** Validates. */
        public Limits {
            atLeastOne(maxText, "max text");
            atLeastOne(maxRooms, "max rooms");
            atLeastOne(maxConnections, "max connections");
            atLeastOne(maxPerUser, "max connections per user");
            atLeastOne(arrivals, "arrivals");
            positive(arrivalWait, "arrival wait");
        }
    }

    /**
     * History sizes.
     *
     * @param maxLen    messages kept per room (approximately)
     * @param joinLimit messages in {@code joined} without {@code since}
     * @param pageBytes the most bytes of messages one {@code joined} or {@code history} frame carries
     * @param roomTtl   how long a room's history lives after its last message
     * @param directTtl how long a direct conversation lives after its last message; also how long
     *                  a user who connected stays known (direct messages go to known users only)
     * @param minAge    messages younger than this are kept even past {@code maxLen} (so that a client
     *                  away for less never gets {@code recovered:false}), up to {@code maxLenHard};
     *                  {@link Duration#ZERO} for retention by count only
     * @param maxLenHard the most messages kept per room or conversation, whatever their age
     *                  (approximately); at least {@code maxLen}
     */
    public record History(int maxLen, int joinLimit, int pageBytes, Duration roomTtl, Duration directTtl, Duration minAge,
                          int maxLenHard) {
        /** Validates. */
        public History {
            atLeastOne(maxLen, "history max len");
            Objects.requireNonNull(minAge, "history min age");
            if (minAge.isNegative()) {
                throw new IllegalArgumentException("history min age must not be negative");
            }
            if (maxLenHard < maxLen) {
                throw new IllegalArgumentException("history hard max len must be >= max len");
            }
            atLeastOne(joinLimit, "history join limit");
            if (pageBytes < 1024) {
                throw new IllegalArgumentException("history page bytes must be >= 1024");
            }
            positive(roomTtl, "room history ttl");
            positive(directTtl, "direct history ttl");
        }

        /**
         * Retention by count only.
         *
         * @param maxLen    messages kept per room (approximately)
         * @param joinLimit messages in {@code joined} without {@code since}
         * @param pageBytes the most bytes of messages in one frame
         * @param roomTtl   a room's history lifetime after its last message
         * @param directTtl a direct conversation's history lifetime after its last message
         */
        public History(int maxLen, int joinLimit, int pageBytes, Duration roomTtl, Duration directTtl) {
            this(maxLen, joinLimit, pageBytes, roomTtl, directTtl, Duration.ZERO, maxLen);
        }
    }

    /**
     * Presence timing: a dead gateway's users are gone within {@code ttl + sweep}; a closed
     * connection's user within {@code linger + sweep} unless it comes back meanwhile.
     *
     * @param ttl     life of an entry without refresh
     * @param refresh refresh (heartbeat) period, shorter than ttl
     * @param sweep   sweep period
     * @param linger  how long a closed connection's user stays present, so that a reconnect shows no leave and join
     */
    public record Presence(Duration ttl, Duration refresh, Duration sweep, Duration linger) {
        /** Validates. */
        public Presence {
            positive(ttl, "presence ttl");
            positive(refresh, "presence refresh");
            positive(sweep, "presence sweep");
            positive(linger, "presence linger");
            if (refresh.compareTo(ttl) >= 0) {
                throw new IllegalArgumentException("presence refresh must be shorter than ttl");
            }
        }
    }

    /**
     * Message delivery.
     *
     * @param dedupWindow        how long a client's message id ({@code cid}) is remembered: a retry
     *                           within it never makes a double
     * @param receiptsMaxMembers rooms with at most this many members get read receipts
     */
    public record Messages(Duration dedupWindow, int receiptsMaxMembers) {
        /** Validates. */
        public Messages {
            positive(dedupWindow, "dedup window");
            if (receiptsMaxMembers < 0) {
                throw new IllegalArgumentException("receipts max members must be >= 0");
            }
        }
    }

    static void positive(Duration d, String what) {
        Objects.requireNonNull(d, what);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(what + " must be positive");
        }
    }

    static void atLeastOne(int value, String what) {
        if (value < 1) {
            throw new IllegalArgumentException(what + " must be >= 1");
        }
    }
}
