package io.chatrelay.chat.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.regex.Pattern;

/**
 * Validation of room names and user ids. The patterns come from {@code names.json}, the file the
 * browser client reads too ({@code client/web/names.json}, packaged next to this class), so that
 * client and server accept the same names.
 */
public final class Names {
    /** User ids a token may carry ({@code sub}): letters, digits, {@code _ . @ -}, 1 to 64. */
    public static final Pattern SUBJECT;
    /** Every user id: a token's subject, or a guest id ({@code guest:} and 12 characters), which no token can carry. */
    public static final Pattern USER;
    /** What every guest id starts with. */
    public static final String GUEST_PREFIX = "guest:";
    /** Guest names chosen at connect: letters, digits, {@code _ . -}, 1 to 32. */
    public static final Pattern GUEST;
    /** Room names: letters, digits, {@code _ . : -}, 1 to 64. */
    public static final Pattern ROOM;

    static {
        try (InputStream in = Names.class.getResourceAsStream("names.json")) {
            if (in == null) {
                throw new IllegalStateException("names.json missing from the classpath");
            }
            JsonNode rules = new ObjectMapper().readTree(in);
            SUBJECT = Pattern.compile(rules.required("subject").asText());
            USER = Pattern.compile(rules.required("user").asText());
            GUEST = Pattern.compile(rules.required("guest").asText());
            ROOM = Pattern.compile(rules.required("room").asText());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

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
     * Whether a token subject is valid (never a guest id).
     *
     * @param sub candidate
     * @return {@code true} if valid
     */
    public static boolean validSubject(String sub) {
        return sub != null && SUBJECT.matcher(sub).matches() && !sub.startsWith(GUEST_PREFIX);
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

    /** Longest display name, in characters. */
    public static final int MAX_DISPLAY_NAME = 64;

    /**
     * A display name made safe to show: control and format characters (bidirectional overrides
     * among them) removed, white space collapsed, at most {@link #MAX_DISPLAY_NAME} characters
     * (whole code points); the fallback when nothing is left.
     *
     * @param name     the proposed name, or {@code null}
     * @param fallback used when the name is empty after cleaning
     * @return the display name
     */
    public static String displayName(String name, String fallback) {
        if (name == null) {
            return fallback;
        }
        StringBuilder b = new StringBuilder();
        int count = 0;
        boolean space = false;
        for (int i = 0; i < name.length() && count < MAX_DISPLAY_NAME; ) {
            int cp = name.codePointAt(i);
            i += Character.charCount(cp);
            int type = Character.getType(cp);
            if (type == Character.CONTROL || type == Character.FORMAT || type == Character.SURROGATE
                    || type == Character.PRIVATE_USE || type == Character.UNASSIGNED) {
                continue;
            }
            if (Character.isWhitespace(cp) || Character.isSpaceChar(cp)) {
                space = b.length() > 0;
                continue;
            }
            if (space) {
                b.append(' ');
                count++;
                space = false;
            }
            b.appendCodePoint(cp);
            count++;
        }
        return b.length() == 0 ? fallback : b.toString();
    }

    /**
     * Whether a guest name is valid.
     *
     * @param name candidate
     * @return {@code true} if valid
     */
    public static boolean validGuest(String name) {
        return name != null && GUEST.matcher(name).matches();
    }
}
