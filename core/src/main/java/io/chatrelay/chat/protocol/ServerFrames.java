package io.chatrelay.chat.protocol;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import io.chatrelay.broker.FrameMeta;
import io.chatrelay.broker.FrameTemplate;

import java.util.List;
import java.util.Map;

/**
 * Writes server frames. Messages are written once, as a {@link FrameTemplate} whose id the broker
 * fills in; the same text then reaches every recipient. Strings are escaped by Jackson.
 */
public final class ServerFrames {
    /** The protocol version of clients that do not negotiate one. */
    public static final int PROTOCOL_1 = 1;
    /** The protocol version negotiated with {@code Sec-WebSocket-Protocol: chatrelay.v2}. */
    public static final int PROTOCOL_2 = 2;
    /** The {@code pong} frame. */
    public static final String PONG = "{\"type\":\"pong\"}";
    /** Kind of a stored room message. */
    public static final String KIND_MESSAGE = "message";
    /** Kind of a direct message. */
    public static final String KIND_DIRECT = "direct";
    /** Kind of a typing event. */
    public static final String KIND_TYPING = "typing";
    /** Kind of a presence event. */
    public static final String KIND_PRESENCE = "presence";
    /** Kind of an edit of a message (protocol 2). */
    public static final String KIND_EDIT = "edit";
    /** Kind of a deletion of a message (protocol 2). */
    public static final String KIND_DELETE = "delete";
    /** Kind of a reaction (protocol 2). */
    public static final String KIND_REACTION = "reaction";
    /** Kind of a read cursor moving, sent to the reader's devices (protocol 2). */
    public static final String KIND_READ = "read";
    /** Kind of a read receipt in a small room (protocol 2). */
    public static final String KIND_RECEIPT = "receipt";

    /**
     * Whether protocol-1 clients receive frames of a kind (they never see frames they cannot handle).
     *
     * @param kind the frame's kind
     * @return {@code true} for messages, direct messages, typing and presence
     */
    public static boolean v1Visible(String kind) {
        return KIND_MESSAGE.equals(kind) || KIND_DIRECT.equals(kind) || KIND_TYPING.equals(kind) || KIND_PRESENCE.equals(kind);
    }

    private ServerFrames() {
    }

    /**
     * A room message, awaiting its id.
     *
     * @param room the room
     * @param from sender id
     * @param name sender's display name
     * @param text the text
     * @param ts   epoch milliseconds
     * @return the template
     */
    public static FrameTemplate roomMessage(String room, String from, String name, String text, long ts) {
        return roomMessage(room, from, name, Post.of(text), ts);
    }

    /**
     * A room message with its optional parts, awaiting its id.
     *
     * @param room the room
     * @param from sender id
     * @param name sender's display name
     * @param post text, client id, reply and metadata
     * @param ts   epoch milliseconds
     * @return the template
     */
    public static FrameTemplate roomMessage(String room, String from, String name, Post post, long ts) {
        return new FrameTemplate(new FrameMeta(KIND_MESSAGE, from, ts), "{\"type\":\"message\",\"room\":" + str(room) + ",\"id\":\"",
                "\",\"from\":" + str(from) + ",\"name\":" + str(name) + ",\"text\":" + str(post.text()) + extras(post)
                        + ",\"ts\":" + ts + "}");
    }

    /**
     * The optional parts of a message: the client's {@code cid} (so that a sender who lost the
     * ack sees, in what it recovers, that its message was stored), {@code reply_to}, {@code meta}.
     */
    private static String extras(Post post) {
        boolean clientCid = post.cid() != null && post.cid().charAt(0) != TextRules.INTERNAL_CID;
        return (clientCid ? ",\"cid\":" + str(post.cid()) : "")
                + (post.replyTo() == null ? "" : ",\"reply_to\":" + str(post.replyTo()))
                + (post.meta() == null ? "" : ",\"meta\":" + post.meta());
    }

    /**
     * A direct message, awaiting its id.
     *
     * @param to   recipient id
     * @param from sender id
     * @param name sender's display name
     * @param text the text
     * @param ts   epoch milliseconds
     * @return the template
     */
    public static FrameTemplate directMessage(String to, String from, String name, String text, long ts) {
        return directMessage(to, from, name, Post.of(text), ts);
    }

