package io.chatrelay.broker;

import java.util.concurrent.CompletionStage;

/**
 * The users the system knows: those who connected within a retention period. Direct messages go
 * only to known users, so that nobody can create conversations (and their storage) for ids that
 * never existed. Operations fail with {@link BrokerException} like the broker's.
 */
public interface UserDirectory {
    /**
     * Records that a user connected now; the user stays known for the directory's retention.
     *
     * @param user the user id
     * @return completes when recorded
     */
    CompletionStage<Void> seen(String user);

    /**
     * Whether a user connected within the retention.
     *
     * @param user the user id
     * @return {@code true} if known
     */
    CompletionStage<Boolean> known(String user);
}
