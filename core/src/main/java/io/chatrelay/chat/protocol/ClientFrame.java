package io.chatrelay.chat.protocol;

/** A decoded client frame. Fields are validated by {@link FrameDecoder}. */
public sealed interface ClientFrame {
    /**
     * The client's correlation id.
     *
     * @return the ref, or {@code null}
     */
    String ref();

    /**
     * The first frame of a protocol-2 connection: who it is, and the rooms it wants (back), each
     * with the last message id it has (or {@code null}), so that a reconnecting client resumes
     * every room in one step.
     *
     * @param name  guest name, or {@code null}
     * @param token a connection token, or {@code null}
     * @param rooms room name to last id seen ({@code null} for none), in the client's order
     * @param ref   client ref
     */
    record Hello(String name, String token, java.util.Map<String, String> rooms, String ref) implements ClientFrame {
        /** Copies the rooms, keeping their order. */
        public Hello {
            rooms = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(rooms));
        }
    }

    /**
     * Join a room, optionally recovering after {@code since}.
     *
     * @param room  the room
     * @param since last id seen, or {@code null}
     * @param token a room token signed by the application's backend, or {@code null}
     * @param ref   client ref
     */
    record Join(String room, String since, String token, String ref) implements ClientFrame {
        /**
         * A join without a room token.
         *
         * @param room  the room
         * @param since last id seen, or {@code null}
         * @param ref   client ref
         */
        public Join(String room, String since, String ref) {
            this(room, since, null, ref);
        }
    }

    /**
     * Replace the connection's token before it expires.
     *
     * @param token the new token (same {@code sub})
     * @param ref   client ref
     */
    record Refresh(String token, String ref) implements ClientFrame {
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
     * @param post the text and its optional parts
     * @param ref  client ref
     */
    record SendRoom(String room, Post post, String ref) implements ClientFrame {
        /**
         * A plain text message.
         *
         * @param room the room
         * @param text the text
         * @param ref  client ref
         */
        public SendRoom(String room, String text, String ref) {
            this(room, Post.of(text), ref);
        }

        /**
         * The text.
         *
         * @return the post's text
         */
        public String text() {
            return post.text();
        }
    }

    /**
     * Send a direct message.
     *
     * @param to   recipient user id
     * @param post the text and its optional parts
     * @param ref  client ref
     */
    record SendDirect(String to, Post post, String ref) implements ClientFrame {
        /**
         * A plain direct message.
         *
         * @param to   recipient user id
         * @param text the text
         * @param ref  client ref
         */
        public SendDirect(String to, String text, String ref) {
            this(to, Post.of(text), ref);
        }

        /**
         * The text.
         *
         * @return the post's text
         */
        public String text() {
            return post.text();
        }
    }

    /**
     * Replace the text of one's own message (protocol 2).
     *
     * @param room   the room
     * @param target the message's id
     * @param text   the new text
     * @param ref    client ref
     */
    record Edit(String room, String target, String text, String ref) implements ClientFrame {
    }

    /**
     * Delete one's own message (protocol 2).
     *
     * @param room   the room
     * @param target the message's id
     * @param ref    client ref
     */
    record Delete(String room, String target, String ref) implements ClientFrame {
    }

    /**
     * Add or remove a reaction to a message (protocol 2).
     *
     * @param room   the room
     * @param target the message's id
     * @param emoji  the reaction
     * @param add    {@code true} to add, {@code false} to remove
     * @param ref    client ref
     */
    record React(String room, String target, String emoji, boolean add, String ref) implements ClientFrame {
    }

    /**
     * The user has read a room up to a message (protocol 2).
     *
     * @param room the room
     * @param id   the last message read
     * @param ref  client ref
     */
    record Read(String room, String id, String ref) implements ClientFrame {
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
     * Page the members present in a room, in id order (a large room's {@code joined} lists only
     * the first page).
     *
     * @param room  the room
     * @param after the member id to start after, or {@code null} for the first page
     * @param limit page size
     * @param ref   client ref
     */
    record Members(String room, String after, int limit, String ref) implements ClientFrame {
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
