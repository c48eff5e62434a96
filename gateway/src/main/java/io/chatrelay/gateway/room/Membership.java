package io.chatrelay.gateway.room;

import io.chatrelay.broker.StoredFrame;
import io.chatrelay.broker.StreamId;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One connection's membership of one topic. It starts <em>replaying</em>: live frames are kept
 * in a small buffer while the join answer (with history or recovered messages) is prepared; then
 * {@link #goLive} sends the answer, then the buffered frames newer than what the answer carried,
 * and switches to direct delivery. Subscribing before reading history closes the gap; comparing
 * ids removes the duplicates.
 */
public final class Membership {
    /** Frames buffered while replaying before the connection is treated as too slow. */
    static final int MAX_BUFFERED = 4096;

    private final String topic;
    private final Recipient recipient;
    private final boolean inbox;
    private final ReentrantLock lock = new ReentrantLock();
    private List<StoredFrame> buffer = new ArrayList<>();
    private volatile boolean replaying = true;
    /** Newest id the join answer carried; live stored frames up to it are duplicates. */
    private volatile StreamId guard;
    private boolean overflowed;

    Membership(String topic, Recipient recipient) {
        this.topic = topic;
        this.recipient = recipient;
        this.inbox = Topics.isInbox(topic);
    }

    /**
     * The topic.
     *
     * @return topic name
     */
    public String topic() {
        return topic;
    }

    /**
     * The member.
     *
     * @return the recipient
     */
    public Recipient recipient() {
        return recipient;
    }

    void deliver(StoredFrame frame) {
        if (replaying) {
            lock.lock();
            try {
                if (replaying) {
                    buffer(frame);
                    return;
                }
            } finally {
                lock.unlock();
            }
        }
        if (guard != null && !frame.ephemeral()) {
            if (StreamId.parse(frame.id()).compareTo(guard) <= 0) {
                return;
            }
            guard = null;
        }
        recipient.deliver(frame.frame(), droppable(frame));
    }

    /** Unstored frames are droppable, except direct messages fanned out through an inbox. */
    private boolean droppable(StoredFrame frame) {
        return frame.ephemeral() && !inbox;
    }

    private void buffer(StoredFrame frame) {
        if (overflowed) {
            return;
        }
        if (buffer.size() >= MAX_BUFFERED) {
            overflowed = true;
            buffer = List.of();
            recipient.overflow();
            return;
        }
        buffer.add(frame);
    }

    /**
     * Ends the replay: hands {@code answer} to the recipient, then every buffered frame with an id
     * after {@code lastSentId} (all of them when it is {@code null}), then goes live.
     *
     * @param answer     the join answer, queued first; {@code null} for none
     * @param lastSentId the newest message id the answer carried, or {@code null}
     */
    public void goLive(String answer, String lastSentId) {
        lock.lock();
        try {
            if (answer != null) {
                recipient.deliver(answer, false);
            }
            StreamId last = lastSentId == null ? null : StreamId.parse(lastSentId);
            for (StoredFrame f : buffer) {
                if (f.ephemeral() || last == null || StreamId.parse(f.id()).compareTo(last) > 0) {
                    recipient.deliver(f.frame(), droppable(f));
                }
            }
            buffer = List.of();
            guard = last;
            replaying = false;
        } finally {
            lock.unlock();
        }
    }
}
