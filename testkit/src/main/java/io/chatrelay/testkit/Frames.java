package io.chatrelay.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The chat-relay wire frames for tests (docs/protocol.md): builders for client frames, predicates
 * for server frames, and message ids (Redis stream ids, {@code <ms>-<seq>}) in order.
 */
public final class Frames {
    /** The one JSON mapper of the test kit. */
    public static final ObjectMapper JSON = new ObjectMapper();

    private Frames() {
    }

    // ------------------------------------------------------------------ client frames

    /**
     * A JSON object from key/value pairs; values become JSON as Jackson writes them.
     *
     * @param keyValues key, value, key, value, ...
     * @return the object
     */
    public static ObjectNode object(Object... keyValues) {
        if (keyValues.length % 2 != 0) {
            throw new IllegalArgumentException("key/value pairs expected, got " + keyValues.length + " items");
        }
        ObjectNode node = JSON.createObjectNode();
        for (int i = 0; i < keyValues.length; i += 2) {
            node.set((String) keyValues[i], JSON.valueToTree(keyValues[i + 1]));
        }
        return node;
    }

    /**
     * A frame of a type without fields ({@code ping}, {@code status}) to add fields to.
     *
     * @param type the type
     * @return the frame
     */
    public static ObjectNode frame(String type) {
        return JSON.createObjectNode().put("type", type);
    }

    /**
     * {@code join}, without {@code since}.
     *
     * @param room the room
     * @return the frame
     */
    public static ObjectNode join(String room) {
        return join(room, null);
    }

    /**
     * {@code join}, recovering after {@code since} unless it is {@code null}.
     *
     * @param room  the room
     * @param since the last id the client has, or {@code null}
     * @return the frame
     */
    public static ObjectNode join(String room, String since) {
        ObjectNode join = frame("join").put("room", room);
        if (since != null) {
            join.put("since", since);
        }
        return join;
    }

    /**
     * {@code join} with a room token the application signed for this user and room.
     *
     * @param room  the room
     * @param token the room token
     * @param ref   the client ref, or {@code null} for none
     * @return the frame
     */
    public static ObjectNode joinWithToken(String room, String token, String ref) {
        ObjectNode join = join(room).put("token", token);
        if (ref != null) {
            join.put("ref", ref);
        }
        return join;
    }

    /**
     * {@code refresh}: a new connection token for the same user.
     *
     * @param token the new token
     * @param ref   the client ref, or {@code null} for none
     * @return the frame
     */
    public static ObjectNode refresh(String token, String ref) {
        ObjectNode refresh = frame("refresh").put("token", token);
        if (ref != null) {
            refresh.put("ref", ref);
        }
        return refresh;
    }

    /**
     * {@code send} of a direct message.
     *
     * @param to   the recipient's user id
     * @param text the text
     * @param ref  the client ref, or {@code null} for none
     * @return the frame
     */
    public static ObjectNode direct(String to, String text, String ref) {
        ObjectNode send = frame("send").put("to", to).put("text", text);
        if (ref != null) {
            send.put("ref", ref);
        }
        return send;
    }

    /**
     * {@code leave}.
     *
     * @param room the room
     * @return the frame
     */
    public static ObjectNode leave(String room) {
        return frame("leave").put("room", room);
    }

    /**
     * {@code send} to a room.
     *
     * @param room the room
     * @param text the text
     * @param ref  the client ref, or {@code null} for none
     * @return the frame
     */
    public static ObjectNode send(String room, String text, String ref) {
        ObjectNode send = frame("send").put("room", room).put("text", text);
        if (ref != null) {
            send.put("ref", ref);
        }
        return send;
    }

    /**
     * {@code send} to a room with the client's own message id: re-sent with the same {@code cid},
     * the server stores it once and acks the first id.
     *
     * @param room the room
     * @param text the text
     * @param cid  the client's message id (1-64 characters)
     * @param ref  the client ref, or {@code null} for none
     * @return the frame
     */
    public static ObjectNode sendOnce(String room, String text, String cid, String ref) {
        return send(room, text, ref).put("cid", cid);
    }

    /**
     * {@code send} of a direct message with the client's own message id.
     *
     * @param to   the recipient's user id
     * @param text the text
     * @param cid  the client's message id
     * @param ref  the client ref, or {@code null} for none
     * @return the frame
     */
    public static ObjectNode directOnce(String to, String text, String cid, String ref) {
        return direct(to, text, ref).put("cid", cid);
    }

