package io.chatrelay.chat;

import io.chatrelay.broker.StoredFrame;
import io.chatrelay.chat.protocol.ErrorCode;

/**
 * What the core reports for metrics. The gateway implements it on its own meter registry; every
 * method has a no-op default. Methods must not block: some are called on the broker's
 * dispatcher thread.
 */
public interface ChatMetrics {
    /** A metrics sink that records nothing. */
    ChatMetrics NONE = new ChatMetrics() {
    };

    /** A session was admitted. */
    default void sessionOpened() {
    }

    /** A session ended. */
    default void sessionClosed() {
    }

    /** A session was refused at open (gateway full or draining). */
    default void refused() {
    }

    /** A client frame arrived. */
    default void frameIn() {
    }

    /** A message was stored and published by this gateway. */
    default void published() {
    }

    /**
     * An error frame was sent.
     *
     * @param code its code
     */
    default void error(ErrorCode code) {
    }

    /**
     * A frame from the broker was fanned out to local members.
     *
     * @param frame      the frame with its metadata
     * @param recipients local connections it was offered to
     * @param nowMillis  current epoch milliseconds (for the delivery latency of stored frames)
     */
    default void fannedOut(StoredFrame frame, int recipients, long nowMillis) {
    }

    /** The broker connection came back after a loss. */
    default void brokerReconnected() {
    }
}
