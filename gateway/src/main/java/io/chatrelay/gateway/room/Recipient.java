package io.chatrelay.gateway.room;

/** Where the fan-out puts frames: a connection's outbound queue. Methods must not block. */
public interface Recipient {
    /**
     * The recipient's user id.
     *
     * @return the user id
     */
    String user();

    /**
     * Queues a frame fanned out from a topic.
     *
     * @param frame     the exact text
     * @param ephemeral whether it may be dropped when the queue is filling (typing, presence)
     */
    void deliver(String frame, boolean ephemeral);

    /**
     * The recipient fell too far behind while its membership was being recovered; it must be
     * closed so that the client reconnects and recovers.
     */
    void overflow();
}
