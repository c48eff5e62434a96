package io.chatrelay.example.directory;

import java.util.Optional;

/**
 * The app's users and its rule of who may enter which room: what a real app has in its own user
 * store and data model. {@link DemoDirectory} is a stand-in. Implementations are thread-safe.
 */
public interface Directory {
    /**
     * Checks a user's password (the stand-in for the app's real login).
     *
     * @param id       the user id
     * @param password the password
     * @return the user, or empty when the id is unknown or the password wrong (not told apart)
     */
    Optional<User> authenticate(String id, String password);

    /**
     * Finds a user (a refresh re-reads the user, so a removed user gets no new token).
     *
     * @param id the user id
     * @return the user, or empty
     */
    Optional<User> find(String id);

    /**
     * The app's own rule for a room token: whether a user may enter a room.
     *
     * @param user the user
     * @param room the room
     * @return {@code true} if allowed
     */
    boolean mayEnter(User user, String room);

    /**
     * Whether a user belongs to a team (the join hook's rule for {@code support:<team>} rooms).
     *
     * @param user the user
     * @param team the team
     * @return {@code true} if a member
     */
    boolean memberOf(User user, String team);
}
