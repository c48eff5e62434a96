package io.chatrelay.chat.auth;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Who may join which room, by namespace: the part of a room name before its first {@code :}
 * ({@code private:team-1} is in namespace {@code private}; {@code lobby} in none). Each namespace
 * has a policy; rooms of namespaces not listed (and rooms without one) follow the {@code *} entry.
 * Written as {@code namespace=policy} pairs, comma separated, e.g.
 * {@code *=open,private=grant,staff=authenticated,user=owner}.
 */
public final class RoomPolicies {
    /** A namespace's policy. */
    public enum Policy {
        /** Anyone, guests included. */
        OPEN,
        /** Any connection with a token (no guests). */
        AUTHENTICATED,
        /** Only with a grant: the connection token's {@code rooms} claim, a room token, or the app's join hook. */
        GRANT,
        /**
         * The room {@code <namespace>:<owner>} or {@code <namespace>:<owner>.<anything>} belongs to
         * the user whose id is {@code <owner>}; others need a grant.
         */
        OWNER,
        /**
         * The application's join hook decides (a grant or a room token admits without asking).
         */
        HOOK
    }

    private final Map<String, Policy> namespaces;
    private final Policy fallback;

    private RoomPolicies(Map<String, Policy> namespaces, Policy fallback) {
        this.namespaces = Map.copyOf(namespaces);
        this.fallback = fallback;
    }

    /**
     * Parses a specification.
     *
     * @param spec {@code namespace=policy} pairs, comma separated; {@code *} for the rest
     * @return the policies
     * @throws IllegalArgumentException when the specification is malformed
     */
    public static RoomPolicies parse(String spec) {
        Objects.requireNonNull(spec, "spec");
        Map<String, Policy> map = new LinkedHashMap<>();
        Policy fallback = Policy.OPEN;
        for (String part : spec.split(",")) {
            String entry = part.trim();
            if (entry.isEmpty()) {
                continue;
            }
            int eq = entry.indexOf('=');
            if (eq <= 0 || eq == entry.length() - 1) {
                throw new IllegalArgumentException("namespace policy must look like name=policy, was: " + entry);
            }
            String name = entry.substring(0, eq).trim();
            Policy policy;
            try {
                policy = Policy.valueOf(entry.substring(eq + 1).trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("unknown policy in " + entry + " (open, authenticated, grant, owner, hook)", e);
            }
            if (name.equals("*")) {
                fallback = policy;
            } else if (!name.matches("[A-Za-z0-9_.-]{1,32}")) {
                throw new IllegalArgumentException("namespace must be 1-32 of [A-Za-z0-9_.-], was: " + name);
            } else if (map.put(name, policy) != null) {
                throw new IllegalArgumentException("namespace listed twice: " + name);
            }
        }
        return new RoomPolicies(map, fallback);
    }

    /**
     * The namespace of a room.
     *
     * @param room the room name
     * @return the part before the first {@code :}, or the empty string
     */
    public static String namespaceOf(String room) {
        int colon = room.indexOf(':');
        return colon < 0 ? "" : room.substring(0, colon);
    }

    /**
     * The policy of a room.
     *
     * @param room the room name
     * @return its namespace's policy
     */
    public Policy policyOf(String room) {
        return namespaces.getOrDefault(namespaceOf(room), fallback);
    }

    /**
     * Whether a room belongs to a user under the {@link Policy#OWNER} policy.
     *
     * @param room the room name
     * @param user the user id
     * @return {@code true} for {@code ns:<user>} and {@code ns:<user>.<anything>}
     */
    static boolean owns(String room, String user) {
        int colon = room.indexOf(':');
        if (colon < 0) {
            return false;
        }
        String rest = room.substring(colon + 1);
        return rest.equals(user) || rest.startsWith(user + ".");
    }

    /**
     * Whether grants (names, or prefixes ending in {@code *}) cover a room.
     *
     * @param grants the grants
     * @param room   the room
     * @return {@code true} if one matches
     */
    public static boolean granted(List<String> grants, String room) {
        for (String g : grants) {
            if (g.endsWith("*") ? room.startsWith(g.substring(0, g.length() - 1)) : g.equals(room)) {
                return true;
            }
        }
        return false;
    }
}
