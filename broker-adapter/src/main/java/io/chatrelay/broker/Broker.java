package io.chatrelay.broker;

import java.util.concurrent.CompletionStage;

/**
 * Carries frames between gateways and keeps their history: the messages half of the SPI (the
 * other half is {@link PresenceStore}).
 *
 * <p>A <em>topic</em> is a name chosen by the gateway (a room, a user's inbox). Guarantees:
 * <ul>
 *   <li>{@link #append} stores a frame in the topic's capped history and publishes it in one atomic
 *       step: a frame that was acknowledged (future completed) is in history and was published;
 *       a future that failed with {@link BrokerException} neither stored nor published it, unless
 *       it is an {@link OutcomeUnknownException} (a timeout: it may have run).</li>
 *   <li>Ids are {@link StreamId}s, strictly increasing per topic; every subscriber sees a topic's
 *       stored frames in id order, each once, across reconnects (see {@link BrokerListener}).</li>
 *   <li>{@link #publish} frames are ephemeral: not stored, delivered at most once.</li>
 *   <li>{@link #subscribe} completes only when the subscription is confirmed, so that a frame
 *       appended afterwards is delivered to this broker's listener.</li>
 *   <li>Before {@link #start}, after {@link #close} and while the broker is
 *       {@link BrokerState#DOWN}, operations fail fast with {@link BrokerException} instead of
 *       queueing.</li>
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
     * @param topic   the topic
     * @param frame   the frame, whose id the broker assigns
     * @param options expiry of the topic's history, deduplication
     * @return the assigned id, or the id of the earlier append with the same dedup key (then
     *         nothing was stored or published); fails with {@link StorageFullException} when the
     *         store is full
     */
    CompletionStage<Appended> append(String topic, FrameTemplate frame, AppendOptions options);

    /**
     * Stores and publishes a frame in a topic whose history does not expire, without
     * deduplication.
     *
     * @param topic the topic
     * @param frame the frame
     * @return the assigned id
     */
    default CompletionStage<String> append(String topic, FrameTemplate frame) {
        return append(topic, frame, AppendOptions.NONE).thenApply(Appended::id);
    }

    /**
     * Adds a member to (or removes it from) a counted set of the topic and, when the set changed,
     * stores and publishes a frame that carries the set's new size right after its id (the text is
     * {@code head + id + "\",\"count\":" + size + tail}), atomically: two concurrent changes
     * publish sizes in the order of their ids. The set expires with the topic. A member that would
     * start a new set in a group holding its cap of sets is refused ({@link Counted#full()}).
     *
     * @param topic   the topic
     * @param set     the set, its group and the group's cap
     * @param member  the member
     * @param add     {@code true} to add, {@code false} to remove
     * @param frame   head and tail of the frame (not fixed)
     * @param options expiry of the topic's history (no deduplication: the set is the guard)
     * @return the id (or {@code null} when nothing changed) and the size
     */
    CompletionStage<Counted> appendCounted(String topic, CountedSet set, String member, boolean add, FrameTemplate frame,
                                           AppendOptions options);

    /**
     * Reads one stored frame.
     *
     * @param topic the topic
     * @param id    its id
     * @return the frame, or {@code null} if the topic has no frame with that id (any more)
     */
    CompletionStage<StoredFrame> read(String topic, String id);

    /**
     * Counts the stored frames after an id, up to a cap.
     *
     * @param topic   the topic
     * @param afterId count frames after this id (exclusive)
     * @param cap     stop counting here
     * @return the count, at most {@code cap}
     */
    CompletionStage<Integer> countAfter(String topic, String afterId, int cap);

    /**
     * Publishes an ephemeral frame (not stored).
     *
     * @param topic the topic
     * @param meta  what the frame is
     * @param frame the exact frame text
     * @return completes when published
     */
    CompletionStage<Void> publish(String topic, FrameMeta meta, String frame);

    /**
     * Reads stored frames after an id (exclusive), oldest first.
     *
     * @param topic   the topic
     * @param afterId the last id already seen
     * @param limit   the most frames to return (at least 1)
     * @return the page; {@link HistoryPage#covered()} tells whether history still reached
     *         {@code afterId}
     */
    CompletionStage<HistoryPage> readAfter(String topic, String afterId, int limit);

    /**
     * Reads the stored frames just before an id (exclusive), returned oldest first.
     *
     * @param topic    the topic
     * @param beforeId read before this id; {@code null} for the latest frames
     * @param limit    the most frames to return (at least 1)
     * @return the page; {@link HistoryPage#more()} tells whether older frames exist
     */
    CompletionStage<HistoryPage> readBefore(String topic, String beforeId, int limit);

    /** Disconnects and stops delivering. Idempotent. */
    @Override
    void close();
}