    /**
     * {@code edit} of one's own message (protocol 2).
     *
     * @param room   the room
     * @param target the message's id
     * @param text   the new text
     * @param ref    the client ref, or {@code null}
     * @return the frame
     */
    public static ObjectNode edit(String room, String target, String text, String ref) {
        return withRef(frame("edit").put("room", room).put("target", target).put("text", text), ref);
    }

    /**
     * {@code delete} of one's own message (protocol 2).
     *
     * @param room   the room
     * @param target the message's id
     * @param ref    the client ref, or {@code null}
     * @return the frame
     */
    public static ObjectNode delete(String room, String target, String ref) {
        return withRef(frame("delete").put("room", room).put("target", target), ref);
    }

    /**
     * {@code react}: adds or removes a reaction (protocol 2).
     *
     * @param room   the room
     * @param target the message's id
     * @param emoji  the reaction
     * @param add    add, or remove
     * @param ref    the client ref, or {@code null}
     * @return the frame
     */
    public static ObjectNode react(String room, String target, String emoji, boolean add, String ref) {
        return withRef(frame("react").put("room", room).put("target", target).put("emoji", emoji).put("op", add ? "add" : "remove"), ref);
    }

    /**
     * {@code read}: the user read a room up to a message (protocol 2).
     *
     * @param room the room
     * @param id   the last message read
     * @param ref  the client ref, or {@code null}
     * @return the frame
     */
    public static ObjectNode read(String room, String id, String ref) {
        return withRef(frame("read").put("room", room).put("id", id), ref);
    }

    private static ObjectNode withRef(ObjectNode frame, String ref) {
        return ref == null ? frame : frame.put("ref", ref);
    }

    /**
     * The protocol-2 {@code hello}: credentials and the rooms to resume, each with the last id the
     * client has ({@code null}: none), in map order.
     *
     * @param name  guest name, or {@code null}
     * @param token token, or {@code null}
     * @param rooms room to last id (values may be {@code null})
     * @return the frame
     */
    public static ObjectNode hello(String name, String token, Map<String, String> rooms) {
        ObjectNode hello = frame("hello");
        if (name != null) {
            hello.put("name", name);
        }
        if (token != null) {
            hello.put("token", token);
        }
        ObjectNode r = hello.putObject("rooms");
        rooms.forEach(r::put);
        return hello;
    }

    // ------------------------------------------------------------------ server frames

    /**
     * A frame's {@code type}.
     *
     * @param frame the frame
     * @return its type, or "" when it has none
     */
    public static String type(JsonNode frame) {
        return frame.path("type").asText();
    }

    /**
     * Whether a frame is of a type.
     *
     * @param frame the frame
     * @param type  the type
     * @return whether it is
     */
    public static boolean is(JsonNode frame, String type) {
        return type.equals(type(frame));
    }

    /**
     * Frames of a type.
     *
     * @param type the type
     * @return the predicate
     */
    public static Predicate<JsonNode> ofType(String type) {
        return f -> is(f, type);
    }

    /**
     * {@code joined} of a room.
     *
     * @param room the room
     * @return the predicate
     */
    public static Predicate<JsonNode> joined(String room) {
        return f -> is(f, "joined") && room.equals(f.path("room").asText());
    }

    /**
     * {@code left} of a room.
     *
     * @param room the room
     * @return the predicate
     */
    public static Predicate<JsonNode> left(String room) {
        return f -> is(f, "left") && room.equals(f.path("room").asText());
    }

    /**
     * A {@code message} in a room.
     *
     * @param room the room
     * @return the predicate
     */
    public static Predicate<JsonNode> message(String room) {
        return f -> is(f, "message") && room.equals(f.path("room").asText());
    }

    /**
     * A {@code message} in a room with a text.
     *
     * @param room the room
     * @param text the text
     * @return the predicate
     */
    public static Predicate<JsonNode> message(String room, String text) {
        return message(room).and(f -> text.equals(f.path("text").asText()));
    }

    /**
     * The {@code ack} of a ref.
     *
     * @param ref the client ref
     * @return the predicate
     */
    public static Predicate<JsonNode> ack(String ref) {
        return f -> is(f, "ack") && ref.equals(f.path("ref").asText());
    }

