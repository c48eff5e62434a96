package io.chatrelay.bench.floor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The part of a floor server that does not depend on its WebSocket layer: local rooms and the
 * subset of chat-relay's protocol the load generator speaks ({@code welcome}, {@code join} /
 * {@code joined}, {@code send} / {@code message} + {@code ack}, {@code error}). No Redis, no
 * identity, no history: what is left is the cost of the WebSocket layer under the same fan-out.
 * A message is encoded once (JSON, then the transport's frame) and the same frame goes to every
 * member, as the gateway does.
 */
final class Rooms {
    /** Longest room name. */
    static final int MAX_ROOM = 64;
    /** Longest message text, in characters. */
    static final int MAX_TEXT = 4096;
    /** Most rooms one connection may be in. */
    static final int MAX_ROOMS_PER_PEER = 16;
    /** Longest client frame, in bytes (both transports refuse longer ones). */
    static final int MAX_FRAME = 16 * 1024;

    /** One connection, as the rooms see it. */
    interface Peer {
        /**
         * Queues a frame for this connection; never blocks. A peer that cannot keep up is closed.
         *
         * @param frame the frame, encoded by {@link Transport#encode} (shared: never changed)
         */
        void deliver(Object frame);

        /** The rooms this connection is in (for leaving them on close). */
        Set<String> rooms();
    }

    /** How a transport turns a text into the object its peers write. */
    interface Transport {
        /**
         * Encodes a text frame once, to be handed to any number of peers.
         *
         * @param text the payload
         * @return what {@link Peer#deliver} takes
         */
        Object encode(String text);

        /**
         * Hands one encoded frame to every member of a room; by default one {@link Peer#deliver}
         * each.
         *
         * @param members the room's members
         * @param frame   what {@link #encode} returned
         */
        default void fanOut(Set<Peer> members, Object frame) {
            for (Peer member : members) {
                member.deliver(frame);
            }
        }

        /**
         * The rooms are done handing a frame out (the peers that queued it hold their own
         * reference, if the transport counts them).
         *
         * @param frame what {@link #encode} returned
         */
        default void done(Object frame) {
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Map<String, Set<Peer>> rooms = new ConcurrentHashMap<>();
    private final Transport transport;
    private final Object welcome;

    Rooms(Transport transport) {
        this.transport = transport;
        this.welcome = transport.encode("{\"type\":\"welcome\"}");
    }

    /** A new connection: sends its welcome. */
    void opened(Peer p) {
        p.deliver(welcome);
    }

    /** A closed connection: leaves its rooms. */
    void closed(Peer p) {
        for (String room : p.rooms()) {
            rooms.computeIfPresent(room, (k, members) -> {
                members.remove(p);
                return members.isEmpty() ? null : members;
            });
        }
    }

    /** One text frame from a connection. */
    void received(Peer p, String frame) {
        JsonNode msg;
        try {
            msg = JSON.readTree(frame);
        } catch (IOException e) {
            error(p, "bad_json");
            return;
        }
        String room = msg.path("room").asText("");
        if (room.isEmpty() || room.length() > MAX_ROOM) {
            error(p, "bad_room");
            return;
        }
        switch (msg.path("type").asText("")) {
            case "join" -> join(p, room);
            case "send" -> send(p, room, msg.path("text").asText(""), msg.path("ref").asText(""));
            default -> error(p, "bad_type");
        }
    }

    private void join(Peer p, String room) {
        if (!p.rooms().contains(room)) {
            if (p.rooms().size() >= MAX_ROOMS_PER_PEER) {
                error(p, "too_many_rooms");
                return;
            }
            p.rooms().add(room);
            rooms.computeIfAbsent(room, k -> ConcurrentHashMap.newKeySet()).add(p);
        }
        reply(p, reply("joined", "room", room));
    }

    private void send(Peer p, String room, String text, String ref) {
        if (!p.rooms().contains(room)) {
            error(p, "not_a_member");
            return;
        }
        if (text.isEmpty() || text.length() > MAX_TEXT || ref.length() > MAX_ROOM) {
            error(p, "bad_text");
            return;
        }
        ObjectNode m = JSON.createObjectNode().put("type", "message").put("room", room).put("text", text);
        Object frame = transport.encode(m.toString());
        transport.fanOut(rooms.getOrDefault(room, Set.of()), frame);
        transport.done(frame);
        reply(p, reply("ack", "ref", ref));
    }

    private void error(Peer p, String code) {
        reply(p, reply("error", "code", code));
    }

    private void reply(Peer p, String text) {
        Object frame = transport.encode(text);
        p.deliver(frame);
        transport.done(frame);
    }

    private static String reply(String type, String key, String value) {
        return JSON.createObjectNode().put("type", type).put(key, value).toString();
    }
}
