package io.chatrelay.gateway.protocol;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import io.chatrelay.broker.FrameTemplate;

import java.util.List;

/**
 * Writes server frames. Messages are written once, as a {@link FrameTemplate} whose id the broker
 * fills in; the same text then reaches every recipient. Strings are escaped by Jackson.
 */
public final class ServerFrames {
    /** Protocol version in {@code welcome}. */
    public static final int PROTOCOL = 1;
    /** The {@code pong} frame. */
    public static final String PONG = "{\"type\":\"pong\"}";
    private static final String TYPING_PREFIX = "{\"type\":\"typing\",";
    private static final String TYPING_USER = ",\"user\":\"";

    private ServerFrames() {
    }

    /**
     * A room message, awaiting its id.
     *
     * @param room the room
     * @param from sender id
     * @param text the text
     * @param ts   epoch milliseconds
     * @return the template
     */
    public static FrameTemplate roomMessage(String room, String from, String text, long ts) {
        return new FrameTemplate("{\"type\":\"message\",\"room\":" + str(room) + ",\"id\":\"",
                "\",\"from\":" + str(from) + ",\"text\":" + str(text) + ",\"ts\":" + ts + "}");
    }

    /**
     * A direct message, awaiting its id.
     *
     * @param to   recipient id
     * @param from sender id
     * @param text the text
     * @param ts   epoch milliseconds
     * @return the template
     */
    public static FrameTemplate directMessage(String to, String from, String text, long ts) {
        return new FrameTemplate("{\"type\":\"message\",\"to\":" + str(to) + ",\"id\":\"",
                "\",\"from\":" + str(from) + ",\"text\":" + str(text) + ",\"ts\":" + ts + "}");
    }

    /**
     * The first frame of a connection.
     *
     * @param user the connection's user id
     * @param node the gateway's node id
     * @return the frame
     */
    public static String welcome(String user, String node) {
        return "{\"type\":\"welcome\",\"protocol\":" + PROTOCOL + ",\"user\":" + str(user) + ",\"node\":" + str(node) + "}";
    }

    /**
     * The answer to a join.
     *
     * @param room      the room
     * @param recovered {@code null} when the join had no {@code since}
     * @param members   users present
     * @param messages  message frames, oldest first, spliced in as they are
     * @return the frame
     */
    public static String joined(String room, Boolean recovered, List<String> members, List<String> messages) {
        StringBuilder b = new StringBuilder(128 + messages.size() * 128);
        b.append("{\"type\":\"joined\",\"room\":").append(str(room));
        if (recovered != null) {
            b.append(",\"recovered\":").append(recovered);
        }
        b.append(",\"members\":[");
        appendStrings(b, members);
        b.append("],\"messages\":[");
        appendRaw(b, messages);
        return b.append("]}").toString();
    }

    /**
     * A page of history.
     *
     * @param key      {@code "room"} or {@code "with"}
     * @param value    the room or user
     * @param messages message frames, oldest first
     * @param more     whether older (or newer, for after) frames exist
     * @param ref      client ref
     * @return the frame
     */
    public static String history(String key, String value, List<String> messages, boolean more, String ref) {
        StringBuilder b = new StringBuilder(96 + messages.size() * 128);
        b.append("{\"type\":\"history\",\"").append(key).append("\":").append(str(value)).append(",\"messages\":[");
        appendRaw(b, messages);
        return b.append("],\"more\":").append(more).append(",\"ref\":").append(str(ref)).append('}').toString();
    }

    /**
     * Leaving confirmed.
     *
     * @param room the room
     * @return the frame
     */
    public static String left(String room) {
        return "{\"type\":\"left\",\"room\":" + str(room) + "}";
    }

    /**
     * A message was stored and published.
     *
     * @param ref client ref
     * @param id  message id
     * @return the frame
     */
    public static String ack(String ref, String id) {
        return "{\"type\":\"ack\",\"ref\":" + str(ref) + ",\"id\":" + str(id) + "}";
    }

    /**
     * A presence change.
     *
     * @param room  the room
     * @param user  the user
     * @param event {@code join} or {@code leave}
     * @return the frame
     */
    public static String presence(String room, String user, String event) {
        return "{\"type\":\"presence\",\"room\":" + str(room) + ",\"user\":" + str(user) + ",\"event\":" + str(event) + "}";
    }

    /**
     * Someone is typing.
     *
     * @param room the room
     * @param user the user
     * @return the frame
     */
    public static String typing(String room, String user) {
        return TYPING_PREFIX + "\"room\":" + str(room) + TYPING_USER + str(user).substring(1) + "}";
    }

    /**
     * The user of a frame written by {@link #typing}, so that the fan-out can skip the typist's
     * own connections; {@code null} for any other frame. User ids need no JSON escaping.
     *
     * @param frame a frame
     * @return the typing user, or {@code null}
     */
    public static String typingUser(String frame) {
        if (!frame.startsWith(TYPING_PREFIX)) {
            return null;
        }
        int at = frame.lastIndexOf(TYPING_USER);
        return at < 0 ? null : frame.substring(at + TYPING_USER.length(), frame.length() - 2);
    }

    /**
     * Gateway status.
     *
     * @param node        node id
     * @param connections local connections
     * @param rooms       rooms with local members
     * @param broker      broker state
     * @return the frame
     */
    public static String status(String node, int connections, int rooms, String broker) {
        return "{\"type\":\"status\",\"node\":" + str(node) + ",\"connections\":" + connections
                + ",\"rooms\":" + rooms + ",\"broker\":" + str(broker) + "}";
    }

    /**
     * An error.
     *
     * @param code    the code
     * @param message the reason
     * @param ref     client ref
     * @return the frame
     */
    public static String error(ErrorCode code, String message, String ref) {
        return "{\"type\":\"error\",\"code\":" + str(code.wire()) + ",\"message\":" + str(message)
                + ",\"ref\":" + str(ref) + "}";
    }

    /**
     * A JSON string literal, or {@code null}.
     *
     * @param value the value
     * @return the literal
     */
    public static String str(String value) {
        if (value == null) {
            return "null";
        }
        return "\"" + new String(JsonStringEncoder.getInstance().quoteAsString(value)) + "\"";
    }

    private static void appendStrings(StringBuilder b, List<String> values) {
        for (int i = 0; i < values.size(); i++) {
            if (i > 0) {
                b.append(',');
            }
            b.append(str(values.get(i)));
        }
    }

    private static void appendRaw(StringBuilder b, List<String> frames) {
        for (int i = 0; i < frames.size(); i++) {
            if (i > 0) {
                b.append(',');
            }
            b.append(frames.get(i));
        }
    }
}
