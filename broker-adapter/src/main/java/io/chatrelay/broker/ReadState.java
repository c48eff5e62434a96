package io.chatrelay.broker;

import java.util.Collection;
import java.util.Map;
import java.util.concurrent.CompletionStage;

/**
 * What each user has read: a cursor (the last message id read) per user and room, shared by all
 * the user's devices; and, for small rooms, the cursors of the room's members (read receipts).
 * Writes happen when a user reads, never per message and reader. Operations fail with
 * {@link BrokerException} like the broker's.
 *
 * <p>A room is named by its topic (the one its messages are appended to), so that a store may
 * keep a room's cursors and receipts beside its history: in a Redis Cluster they then live on the
 * room's shard, and a shard that is down fails only the read state of its own rooms.
 */
public interface ReadState {
    /**
     * Moves a user's cursor in a room forward (never back).
     *
     * @param user the user
     * @param room the room
     * @param id   the last message id read
     * @return {@code true} if the cursor moved
     */
    CompletionStage<Boolean> markRead(String user, String room, String id);

    /**
     * A user's cursors.
     *
     * @param user  the user
     * @param rooms the rooms asked for
     * @return room to last id read, for the rooms that have a cursor
     */
    CompletionStage<Map<String, String>> cursors(String user, Collection<String> rooms);

    /**
     * Records a member's cursor in a room's receipts.
     *
     * @param room the room
     * @param user the member
     * @param id   the last message id the member read
     * @return completes when recorded
     */
    CompletionStage<Void> receipt(String room, String user, String id);

    /**
     * A room's receipts.
     *
     * @param room the room
     * @return member to last id read
     */
    CompletionStage<Map<String, String>> receipts(String room);
}
