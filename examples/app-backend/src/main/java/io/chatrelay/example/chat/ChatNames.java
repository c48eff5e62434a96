package io.chatrelay.example.chat;

import java.util.List;
import java.util.regex.Pattern;

/**
 * What the gateway accepts in the tokens this backend signs: the user id ({@code sub}), room
 * names, display names and room grants. The patterns are chat-relay's naming rule
 * ({@code client/web/names.json}; a test keeps them in step); they are copied here because this
 * backend depends on no chat-relay module, as an app's own backend would not.
 */
public final class ChatNames {
    /** User ids a token may carry ({@code sub}): letters, digits, {@code _ . @ -}, 1 to 64. */
    public static final Pattern SUBJECT = Pattern.compile("[A-Za-z0-9_.@-]{1,64}");
    /** Room names: letters, digits, {@code _ . : -}, 1 to 64. */
    public static final Pattern ROOM = Pattern.compile("[A-Za-z0-9_.:-]{1,64}");
    /** Longest display name the gateway shows, in code points. */
    public static final int MAX_DISPLAY_NAME = 64;
    /** Most grants the gateway accepts in one token's {@code rooms} claim. */
    public static final int MAX_GRANTS = 256;

    private ChatNames() {
    }

    /**
     * Whether a user id can be a token's subject.
     *
     * @param id candidate
     * @return {@code true} if valid
     */
    public static boolean validSubject(String id) {
        return id != null && SUBJECT.matcher(id).matches();
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
     * Whether a grant is valid: a room name, or a prefix of one followed by {@code *}.
     *
     * @param grant candidate
     * @return {@code true} if valid
     */
    public static boolean validGrant(String grant) {
        if (grant == null || grant.isEmpty()) {
            return false;
        }
        String name = grant.endsWith("*") ? grant.substring(0, grant.length() - 1) : grant;
        return name.isEmpty() || validRoom(name);
    }

    /**
     * Whether a display name can be shown as it is: 1 to {@value #MAX_DISPLAY_NAME} code points,
     * not blank, no control or format characters (bidirectional overrides among them).
     *
     * @param name candidate
     * @return {@code true} if valid
     */
    public static boolean validDisplayName(String name) {
        if (name == null || name.isBlank() || name.codePointCount(0, name.length()) > MAX_DISPLAY_NAME) {
            return false;
        }
        return name.codePoints().noneMatch(cp -> {
            int type = Character.getType(cp);
            return type == Character.CONTROL || type == Character.FORMAT || type == Character.SURROGATE
                    || type == Character.PRIVATE_USE || type == Character.UNASSIGNED;
        });
    }

    /**
     * Whether grants cover a room, as the gateway decides it: a grant equal to the room, or a
     * prefix of it ending in {@code *}.
     *
     * @param grants the grants
     * @param room   the room
     * @return {@code true} if one matches
     */
    public static boolean covers(List<String> grants, String room) {
        for (String g : grants) {
            if (g.endsWith("*") ? room.startsWith(g.substring(0, g.length() - 1)) : g.equals(room)) {
                return true;
            }
        }
        return false;
    }
}
