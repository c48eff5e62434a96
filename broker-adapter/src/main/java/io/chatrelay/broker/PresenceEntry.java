package io.chatrelay.broker;

import java.util.Objects;

/**
 * A member present in a topic.
 *
 * @param topic  the topic
 * @param member the member id
 */
public record PresenceEntry(String topic, String member) {
    /** Validates the fields. */
    public PresenceEntry {
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(member, "member");
        if (member.indexOf('|') >= 0) {
            throw new IllegalArgumentException("member must not contain '|'");
        }
    }
}
