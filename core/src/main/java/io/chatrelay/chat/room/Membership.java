package io.chatrelay.chat.room;

import io.chatrelay.broker.StoredFrame;
import io.chatrelay.broker.StreamId;
import io.chatrelay.chat.Session;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One session's membership of one topic. It starts <em>replaying</em>: live frames are kept in a
 * small buffer while the join answer (history, or what was missed) is sent; then
 * {@link #goLive} releases the buffered frames newer than what the answer carried and switches
 * to direct delivery. Subscribing before reading history closes the gap; comparing ids removes
 * the duplicates. A rejoin of a room the session is already in replays again in place
 * ({@link #replayAgain}): the membership, the subscription and presence are untouched.
 *
 * <p>The buffer is bounded. When a replay takes long in a busy room it may overflow; then the
 * buffer is emptied and {@link #epoch} moves on: every stored frame it held is in history, so
 * the replay reads on until it has caught up with an unchanged epoch. A backlog never closes
 * the connection.
 */
public final class Membership {
    /** Frames buffered while replaying before the buffer is emptied and history read again. */
    static final int MAX_BUFFERED = 2048;
    /** Characters buffered while replaying before the same. */
    static final long MAX_BUFFERED_CHARS = 1 << 20;

    private final String topic;
    private final Session session;
    private final boolean inbox;
    private final ReentrantLock lock = new ReentrantLock();
    private List<StoredFrame> buffer = new ArrayList<>();
    private long bufferedChars;
    private int epoch;
    private volatile boolean replaying = true;
    /** Newest id the replay sent; live stored frames up to it are duplicates. */
    private volatile StreamId guard;
    private volatile long lastTyping;
    private volatile boolean byRoomToken;
    private volatile boolean muted;

    Membership(String topic, Session session) {
        this.topic = topic;
        this.session = session;
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
     * @return the session
     */
    public Session session() {
        return session;
    }

    /** Offers a frame from the fan-out: buffered while replaying, else queued. Never blocks. */
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
        if (session.protocol() == io.chatrelay.chat.protocol.ServerFrames.PROTOCOL_1
                && !io.chatrelay.chat.protocol.ServerFrames.v1Visible(frame.meta().kind())) {
            return;
        }
        StreamId g = guard;
        if (g != null && !frame.ephemeral()) {
            if (StreamId.parse(frame.id()).compareTo(g) <= 0) {
                return;
            }
            guard = null;
        }
        session.out().deliver(frame.frame(), droppable(frame));
    }

    /** Unstored frames are droppable, except direct messages fanned out through an inbox. */
    private boolean droppable(StoredFrame frame) {
        return frame.ephemeral() && !inbox;
    }

    private void buffer(StoredFrame frame) {
        if (buffer.size() >= MAX_BUFFERED || bufferedChars + frame.frame().length() > MAX_BUFFERED_CHARS) {
            buffer = new ArrayList<>();
            bufferedChars = 0;
            epoch++;
        }
        buffer.add(frame);
        bufferedChars += frame.frame().length();
    }

    /**
     * How many times the replay buffer overflowed so far; a replay that saw it change while
     * reading a page must read on.
     *
     * @return the epoch
     */
    int epoch() {
        lock.lock();
        try {
            return epoch;
        } finally {
            lock.unlock();
        }
    }

    /** Starts a new replay on a live membership (a rejoin with {@code since}). */
    void replayAgain() {
        lock.lock();
        try {
            buffer = new ArrayList<>();
            bufferedChars = 0;
            replaying = true;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Ends the replay: queues every buffered frame with an id after {@code lastSentId} (all of
     * them when it is {@code null}; ephemeral frames always), then goes live.
     *
     * @param lastSentId the newest message id the replay sent, or {@code null}
     */
    void goLive(String lastSentId) {
        lock.lock();
        try {
            StreamId last = lastSentId == null ? null : StreamId.parse(lastSentId);
            for (StoredFrame f : buffer) {
                if (session.protocol() == io.chatrelay.chat.protocol.ServerFrames.PROTOCOL_1
                        && !io.chatrelay.chat.protocol.ServerFrames.v1Visible(f.meta().kind())) {
                    continue;
                }
                if (f.ephemeral() || last == null || StreamId.parse(f.id()).compareTo(last) > 0) {
                    session.out().deliver(f.frame(), droppable(f));
                }
            }
            buffer = List.of();
            bufferedChars = 0;
            guard = last;
            replaying = false;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Whether a room token let the session in (then a token refresh does not re-check it).
     *
     * @return {@code true} if so
     */
    public boolean grantedByRoomToken() {
        return byRoomToken;
    }

    void grantedByRoomToken(boolean value) {
        byRoomToken = value;
    }

    /**
     * Whether a moderator muted this member (it may read, not send).
     *
     * @return {@code true} if muted
     */
    public boolean muted() {
        return muted;
    }

    /**
     * Mutes or unmutes the member.
     *
     * @param value muted
     */
    public void muted(boolean value) {
        muted = value;
    }

    /** Whether a typing event may be sent now (at most one per second per membership). */
    public boolean typingAllowed(long nowMillis) {
        if (nowMillis - lastTyping < 1000) {
            return false;
        }
        lastTyping = nowMillis;
        return true;
    }
}