    /**
     * A direct message with its optional parts, awaiting its id.
     *
     * @param to   recipient id
     * @param from sender id
     * @param name sender's display name
     * @param post text, reply and metadata
     * @param ts   epoch milliseconds
     * @return the template
     */
    public static FrameTemplate directMessage(String to, String from, String name, Post post, long ts) {
        return new FrameTemplate(new FrameMeta(KIND_DIRECT, from, ts), "{\"type\":\"message\",\"to\":" + str(to) + ",\"id\":\"",
                "\",\"from\":" + str(from) + ",\"name\":" + str(name) + ",\"text\":" + str(post.text()) + extras(post)
                        + ",\"ts\":" + ts + "}");
    }

    /**
     * An edit of a message, awaiting its own id (stored in the room's history, protocol 2).
     *
     * @param room   the room
     * @param target the edited message's id
     * @param from   who edited it
     * @param name   their display name
     * @param text   the new text
     * @param ts     epoch milliseconds
     * @return the template
     */
    public static FrameTemplate edit(String room, String target, String from, String name, String text, long ts) {
        return new FrameTemplate(new FrameMeta(KIND_EDIT, from, ts), "{\"type\":\"edit\",\"room\":" + str(room) + ",\"id\":\"",
                "\",\"target\":" + str(target) + ",\"from\":" + str(from) + ",\"name\":" + str(name) + ",\"text\":" + str(text)
                        + ",\"ts\":" + ts + "}");
    }

    /**
     * A deletion of a message, awaiting its own id (stored in the room's history, protocol 2).
     *
     * @param room   the room
     * @param target the deleted message's id
     * @param from   who deleted it
     * @param name   their display name
     * @param ts     epoch milliseconds
     * @return the template
     */
    public static FrameTemplate delete(String room, String target, String from, String name, long ts) {
        return new FrameTemplate(new FrameMeta(KIND_DELETE, from, ts), "{\"type\":\"delete\",\"room\":" + str(room) + ",\"id\":\"",
                "\",\"target\":" + str(target) + ",\"from\":" + str(from) + ",\"name\":" + str(name) + ",\"ts\":" + ts + "}");
    }

    /**
     * A reaction added or removed, awaiting its id and the reaction's new count (the broker puts
     * {@code ","count":<n>} right after the id).
     *
     * @param room   the room
     * @param target the message's id
     * @param from   who reacted
     * @param name   their display name
     * @param emoji  the reaction
     * @param add    added or removed
     * @param ts     epoch milliseconds
     * @return the template
     */
    public static FrameTemplate reaction(String room, String target, String from, String name, String emoji, boolean add, long ts) {
        return new FrameTemplate(new FrameMeta(KIND_REACTION, from, ts), "{\"type\":\"reaction\",\"room\":" + str(room) + ",\"id\":\"",
                ",\"target\":" + str(target) + ",\"from\":" + str(from) + ",\"name\":" + str(name) + ",\"emoji\":" + str(emoji)
                        + ",\"op\":\"" + (add ? "add" : "remove") + "\",\"ts\":" + ts + "}");
    }

    /**
     * A user's read cursor moved (to the user's own connections).
     *
     * @param room the room
     * @param id   the last message read
     * @return the frame
     */
    public static String read(String room, String id) {
        return "{\"type\":\"read\",\"room\":" + str(room) + ",\"id\":" + str(id) + "}";
    }

    /**
     * A member of a small room read up to a message.
     *
     * @param room the room
     * @param user the member
     * @param name their display name
     * @param id   the last message read
     * @return the frame
     */
    public static String receipt(String room, String user, String name, String id) {
        return "{\"type\":\"receipt\",\"room\":" + str(room) + ",\"user\":" + str(user) + ",\"name\":" + str(name)
                + ",\"id\":" + str(id) + "}";
    }

