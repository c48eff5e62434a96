package io.chatrelay.broker;

import java.util.Objects;

/**
 * A member present in a topic, with the display name it joined with.
 *
 * @param topic  the topic
 * @param member the member id (no {@code |})
 * @param name   its display name
 */
public record PresenceEntry(String topic, String member, String name) {
    /** Validates the fields. */
    public PresenceEntry {
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(member, "member");
        Objects.requireNonNull(name, "name");
        if (member.indexOf('|') >= 0) {
            throw new IllegalArgumentException("member must not contain '|'");
        }
    }

    /**
     * An entry whose display name is its id.
     *
     * @param topic  the topic
     * @param member the member id
     */
    public PresenceEntry(String topic, String member) {
        this(topic, member, member);
    }
}
