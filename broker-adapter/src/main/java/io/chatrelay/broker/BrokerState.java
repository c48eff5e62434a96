package io.chatrelay.broker;

/**
 * Connection state of a {@link Broker}, as reported to {@link BrokerListener#onStateChange}.
 */
public enum BrokerState {
    /** Not started yet, or connecting for the first time. */
    CONNECTING,
    /** Connected: appends, publishes and reads are expected to succeed. */
    UP,
    /** Connection lost; the broker reconnects by itself. Appends fail fast meanwhile. */
    DOWN,
    /** Closed for good. */
    CLOSED
}