    /**
     * The first frame of a connection.
     *
     * @param protocol   the protocol version of the connection
     * @param user       the connection's user id
     * @param name       its display name
     * @param node       the gateway's node id
     * @param guestToken for a guest, the token to come back as the same guest; {@code null} otherwise
     * @return the frame
     */
    public static String welcome(int protocol, String user, String name, String node, String guestToken) {
        return "{\"type\":\"welcome\",\"protocol\":" + protocol + ",\"user\":" + str(user) + ",\"name\":" + str(name)
                + ",\"node\":" + str(node) + (guestToken == null ? "" : ",\"guest_token\":" + str(guestToken)) + "}";
    }

    /**
     * The answer to a join.
     *
     * @param room      the room
     * @param recovered {@code null} when the join had no {@code since}
     * @param members   users present: id to display name, in id order
     * @param messages  message frames, oldest first, spliced in as they are
     * @param more      whether more recovered messages follow, one {@code message} frame each
     * @return the frame
     */
    public static String joined(String room, Boolean recovered, Map<String, String> members, List<String> messages, boolean more) {
        return joined(room, recovered, members, messages, more, null);
    }

    /**
     * What a protocol-2 {@code joined} says about reading: the user's cursor, how many messages
     * came after it, and (small rooms) the members' cursors.
     *
     * @param cursor   the last message id the user read, or {@code null}
     * @param unread   messages after the cursor (at most {@code cap})
     * @param capped   whether there are more than {@code unread}
     * @param receipts member to last id read, or {@code null} (not a small room)
     */
    public record ReadView(String cursor, int unread, boolean capped, Map<String, String> receipts) {
    }

    /**
     * The answer to a join, with the read state (protocol 2).
     *
     * @param room      the room
     * @param recovered {@code null} when the join had no {@code since}
     * @param members   users present: id to display name
     * @param messages  message frames, oldest first
     * @param more      whether more recovered messages follow
     * @param read      the read state, or {@code null} (protocol 1)
     * @return the frame
     */
    public static String joined(String room, Boolean recovered, Map<String, String> members, List<String> messages, boolean more,
                                ReadView read) {
        return joined(room, recovered, members, members.size(), messages, more, read);
    }

    /**
     * The answer to a join in a room that may be large: {@code members} is the first page of the
     * members present (in id order), {@code memberCount} how many there are; when the page is not
     * all of them, {@code "members_more":true} tells the client to page on with {@code members}.
     *
     * @param room        the room
     * @param recovered   {@code null} when the join had no {@code since}
     * @param members     the first members present: id to display name, in id order
     * @param memberCount how many members are present
     * @param messages    message frames, oldest first
     * @param more        whether more recovered messages follow
     * @param read        the read state, or {@code null} (protocol 1)
     * @return the frame
     */
    public static String joined(String room, Boolean recovered, Map<String, String> members, long memberCount,
                                List<String> messages, boolean more, ReadView read) {
        StringBuilder b = new StringBuilder(128 + messages.size() * 128 + members.size() * 40);
        b.append("{\"type\":\"joined\",\"room\":").append(str(room));
        if (recovered != null) {
            b.append(",\"recovered\":").append(recovered);
        }
        appendMembers(b, members);
        b.append(",\"member_count\":").append(Math.max(memberCount, members.size()));
        if (memberCount > members.size()) {
            b.append(",\"members_more\":true");
        }
        b.append(",\"messages\":[");
        appendRaw(b, messages);
        b.append(']');
        if (more) {
            b.append(",\"more\":true");
        }
        if (read != null) {
            b.append(",\"read\":").append(str(read.cursor())).append(",\"unread\":").append(read.unread());
            if (read.capped()) {
                b.append(",\"unread_capped\":true");
            }
            if (read.receipts() != null) {
                b.append(",\"receipts\":{");
                boolean firstReceipt = true;
                for (Map.Entry<String, String> r : read.receipts().entrySet()) {
                    if (!firstReceipt) {
                        b.append(',');
                    }
                    firstReceipt = false;
                    b.append(str(r.getKey())).append(':').append(str(r.getValue()));
                }
                b.append('}');
            }
        }
        return b.append('}').toString();
    }

