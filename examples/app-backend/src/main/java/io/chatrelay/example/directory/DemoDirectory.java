package io.chatrelay.example.directory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chatrelay.example.chat.ChatNames;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A stand-in user store, read once from a JSON file: users with a password, a display name and
 * teams, and the members of single rooms. NOT a user store: passwords are kept in plain text (a
 * real app checks its own login, with hashed passwords, and never keeps this file).
 * <pre>
 * {"users": [{"id": "alice", "name": "Alice Adams", "password": "...", "teams": ["red"]}],
 *  "rooms": {"private:launch": ["alice", "carol"]}}
 * </pre>
 * The app's room rule: a team {@code t} grants the rooms {@code private:team-t.*} (in every
 * connection token, and a room token for any of them); {@code rooms} lists who may get a room
 * token for a single room.
 */
public final class DemoDirectory implements Directory {
    /** The built-in demo users (their passwords are in the README). */
    public static final String BUILT_IN = "demo-directory.json";
    /** Team names: they become part of room names, and never contain a dot. */
    static final Pattern TEAM = Pattern.compile("[a-z0-9-]{1,32}");
    private static final ObjectMapper JSON = new ObjectMapper();

    private record Account(User user, byte[] password) {
    }

    private final Map<String, Account> accounts;
    private final Map<String, Set<String>> rooms;
    /** Compared against when the user is unknown, so that both answers take as long. */
    private final byte[] decoy = "decoy-password-of-equal-work".getBytes(StandardCharsets.UTF_8);

    private DemoDirectory(Map<String, Account> accounts, Map<String, Set<String>> rooms) {
        this.accounts = Map.copyOf(accounts);
        this.rooms = Map.copyOf(rooms);
    }

    /**
     * The built-in demo users.
     *
     * @return the directory
     */
    public static DemoDirectory builtIn() {
        try (InputStream in = DemoDirectory.class.getClassLoader().getResourceAsStream(BUILT_IN)) {
            if (in == null) {
                throw new IllegalStateException(BUILT_IN + " missing from the classpath");
            }
            return parse(JSON.readTree(in), BUILT_IN);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Reads a directory file.
     *
     * @param file the file
     * @return the directory
     * @throws IllegalArgumentException when it is malformed
     */
    public static DemoDirectory load(Path file) {
        try {
            return parse(JSON.readTree(Files.readAllBytes(file)), file.toString());
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read directory " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * The grant a team gives.
     *
     * @param team the team
     * @return {@code private:team-<team>.*}
     */
    public static String teamGrant(String team) {
        return "private:team-" + team + ".*";
    }

    @Override
    public Optional<User> authenticate(String id, String password) {
        Account account = accounts.get(id);
        byte[] given = password.getBytes(StandardCharsets.UTF_8);
        boolean match = MessageDigest.isEqual(account == null ? decoy : account.password(), given);
        return account != null && match ? Optional.of(account.user()) : Optional.empty();
    }

    @Override
    public Optional<User> find(String id) {
        return Optional.ofNullable(accounts.get(id)).map(Account::user);
    }

    @Override
    public boolean mayEnter(User user, String room) {
        return ChatNames.covers(user.grants(), room) || rooms.getOrDefault(room, Set.of()).contains(user.id());
    }

    @Override
    public boolean memberOf(User user, String team) {
        return TEAM.matcher(team).matches() && user.grants().contains(teamGrant(team));
    }

    private static DemoDirectory parse(JsonNode root, String where) {
        Map<String, Account> accounts = new LinkedHashMap<>();
        for (JsonNode u : array(root.path("users"), where + ": users")) {
            String id = text(u, "id", where);
            List<String> grants = new ArrayList<>();
            for (JsonNode t : array(u.path("teams"), where + ": teams of " + id)) {
                if (!t.isTextual() || !TEAM.matcher(t.asText()).matches()) {
                    throw new IllegalArgumentException(where + ": team of " + id + " must match " + TEAM.pattern());
                }
                grants.add(teamGrant(t.asText()));
            }
            User user = new User(id, text(u, "name", where), grants);
            byte[] password = text(u, "password", where).getBytes(StandardCharsets.UTF_8);
            if (accounts.put(id, new Account(user, password)) != null) {
                throw new IllegalArgumentException(where + ": user listed twice: " + id);
            }
        }
        Map<String, Set<String>> rooms = new LinkedHashMap<>();
        JsonNode roomNodes = root.path("rooms");
        if (!roomNodes.isMissingNode() && !roomNodes.isObject()) {
            throw new IllegalArgumentException(where + ": rooms must be an object of room name to member ids");
        }
        roomNodes.properties().forEach(entry -> {
            if (!ChatNames.validRoom(entry.getKey())) {
                throw new IllegalArgumentException(where + ": room must match " + ChatNames.ROOM.pattern() + ": " + entry.getKey());
            }
            Set<String> members = new LinkedHashSet<>();
            for (JsonNode m : array(entry.getValue(), where + ": members of " + entry.getKey())) {
                if (!accounts.containsKey(m.asText())) {
                    throw new IllegalArgumentException(where + ": member of " + entry.getKey() + " is no user: " + m.asText());
                }
                members.add(m.asText());
            }
            rooms.put(entry.getKey(), Set.copyOf(members));
        });
        return new DemoDirectory(accounts, rooms);
    }

    private static List<JsonNode> array(JsonNode node, String what) {
        if (node.isMissingNode()) {
            return List.of();
        }
        if (!node.isArray()) {
            throw new IllegalArgumentException(what + " must be an array");
        }
        List<JsonNode> items = new ArrayList<>();
        node.forEach(items::add);
        return items;
    }

    private static String text(JsonNode node, String field, String where) {
        JsonNode value = node.path(field);
        if (!value.isTextual() || value.asText().isEmpty()) {
            throw new IllegalArgumentException(where + ": every user needs a string " + field);
        }
        return value.asText();
    }
}
