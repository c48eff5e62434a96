package io.chatrelay.gateway.ws;

import java.util.Collection;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/** The open sessions of this gateway. */
public final class SessionRegistry {
    private final ConcurrentHashMap<String, ChatSession> sessions = new ConcurrentHashMap<>();

    void add(ChatSession session) {
        sessions.put(session.id(), session);
    }

    boolean remove(ChatSession session) {
        return sessions.remove(session.id(), session);
    }

    /**
     * Open sessions.
     *
     * @return how many
     */
    public int count() {
        return sessions.size();
    }

    /**
     * A snapshot of the open sessions.
     *
     * @return the sessions
     */
    public Collection<ChatSession> snapshot() {
        return List.copyOf(sessions.values());
    }

    /**
     * Closes one session with a code, after its queued frames.
     *
     * @param session the session
     * @param code    close code
     * @param reason  close reason
     */
    public void close(ChatSession session, int code, String reason) {
        session.outbound().close(code, reason, false);
    }
}
