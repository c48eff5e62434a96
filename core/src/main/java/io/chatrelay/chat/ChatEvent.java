package io.chatrelay.chat;

import java.util.Map;
import java.util.Objects;

/**
 * Something the application's backend may want to hear of (webhooks): a message was stored, a
 * member joined or left a room, a room became occupied or empty, a user connected or
 * disconnected. Each is emitted by exactly one gateway (the one whose store operation decided it).
 *
 * @param type   one of the {@code TYPE_*} names
 * @param ts     when, epoch milliseconds
 * @param fields the event's fields ({@code room}, {@code user}, {@code name}, {@code id}, {@code to}...)
 * @param frame  for {@code message.created}: the message exactly as clients receive it (JSON); otherwise {@code null}
 */
public record ChatEvent(String type, long ts, Map<String, String> fields, String frame) {
    /** A message (room or direct) was stored: once per message, never for a deduplicated retry. */
    public static final String MESSAGE_CREATED = "message.created";
    /** A user became present in a room (first connection anywhere). */
    public static final String MEMBER_JOINED = "member.joined";
    /** A user is present in a room no more (left, or gone past the linger). */
    public static final String MEMBER_LEFT = "member.left";
    /** A room got its first member. */
    public static final String ROOM_OCCUPIED = "room.occupied";
    /** A room lost its last member. */
    public static final String ROOM_VACATED = "room.vacated";
    /** A user's first connection anywhere. */
    public static final String USER_CONNECTED = "user.connected";
    /** A user's last connection closed (and the user did not come back within the linger). */
    public static final String USER_DISCONNECTED = "user.disconnected";

    /** Copies the fields. */
    public ChatEvent {
        Objects.requireNonNull(type, "type");
        fields = Map.copyOf(fields);
    }
}
