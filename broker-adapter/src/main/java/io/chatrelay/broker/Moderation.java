package io.chatrelay.broker;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletionStage;

/**
 * Bans and mutes per room, set by the application (the server API), kept in the store so that
 * every gateway enforces them, now and after a restart. A restriction may expire. Operations fail
 * with {@link BrokerException} like the broker's.
 */
public interface Moderation {
    /** What a restriction forbids. */
    enum Kind {
        /** The user may not join (or stay in) the room. */
        BAN,
        /** The user may read the room but not send to it. */
        MUTE
    }

    /**
     * One restriction.
     *
     * @param kind    ban or mute
     * @param topic   the room's topic
     * @param user    the user
     * @param since   when it was set, epoch milliseconds
     * @param until   when it ends, epoch milliseconds; {@code 0} for never
     * @param reason  why (shown to the user), possibly empty
     */
    record Restriction(Kind kind, String topic, String user, long since, long until, String reason) {
        /** Checks the fields. */
        public Restriction {
            Objects.requireNonNull(kind, "kind");
            Objects.requireNonNull(topic, "topic");
            Objects.requireNonNull(user, "user");
            reason = reason == null ? "" : reason;
        }

        /**
         * Whether it is in force at a time.
         *
         * @param now epoch milliseconds
         * @return {@code true} unless it has ended
         */
        public boolean activeAt(long now) {
            return until == 0 || until > now;
        }
    }

    /** The most restrictions of one kind a room holds; more are refused with {@link LimitException}. */
    int MAX_PER_ROOM = 10_000;

    /**
     * Sets (or replaces) a restriction.
     *
     * @param restriction the restriction
     * @return completes when stored; fails with {@link LimitException} when the room holds
     *         {@link #MAX_PER_ROOM} of that kind already
     */
    CompletionStage<Void> put(Restriction restriction);

    /**
     * Lifts a restriction.
     *
     * @param kind  ban or mute
     * @param topic the room's topic
     * @param user  the user
     * @return {@code true} if there was one
     */
    CompletionStage<Boolean> lift(Kind kind, String topic, String user);

    /**
     * A user's restriction in a room, if in force.
     *
     * @param kind  ban or mute
     * @param topic the room's topic
     * @param user  the user
     * @return the restriction, or {@code null}
     */
    CompletionStage<Restriction> find(Kind kind, String topic, String user);

    /**
     * The restrictions of a kind in force in a room, by user id.
     *
     * @param kind  ban or mute
     * @param topic the room's topic
     * @param limit the most to return
     * @return the restrictions
     */
    CompletionStage<List<Restriction>> list(Kind kind, String topic, int limit);

    /** A store's bound was reached: nothing was stored. */
    final class LimitException extends BrokerException {
        private static final long serialVersionUID = 1L;

        /**
         * Creates the exception.
         *
         * @param message what is full
         */
        public LimitException(String message) {
            super(message);
        }
    }
}
