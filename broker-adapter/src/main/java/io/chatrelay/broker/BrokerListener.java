package io.chatrelay.broker;

/**
 * Receives what a {@link Broker} delivers. Every method has a no-op default.
 *
 * <p>Threading: all callbacks of one broker are made by one dispatcher thread of the broker,
 * never by a network event loop, in the order the broker received them, so frames of one topic
 * arrive in id order. Callbacks must return quickly and must not block: hand work off (for
 * example {@code offer} to a queue) instead of doing I/O in them.
 */
public interface BrokerListener {
    /**
     * A frame published to a topic this broker is subscribed to. Stored frames arrive exactly
     * once and in id order per topic, including frames published while the broker was
     * reconnecting (they are read back from history after the reconnect, as long as history still
     * holds them). Ephemeral frames are at most once.
     *
     * @param frame the frame
     */
    default void onFrame(StoredFrame frame) {
    }

    /**
     * The broker's connection state changed.
     *
     * @param state the new state
     */
    default void onStateChange(BrokerState state) {
    }
}
