package io.chatrelay.bench;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/**
 * What the generator needs of a server's wire protocol: where to connect, how to join a room and
 * send a message, and what an incoming text frame is. Three implementations: chat-relay's JSON
 * protocol ({@code docs/protocol.md}), Socket.IO 4 (Engine.IO v4 over a plain WebSocket; with the
 * pub/sub or the streams adapter, which the server chooses) and Nchan (a subscriber WebSocket per
 * channel, a separate publisher WebSocket to publish).
 */
sealed interface Wire permits Wire.ChatRelay, Wire.SocketIo, Wire.Nchan {
    /** What a server frame is, as far as the generator cares. */
    enum Kind {
        /** The connection is usable (chat-relay {@code welcome}; Socket.IO namespace connected). */
        READY,
        /** The answer to our join. */
        JOINED,
        /** A fanned-out chat message. */
        MESSAGE,
        /** The answer to our send. */
        ACK,
        /** An error reply. */
        ERROR,
        /** Anything else (presence, Engine.IO open and ping, ...). */
        OTHER
    }

    /** The Socket.IO ack id used for the join; sends use ids from 2 up. */
    int JOIN_ACK_ID = 1;

    /**
     * The wire for a system name.
     *
     * @param system {@code chatrelay}, {@code socketio}, {@code socketio-streams}, {@code nchan}, or a
     *               floor server ({@code floor-helidon}, {@code floor-netty}: chat-relay's wire)
     * @return the wire
     */
    static Wire of(String system) {
        return switch (system) {
            case "chatrelay", "floor-helidon", "floor-netty" -> new ChatRelay(system);
            case "socketio", "socketio-streams" -> new SocketIo(system);
            case "nchan" -> new Nchan();
            default -> throw new IllegalArgumentException("unknown system " + system + " (chatrelay|socketio|socketio-streams|nchan|floor-helidon|floor-netty)");
        };
    }

    /** System name as written in reports. */
    String system();

    /**
     * The WebSocket URI for a connection named {@code name} to a server at {@code base}
     * ({@code ws://host:port}); {@code room} is the room it will be in, or {@code null} (only
     * systems that {@link #joinsOnConnect} use it).
     */
    URI uri(String base, String name, String room);

    /** Whether the connection is usable as soon as the WebSocket is open (no greeting frame). */
    default boolean readyOnOpen() {
        return false;
    }

    /** Whether the room is chosen by the connection's URI (no join frame; joined once open). */
    default boolean joinsOnConnect() {
        return false;
    }

    /**
     * Where a publisher of a room sends, when publishing needs its own connection ({@code null}:
     * the member's own connection publishes).
     */
    default URI publisherUri(String base, String room) {
        return null;
    }

    /** Classifies one complete text frame. */
    Kind classify(CharSequence frame);

    /** A frame to send back at once (Engine.IO open, ping), or {@code null}. */
    String autoReply(CharSequence frame);

    /** The frame that joins a room. */
    String join(String room);

    /** The frame that sends {@code text} (plain, JSON-safe characters only) to a room. */
    String send(String room, String text, long seq);

    /**
     * chat-relay protocol v1 (also spoken by the floor servers, {@code bench floor}).
     *
     * @param system the system name in reports
     */
    record ChatRelay(String system) implements Wire {

        @Override
        public URI uri(String base, String name, String room) {
            return URI.create(base + "/ws?name=" + URLEncoder.encode(name, StandardCharsets.UTF_8));
        }

        @Override
        public Kind classify(CharSequence f) {
            // every server frame starts with {"type":"<type>"
            if (!startsWith(f, 0, "{\"type\":\"")) {
                return Kind.OTHER;
            }
            if (startsWith(f, 9, "message\"")) {
                return Kind.MESSAGE;
            }
            if (startsWith(f, 9, "ack\"")) {
                return Kind.ACK;
            }
            if (startsWith(f, 9, "joined\"")) {
                return Kind.JOINED;
            }
            if (startsWith(f, 9, "welcome\"")) {
                return Kind.READY;
            }
            if (startsWith(f, 9, "error\"")) {
                return Kind.ERROR;
            }
            return Kind.OTHER;
        }

        @Override
        public String autoReply(CharSequence frame) {
            return null;
        }

        @Override
        public String join(String room) {
            return "{\"type\":\"join\",\"room\":\"" + room + "\"}";
        }

        @Override
        public String send(String room, String text, long seq) {
            return "{\"type\":\"send\",\"room\":\"" + room + "\",\"text\":\"" + text + "\",\"ref\":\"" + seq + "\"}";
        }
    }