    /**
     * A page of the members present in a room.
     *
     * @param room    the room
     * @param members id to display name, in id order
     * @param more    whether members after the last one exist
     * @param ref     client ref
     * @return the frame
     */
    public static String members(String room, Map<String, String> members, boolean more, String ref) {
        StringBuilder b = new StringBuilder(96 + members.size() * 40);
        b.append("{\"type\":\"members\",\"room\":").append(str(room));
        appendMembers(b, members);
        return b.append(",\"more\":").append(more).append(",\"ref\":").append(str(ref)).append('}').toString();
    }

    /** {@code ,"members":[ids],"names":{id:name}}. */
    private static void appendMembers(StringBuilder b, Map<String, String> members) {
        b.append(",\"members\":[");
        appendStrings(b, List.copyOf(members.keySet()));
        b.append("],\"names\":{");
        boolean first = true;
        for (Map.Entry<String, String> m : members.entrySet()) {
            if (!first) {
                b.append(',');
            }
            first = false;
            b.append(str(m.getKey())).append(':').append(str(m.getValue()));
        }
        b.append('}');
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
     * The connection was removed from a room by the application (a moderator, a ban).
     *
     * @param room   the room
     * @param reason why, possibly empty
     * @return the frame
     */
    public static String removed(String room, String reason) {
        return "{\"type\":\"left\",\"room\":" + str(room) + ",\"removed\":true,\"reason\":" + str(reason) + "}";
    }

    /**
     * A moderator muted or unmuted the connection's user in a room.
     *
     * @param room   the room
     * @param muted  muted or not
     * @param reason why, possibly empty
     * @return the frame
     */
    public static String muted(String room, boolean muted, String reason) {
        return "{\"type\":\"muted\",\"room\":" + str(room) + ",\"muted\":" + muted + ",\"reason\":" + str(reason) + "}";
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
     * A message was stored (now, or by an earlier attempt with the same {@code cid}).
     *
     * @param ref       client ref
     * @param id        message id (the original one for a duplicate)
     * @param cid       the client's message id, or {@code null}
     * @param duplicate whether an earlier attempt stored it
     * @return the frame
     */
    public static String ack(String ref, String id, String cid, boolean duplicate) {
        return "{\"type\":\"ack\",\"ref\":" + str(ref) + ",\"id\":" + str(id) + (cid == null ? "" : ",\"cid\":" + str(cid))
                + (duplicate ? ",\"duplicate\":true" : "") + "}";
    }

    /**
     * A presence change.
     *
     * @param room  the room
     * @param user  the user
     * @param name  the user's display name
     * @param event {@code join} or {@code leave}
     * @return the frame
     */
    public static String presence(String room, String user, String name, String event) {
        return "{\"type\":\"presence\",\"room\":" + str(room) + ",\"user\":" + str(user) + ",\"name\":" + str(name)
                + ",\"event\":" + str(event) + "}";
    }

    /**
     * Someone is typing.
     *
     * @param room the room
     * @param user the user
     * @param name the user's display name
     * @return the frame
     */
    public static String typing(String room, String user, String name) {
        return "{\"type\":\"typing\",\"room\":" + str(room) + ",\"user\":" + str(user) + ",\"name\":" + str(name) + "}";
    }

    /**
     * The connection's token was replaced.
     *
     * @param expires when the new token expires (epoch seconds)
     * @param ref     client ref
     * @return the frame
     */
    public static String refreshed(long expires, String ref) {
        return "{\"type\":\"refreshed\",\"expires\":" + expires + ",\"ref\":" + str(ref) + "}";
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
     * The length of a text in UTF-8 bytes, as it goes on the wire.
     *
     * @param text the text
     * @return its UTF-8 length
     */
    public static int utf8Length(String text) {
        int n = text.length();
        int bytes = n;
        for (int i = 0; i < n; i++) {
            char c = text.charAt(i);
            if (c >= 0x80) {
                if (c < 0x800) {
                    bytes += 1;
                } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(text.charAt(i + 1))) {
                    bytes += 2;
                    i++;
                } else {
                    bytes += 2;
                }
            }
        }
        return bytes;
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
