package io.chatrelay.broker;

import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * Carries frames between gateways and keeps their history.
 *
 * <p>A <em>topic</em> is a name chosen by the gateway (a room, a user's inbox). Guarantees:
 * <ul>
 *   <li>{@link #append} stores a frame in the topic's capped history and publishes it in one atomic
 *       step: a frame that was acknowledged (future completed) is in history and was published;
 *       a failed append neither stored nor published it.</li>
 *   <li>Ids are {@link StreamId}s, strictly increasing per topic; every subscriber sees a topic's
 *       stored frames in id order, each once, across reconnects (see {@link BrokerListener}).</li>
 *   <li>{@link #publish} frames are ephemeral: not stored, delivered at most once.</li>
 *   <li>{@link #subscribe} completes only when the subscription is confirmed, so that a frame
 *       appended afterwards is delivered to this broker's listener.</li>
 *   <li>While the broker is {@link BrokerState#DOWN}, operations fail fast with
 *       {@link BrokerException} instead of queueing.</li>
 * </ul>
 * Futures complete on broker threads: do not block in their continuations.
 */
public interface Broker extends AutoCloseable {
    /**
     * Connects and starts delivering to the listener. Call once, before any other method.
     *
     * @param listener receives frames and state changes
     */
    void start(BrokerListener listener);

    /**
     * Current connection state.
     *
     * @return the state
     */
    BrokerState state();

    /**
     * Subscribes this broker to a topic. Idempotent.
     *
     * @param topic the topic
     * @return completes when the subscription is active
     */
    CompletionStage<Void> subscribe(String topic);

    /**
     * Unsubscribes from a topic. Idempotent.
     *
     * @param topic the topic
     * @return completes when done
     */
    CompletionStage<Void> unsubscribe(String topic);

    /**
     * Stores a frame in the topic's history and publishes it, atomically.
     *
     * @param topic the topic
     * @param frame the frame, whose id the broker assigns
     * @return the assigned id
     */
    CompletionStage<String> append(String topic, FrameTemplate frame);

    /**
     * Publishes an ephemeral frame (not stored).
     *
     * @param topic the topic
     * @param frame the exact frame text
     * @return completes when published
     */
    CompletionStage<Void> publish(String topic, String frame);

    /**
     * Reads stored frames after an id (exclusive), oldest first.
     *
     * @param topic   the topic
     * @param afterId the last id already seen
     * @param limit   the most frames to return
     * @return the page; {@link HistoryPage#covered()} tells whether history still reached
     *         {@code afterId}
     */
    CompletionStage<HistoryPage> readAfter(String topic, String afterId, int limit);

    /**
     * Reads the stored frames just before an id (exclusive), returned oldest first.
     *
     * @param topic    the topic
     * @param beforeId read before this id; {@code null} for the latest frames
     * @param limit    the most frames to return
     * @return the page; {@link HistoryPage#more()} tells whether older frames exist
     */
    CompletionStage<HistoryPage> readBefore(String topic, String beforeId, int limit);

    /**
     * Marks a member present in a topic for this node, until {@code ttlMillis} from now unless
     * refreshed by {@link #refreshPresence}.
     *
     * @param topic     the topic
     * @param member    the member (a user id)
     * @param node      this gateway's node id
     * @param ttlMillis how long the entry lives without refresh
     * @return {@code true} if the member was not present on any node before
     */
    CompletionStage<Boolean> addPresence(String topic, String member, String node, long ttlMillis);

    /**
     * Removes this node's presence entry of a member.
     *
     * @param topic  the topic
     * @param member the member
     * @param node   this gateway's node id
     * @return {@code true} if the member is no longer present on any node
     */
    CompletionStage<Boolean> removePresence(String topic, String member, String node);

    /**
     * Extends the life of presence entries of this node.
     *
     * @param entries   topic and member pairs held by this node
     * @param node      this gateway's node id
     * @param ttlMillis new time to live from now
     * @return completes when refreshed
     */
    CompletionStage<Void> refreshPresence(List<PresenceEntry> entries, String node, long ttlMillis);

    /**
     * The members present in a topic on any node (expired entries excluded), each once.
     *
     * @param topic the topic
     * @return member ids, sorted
     */
    CompletionStage<List<String>> presence(String topic);

    /**
     * Removes expired presence entries of every topic (entries of nodes that stopped
     * refreshing, such as a killed gateway). Safe to call from every node: a lock lets one
     * sweep at a time; a node that does not get it returns an empty list.
     *
     * @param lockMillis how long the sweep lock is held at most
     * @return the members that are no longer present on any node, per topic
     */
    CompletionStage<List<PresenceEntry>> sweepPresence(long lockMillis);

    /** Disconnects and stops delivering. Idempotent. */
    @Override
    void close();
}
