package io.chatrelay.broker;

import java.util.Objects;

/**
 * A counted set of a topic (who reacted to a message with an emoji), one of a group with a cap
 * on its sets (the reactions of one message): the group holds the names of its non-empty sets,
 * and a member can start a new set only while the group has fewer than {@code groupCap}. So
 * however many distinct names clients invent, what a group takes in the store is bounded.
 *
 * @param group    the group's name within the topic (a message id)
 * @param name     the set's name within the group (an emoji)
 * @param groupCap the most non-empty sets the group may hold
 */
public record CountedSet(String group, String name, int groupCap) {
    /** Checks the names and the cap. */
    public CountedSet {
        Objects.requireNonNull(group, "group");
        Objects.requireNonNull(name, "name");
        if (groupCap < 1) {
            throw new IllegalArgumentException("groupCap must be positive: " + groupCap);
        }
    }

    /**
     * The set's key within the topic.
     *
     * @return {@code group|name}
     */
    public String key() {
        return group + "|" + name;
    }
}
