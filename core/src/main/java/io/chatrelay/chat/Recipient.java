package io.chatrelay.chat;

import java.time.Duration;

/**
 * The transport side of one connection, as the core sees it: where its frames go. Implemented by
 * each door (the WebSocket adapter's writer). {@link #deliver}, {@link #reply} and {@link #close}
 * never block; they may be called from any thread, the broker's dispatcher included.
 */
public interface Recipient {
    /**
     * Queues a frame fanned out from a room or inbox.
     *
     * @param frame     the exact text, the same string for every recipient
     * @param droppable whether it may be dropped when the connection falls behind (typing,
     *                  presence); a frame that is not droppable and does not fit closes the
     *                  connection as a slow consumer
     */
    void deliver(String frame, boolean droppable);

    /**
     * Queues an answer to the client's own frame (welcome, joined, ack, history, error...).
     *
     * @param frame the exact text
     */
    void reply(String frame);

    /**
     * Waits until the connection's queue has drained enough to take another page of recovered
     * messages. Called on the connection's own thread (a virtual thread), which may block.
     *
     * @param timeout how long to wait at most
     * @return {@code false} if it did not drain in time or the connection is closing
     */
    boolean awaitRoom(Duration timeout);

    /**
     * Closes the connection.
     *
     * @param code      why
     * @param reason    a short reason for the client
     * @param afterQueued {@code true} to send what is already queued first (a graceful close);
     *                  {@code false} to drop it (the connection is being cut for falling behind)
     */
    void close(CloseCode code, String reason, boolean afterQueued);
}
