package io.chatrelay.chat;

import io.chatrelay.broker.Broker;
import io.chatrelay.broker.EventLog;
import io.chatrelay.broker.Moderation;
import io.chatrelay.broker.PresenceStore;
import io.chatrelay.broker.ReadState;
import io.chatrelay.broker.UserDirectory;

import java.util.Objects;

/**
 * The storage the core runs on, one implementation of each SPI concern, all on the same backend
 * (in memory, or Redis).
 *
 * @param broker   messages and history
 * @param presence presence
 * @param users    the users the system knows
 * @param reads      read cursors and receipts
 * @param moderation bans and mutes
 * @param events     the shared log of application events (what webhooks deliver)
 */
public record ChatBackend(Broker broker, PresenceStore presence, UserDirectory users, ReadState reads, Moderation moderation,
                          EventLog events) {
    /** Validates. */
    public ChatBackend {
        Objects.requireNonNull(broker, "broker");
        Objects.requireNonNull(presence, "presence");
        Objects.requireNonNull(users, "users");
        Objects.requireNonNull(reads, "reads");
        Objects.requireNonNull(moderation, "moderation");
        Objects.requireNonNull(events, "events");
    }
}
