package io.chatrelay.example.directory;

import io.chatrelay.example.chat.ChatNames;

import java.util.List;

/**
 * A user of the app, as the chat sees it.
 *
 * @param id     the user id: the tokens' {@code sub}
 * @param name   the display name
 * @param grants the rooms every connection token of this user grants (names, or prefixes ending in {@code *})
 */
public record User(String id, String name, List<String> grants) {
    /** Validates. */
    public User {
        if (!ChatNames.validSubject(id)) {
            throw new IllegalArgumentException("user id must match " + ChatNames.SUBJECT.pattern() + ", was: " + id);
        }
        if (!ChatNames.validDisplayName(name)) {
            throw new IllegalArgumentException("display name of " + id + " must be 1-" + ChatNames.MAX_DISPLAY_NAME
                    + " printable characters");
        }
        grants = List.copyOf(grants);
        if (grants.size() > ChatNames.MAX_GRANTS) {
            throw new IllegalArgumentException("more than " + ChatNames.MAX_GRANTS + " grants for " + id);
        }
        for (String g : grants) {
            if (!ChatNames.validGrant(g)) {
                throw new IllegalArgumentException("invalid grant for " + id + ": " + g);
            }
        }
    }
}
