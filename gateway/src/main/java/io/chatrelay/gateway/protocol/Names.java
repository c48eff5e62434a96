package io.chatrelay.gateway.protocol;

import java.util.regex.Pattern;

/** Validation of room names and user ids, shared by the decoder and the handshake. */
public final class Names {
    /** Room names: letters, digits, {@code _ . : -}, 1 to 64 characters. */
    public static final Pattern ROOM = Pattern.compile("[A-Za-z0-9_.:-]{1,64}");
    /** User ids and guest names: letters, digits, {@code _ . @ -}, 1 to 64 characters. */
    public static final Pattern USER = Pattern.compile("[A-Za-z0-9_.@-]{1,64}");
    /** Guest names chosen with {@code ?name=}: 1 to 32 characters. */
    public static final Pattern GUEST = Pattern.compile("[A-Za-z0-9_.-]{1,32}");

    private Names() {
    }

    /**
     * Whether a room name is valid.
     *
     * @param room candidate
     * @return {@code true} if valid
     */
    public static boolean validRoom(String room) {
        return room != null && ROOM.matcher(room).matches();
    }

    /**
     * Whether a user id is valid.
     *
     * @param user candidate
     * @return {@code true} if valid
     */
    public static boolean validUser(String user) {
        return user != null && USER.matcher(user).matches();
    }
}