    /**
     * An {@code error} with a code.
     *
     * @param code the error code
     * @return the predicate
     */
    public static Predicate<JsonNode> error(String code) {
        return f -> is(f, "error") && code.equals(f.path("code").asText());
    }

    /**
     * A {@code presence} event.
     *
     * @param room  the room
     * @param user  the user id (not its display name)
     * @param event {@code join} or {@code leave}
     * @return the predicate
     */
    public static Predicate<JsonNode> presence(String room, String user, String event) {
        return f -> is(f, "presence") && room.equals(f.path("room").asText()) && user.equals(f.path("user").asText())
                && event.equals(f.path("event").asText());
    }

    /**
     * Any {@code presence} event about a user, in any room.
     *
     * @param user the user id (not its display name)
     * @return the predicate
     */
    public static Predicate<JsonNode> presenceOf(String user) {
        return f -> is(f, "presence") && user.equals(f.path("user").asText());
    }

    /**
     * An {@code error} with a code and the client's ref.
     *
     * @param code the error code
     * @param ref  the client ref
     * @return the predicate
     */
    public static Predicate<JsonNode> error(String code, String ref) {
        return error(code).and(f -> ref.equals(f.path("ref").asText()));
    }

    /**
     * A direct {@code message} (one with {@code to}) with a text.
     *
     * @param text the text
     * @return the predicate
     */
    public static Predicate<JsonNode> direct(String text) {
        return f -> is(f, "message") && f.hasNonNull("to") && text.equals(f.path("text").asText());
    }

    /**
     * Any direct {@code message} (one with {@code to}).
     *
     * @return the predicate
     */
    public static Predicate<JsonNode> directMessage() {
        return f -> is(f, "message") && f.hasNonNull("to");
    }

    /**
     * A frame of a type in a room ({@code edit}, {@code delete}, {@code reaction}, {@code receipt}, ...).
     *
     * @param type the type
     * @param room the room
     * @return the predicate
     */
    public static Predicate<JsonNode> inRoom(String type, String room) {
        return f -> is(f, type) && room.equals(f.path("room").asText());
    }

    /**
     * The user ids of a {@code joined} frame's {@code members}, in order.
     *
     * @param joined the frame
     * @return the ids
     */
    public static List<String> members(JsonNode joined) {
        List<String> ids = new ArrayList<>();
        joined.path("members").forEach(m -> ids.add(m.asText()));
        return ids;
    }

    /**
     * The display names of a {@code joined} frame's members ({@code names}: id to name), in order.
     *
     * @param joined the frame
     * @return id to display name
     */
    public static Map<String, String> memberNames(JsonNode joined) {
        Map<String, String> names = new java.util.LinkedHashMap<>();
        joined.path("names").properties().forEach(e -> names.put(e.getKey(), e.getValue().asText()));
        return names;
    }

    /**
     * The ids of the messages a {@code joined} or {@code history} frame carries, in order.
     *
     * @param frame the frame
     * @return the ids
     */
    public static List<String> messageIds(JsonNode frame) {
        List<String> ids = new ArrayList<>();
        frame.path("messages").forEach(m -> ids.add(m.path("id").asText()));
        return ids;
    }

    /**
     * The texts of the messages a {@code joined} or {@code history} frame carries, in order.
     *
     * @param frame the frame
     * @return the texts
     */
    public static List<String> messageTexts(JsonNode frame) {
        List<String> texts = new ArrayList<>();
        frame.path("messages").forEach(m -> texts.add(m.path("text").asText()));
        return texts;
    }

    // ------------------------------------------------------------------ message ids

    /**
     * Compares two message ids ({@code <ms>-<seq>}) numerically, part by part.
     *
     * @param a an id
     * @param b another id
     * @return negative, zero or positive
     */
    public static int compareIds(String a, String b) {
        String[] x = a.split("-");
        String[] y = b.split("-");
        int c = Long.compare(Long.parseLong(x[0]), Long.parseLong(y[0]));
        return c != 0 ? c : Long.compare(Long.parseLong(x[1]), Long.parseLong(y[1]));
    }

    /**
     * A sorted copy of message ids.
     *
     * @param ids the ids
     * @return them in id order
     */
    public static List<String> sorted(List<String> ids) {
        List<String> copy = new ArrayList<>(ids);
        copy.sort(Frames::compareIds);
        return copy;
    }
}
