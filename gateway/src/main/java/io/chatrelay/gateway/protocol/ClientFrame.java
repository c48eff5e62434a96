package io.chatrelay.gateway.protocol;

/** A decoded client frame. Fields are validated by {@link FrameDecoder}. */
public sealed interface ClientFrame {
    /**
     * The client's correlation id.
     *
     * @return the ref, or {@code null}
     */
    String ref();

    /**
     * Join a room, optionally recovering after {@code since}.
     *
     * @param room  the room
     * @param since last id seen, or {@code null}
     * @param ref   client ref
     */
    record Join(String room, String since, String ref) implements ClientFrame {
    }

    /**
     * Leave a room.
     *
     * @param room the room
     * @param ref  client ref
     */
    record Leave(String room, String ref) implements ClientFrame {
    }

    /**
     * Send a message to a room.
     *
     * @param room the room
     * @param text the text
     * @param ref  client ref
     */
    record SendRoom(String room, String text, String ref) implements ClientFrame {
    }

    /**
     * Send a direct message.
     *
     * @param to   recipient user id
     * @param text the text
     * @param ref  client ref
     */
    record SendDirect(String to, String text, String ref) implements ClientFrame {
    }

    /**
     * Page a room's history.
     *
     * @param room   the room
     * @param before read before this id, or {@code null} for the latest
     * @param limit  page size
     * @param ref    client ref
     */
    record RoomHistory(String room, String before, int limit, String ref) implements ClientFrame {
    }

    /**
     * Page a direct conversation's history.
     *
     * @param with   the other user
     * @param before read before this id, or {@code null}
     * @param after  read after this id (recovery), or {@code null}
     * @param limit  page size
     * @param ref    client ref
     */
    record DirectHistory(String with, String before, String after, int limit, String ref) implements ClientFrame {
    }

    /**
     * Typing in a room.
     *
     * @param room the room
     * @param ref  client ref
     */
    record Typing(String room, String ref) implements ClientFrame {
    }

    /**
     * Application-level ping.
     *
     * @param ref client ref
     */
    record Ping(String ref) implements ClientFrame {
    }

    /**
     * Ask for the gateway's status.
     *
     * @param ref client ref
     */
    record Status(String ref) implements ClientFrame {
    }
}
