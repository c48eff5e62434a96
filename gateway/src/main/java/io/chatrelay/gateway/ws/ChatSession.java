package io.chatrelay.gateway.ws;

import io.chatrelay.gateway.room.Membership;
import io.chatrelay.gateway.room.Recipient;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One connection: its identity, its rooms and its single writer. Frames from the fan-out and
 * replies to the client both go through {@link Outbound}.
 */
public final class ChatSession implements Recipient {
    private final String id;
    private final Identity identity;
    private final Outbound out;
    private final Map<String, Membership> rooms = new ConcurrentHashMap<>();
    private final Map<String, Long> lastTyping = new ConcurrentHashMap<>();
    private volatile Membership inbox;
    private volatile long lastHeard = System.nanoTime();

    private final RateLimiter limiter;

    ChatSession(String id, Identity identity, Outbound out, RateLimiter limiter) {
        this.id = id;
        this.identity = identity;
        this.out = out;
        this.limiter = limiter;
    }

    /**
     * The session id (unique within this gateway).
     *
     * @return the id
     */
    public String id() {
        return id;
    }

    @Override
    public String user() {
        return identity.user();
    }

    @Override
    public void deliver(String frame, boolean ephemeral) {
        out.offer(frame, ephemeral ? Outbound.Kind.EPHEMERAL : Outbound.Kind.CHAT);
    }

    @Override
    public void overflow() {
        out.close(1013, "too far behind: reconnect and recover with since", true);
    }

    /** Queues an answer to the client's own frame. */
    void reply(String frame) {
        out.offer(frame, Outbound.Kind.REPLY);
    }

    Map<String, Membership> rooms() {
        return rooms;
    }

    Membership inbox() {
        return inbox;
    }

    void inbox(Membership membership) {
        this.inbox = membership;
    }

    void heard(long nanos) {
        lastHeard = nanos;
    }

    long lastHeard() {
        return lastHeard;
    }

    RateLimiter limiter() {
        return limiter;
    }

    Outbound outbound() {
        return out;
    }

    /** Whether a typing event for the room may be sent now (at most one per second). */
    boolean typingAllowed(String room, long now) {
        Long last = lastTyping.get(room);
        if (last != null && now - last < 1000) {
            return false;
        }
        lastTyping.put(room, now);
        return true;
    }
}