    /**
     * Socket.IO 4 on Engine.IO v4, WebSocket transport only: {@code 0{...}} open (answered with
     * {@code 40}, connect to the main namespace), {@code 40...} connected, {@code 2} ping
     * (answered with {@code 3}), {@code 42["event",payload]} events, {@code 42<id>[...]} events
     * with an ack request, {@code 43<id>[...]} acks. The same wire for both adapters
     * ({@code socketio}: {@code @socket.io/redis-adapter}; {@code socketio-streams}:
     * {@code @socket.io/redis-streams-adapter} with connection state recovery, whose events carry
     * an offset as their last argument).
     *
     * @param system the system name in reports
     */
    record SocketIo(String system) implements Wire {
        @Override
        public URI uri(String base, String name, String room) {
            return URI.create(base + "/socket.io/?EIO=4&transport=websocket&name="
                    + URLEncoder.encode(name, StandardCharsets.UTF_8));
        }

        @Override
        public Kind classify(CharSequence f) {
            if (f.length() < 2) {
                return Kind.OTHER;
            }
            if (startsWith(f, 0, "42[\"message\"")) {
                return Kind.MESSAGE;
            }
            if (f.charAt(0) == '4' && f.charAt(1) == '3') {
                return ackId(f) == JOIN_ACK_ID ? Kind.JOINED : Kind.ACK;
            }
            if (f.charAt(0) == '4' && f.charAt(1) == '0') {
                return Kind.READY;
            }
            if (f.charAt(0) == '4' && f.charAt(1) == '4') {
                return Kind.ERROR;
            }
            return Kind.OTHER;
        }

        /** The ack id of a {@code 43<id>[...]} packet, or -1. */
        static long ackId(CharSequence f) {
            long id = 0;
            int i = 2;
            for (; i < f.length(); i++) {
                char c = f.charAt(i);
                if (c < '0' || c > '9') {
                    break;
                }
                id = id * 10 + (c - '0');
            }
            return i == 2 ? -1 : id;
        }

        @Override
        public String autoReply(CharSequence f) {
            if (f.length() == 1 && f.charAt(0) == '2') {
                return "3";
            }
            if (f.length() > 0 && f.charAt(0) == '0') {
                return "40";
            }
            return null;
        }

        @Override
        public String join(String room) {
            return "42" + JOIN_ACK_ID + "[\"join\",\"" + room + "\"]";
        }

        @Override
        public String send(String room, String text, long seq) {
            return "42" + (seq + 2) + "[\"send\",{\"room\":\"" + room + "\",\"text\":\"" + text + "\",\"ref\":\"" + seq + "\"}]";
        }
    }

    /**
     * Nchan (nginx module) with Redis storage: a member is a subscriber WebSocket on
     * {@code /sub/<room>}, which delivers each published body as one text frame; a publisher has its
     * own WebSocket on {@code /pub/<room>} (Debian's nchan 1.3.6 crashes when one location both
     * publishes and subscribes with Redis), each text frame it sends being one message. Nchan sends
     * nothing on open and answers nothing the generator needs.
     */
    record Nchan() implements Wire {
        @Override
        public String system() {
            return "nchan";
        }

        @Override
        public URI uri(String base, String name, String room) {
            return URI.create(base + "/sub/" + (room == null ? "idle-" + name : room));
        }

        @Override
        public boolean readyOnOpen() {
            return true;
        }

        @Override
        public boolean joinsOnConnect() {
            return true;
        }

        @Override
        public URI publisherUri(String base, String room) {
            return URI.create(base + "/pub/" + room);
        }

        @Override
        public Kind classify(CharSequence f) {
            return startsWith(f, 0, "{\"type\":\"message\"") ? Kind.MESSAGE : Kind.OTHER;
        }

        @Override
        public String autoReply(CharSequence frame) {
            return null;
        }

        @Override
        public String join(String room) {
            return null;
        }

        @Override
        public String send(String room, String text, long seq) {
            return "{\"type\":\"message\",\"room\":\"" + room + "\",\"text\":\"" + text + "\",\"ref\":\"" + seq + "\"}";
        }
    }

    /** Whether {@code s} has {@code prefix} at {@code offset}. */
    static boolean startsWith(CharSequence s, int offset, String prefix) {
        if (s.length() < offset + prefix.length()) {
            return false;
        }
        for (int i = 0; i < prefix.length(); i++) {
            if (s.charAt(offset + i) != prefix.charAt(i)) {
                return false;
            }
        }
        return true;
    }
}
