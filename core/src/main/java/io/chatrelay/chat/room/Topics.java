package io.chatrelay.chat.room;

/** Broker topic names of rooms, user inboxes and direct conversations. */
public final class Topics {
    private static final String ROOM = "room:";
    private static final String INBOX = "user:";
    /** The topic every gateway subscribes to for commands of the server API (kick, remove, mute). */
    public static final String CONTROL = "~control";

    private Topics() {
    }

    /**
     * A room's topic.
     *
     * @param room room name
     * @return the topic
     */
    public static String room(String room) {
        return ROOM + room;
    }

    /**
     * The room of a room topic.
     *
     * @param topic a topic
     * @return the room name, or {@code null} if not a room topic
     */
    public static String roomOf(String topic) {
        return topic.startsWith(ROOM) ? topic.substring(ROOM.length()) : null;
    }

    /**
     * A user's inbox topic, where direct messages to the user are published.
     *
     * @param user user id
     * @return the topic
     */
    public static String inbox(String user) {
        return INBOX + user;
    }

    /**
     * Whether a topic is a user's inbox.
     *
     * @param topic a topic
     * @return {@code true} for inbox topics
     */
    public static boolean isInbox(String topic) {
        return topic.startsWith(INBOX);
    }

    /**
     * The user of an inbox topic.
     *
     * @param topic a topic
     * @return the user, or {@code null} if it is not an inbox
     */
    public static String userOf(String topic) {
        return isInbox(topic) ? topic.substring(INBOX.length()) : null;
    }

    /**
     * The history topic of a direct conversation; the same for both users.
     *
     * @param a one user id
     * @param b the other
     * @return the topic
     */
    public static String direct(String a, String b) {
        return a.compareTo(b) <= 0 ? "dm:" + a + ":" + b : "dm:" + b + ":" + a;
    }
}
