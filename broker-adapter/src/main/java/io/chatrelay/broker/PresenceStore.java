package io.chatrelay.broker;

import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * Who is present in which topic, across gateways: the presence half of the SPI.
 *
 * <p>Each gateway (node) holds its own entry per member and topic; a member is present while any
 * node's entry exists, so two connections on two gateways count once. An entry lives for the
 * store's time-to-live unless its node refreshes it; {@link #sweep} removes entries that
 * expired (those of a node that died, or that {@link #release}d them) and reports the members
 * that are present nowhere any more. Every operation costs the same whatever the number of
 * members of the topic, except {@link #members}.
 *
 * <p>The node id, the time-to-live and how sweeps are coordinated among nodes are the
 * implementation's settings. Operations fail with {@link BrokerException} while the backing
 * store is unreachable, before the broker started and after it closed. Futures complete on
 * broker threads: do not block in their continuations.
 */
public interface PresenceStore {
    /**
     * Creates or renews this node's entry of a member.
     *
     * @param topic  the topic
     * @param member the member (a user id)
     * @param name   its display name (the latest one is kept)
     * @return {@code true} if the member was present on no node before
     */
    default CompletionStage<Boolean> add(String topic, String member, String name) {
        return join(topic, member, name).thenApply(Change::changed);
    }

    /**
     * {@link #add}, and the number of members present right after it, read in the same atomic
     * step: of two members joining an empty topic at once, exactly one sees {@code members == 1}
     * (what {@code room.occupied} is decided on).
     *
     * @param topic  the topic
     * @param member the member (a user id)
     * @param name   its display name (the latest one is kept)
     * @return whether the member was present on no node before, and the members present after
     */
    CompletionStage<Change> join(String topic, String member, String name);

    /**
     * Removes this node's entry of a member at once (the member left on purpose).
     *
     * @param topic  the topic
     * @param member the member
     * @return {@code true} if the member is now present on no node
     */
    default CompletionStage<Boolean> remove(String topic, String member) {
        return leave(topic, member).thenApply(Change::changed);
    }

    /**
     * {@link #remove}, and the number of members present right after it, read in the same atomic
     * step: of two last members leaving at once, exactly one sees {@code changed} with
     * {@code members == 0} (what {@code room.vacated} is decided on).
     *
     * @param topic  the topic
     * @param member the member
     * @return whether the member is now present on no node, and the members present after
     */
    CompletionStage<Change> leave(String topic, String member);

    /**
     * Lets this node's entry of a member expire after a short grace instead of removing it (the
     * connection went away; if the member comes back anywhere within the grace, nobody sees a
     * leave and a join). {@link #sweep} then reports the member as gone if no other entry is left.
     *
     * @param topic       the topic
     * @param member      the member
     * @param graceMillis how long the entry stays
     * @return completes when done
     */
    CompletionStage<Void> release(String topic, String member, long graceMillis);

    /**
     * Renews this node's entries; recreates any that expired meanwhile.
     *
     * @param entries topics, members and display names held by this node
     * @return the entries whose member was present on no node before (they were swept while this
     *         node could not refresh them), so that their joins can be announced again
     */
    CompletionStage<List<PresenceEntry>> refresh(Collection<PresenceEntry> entries);

    /**
     * The members present in a topic on any node, each once, with their display names.
     *
     * @param topic the topic
     * @return the entries, sorted by member id
     */
    CompletionStage<List<PresenceEntry>> members(String topic);

    /**
     * A page of the members present in a topic, in member id order: what a large room's
     * {@code joined} lists, and how clients page through the rest. The default reads them all;
     * an implementation whose store keeps the ids ordered answers in time independent of the
     * topic's size (beyond the page).
     *
     * @param topic the topic
     * @param after the member id to start after, or {@code null} for the first page
     * @param limit the most members to return
     * @return at most {@code limit} entries, sorted by member id, all after {@code after}
     */
    default CompletionStage<List<PresenceEntry>> members(String topic, String after, int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be >= 1");
        }
        return members(topic).thenApply(all -> all.stream().filter(e -> after == null || e.member().compareTo(after) > 0)
                .limit(limit).toList());
    }

    /**
     * How many members are present in a topic (cheap, whatever the size).
     *
     * @param topic the topic
     * @return the number of members present on any node
     */
    CompletionStage<Long> count(String topic);

    /**
     * Removes expired entries of every topic. Safe to call from every node: the store lets one
     * node sweep at a time; the others get an empty list.
     *
     * @return the members that are present on no node any more, per topic, with their names
     */
    default CompletionStage<List<PresenceEntry>> sweep() {
        return sweepTopics().thenApply(Sweep::gone);
    }

    /**
     * {@link #sweep}, also naming the topics this sweep emptied: those where it removed the last
     * member present (decided atomically with the removal, so a topic emptied by a concurrent
     * {@link #leave} is not named here).
     *
     * @return the members gone and the topics emptied
     */
    CompletionStage<Sweep> sweepTopics();

    /**
     * One member's presence change and the topic's member count right after it.
     *
     * @param changed {@link #join}: the member was present on no node before; {@link #leave}: the
     *                member is now present on no node
     * @param members members present in the topic right after the change
     */
    record Change(boolean changed, long members) {
    }

    /**
     * What a sweep removed.
     *
     * @param gone    the members present on no node any more, per topic, with their names
     * @param emptied the topics left without any member by this sweep
     */
    record Sweep(List<PresenceEntry> gone, java.util.Set<String> emptied) {
        /** Copies. */
        public Sweep {
            gone = List.copyOf(gone);
            emptied = java.util.Set.copyOf(emptied);
        }
    }
}
