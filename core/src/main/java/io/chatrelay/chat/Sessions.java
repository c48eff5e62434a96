package io.chatrelay.chat;

import java.util.Collection;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The admitted sessions of this gateway, with the connection caps (for the gateway, and per user)
 * checked and taken in one atomic step each (two connections racing for the last slot cannot both
 * get it).
 */
public final class Sessions {
    private final ConcurrentHashMap<String, Session> sessions = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Integer> perUser = new ConcurrentHashMap<>();
    private final AtomicInteger count = new AtomicInteger();
    private final int max;
    private final int maxPerUser;
    private volatile boolean draining;

    Sessions(int max, int maxPerUser) {
        this.max = max;
        this.maxPerUser = maxPerUser;
    }

    /** Why a session was not admitted. */
    enum Refusal {
        /** Admitted. */
        NONE,
        /** The gateway is full. */
        FULL,
        /** This user has too many connections on this gateway. */
        USER_FULL,
        /** The gateway is draining. */
        DRAINING
    }

    Refusal admit(Session session) {
        if (draining) {
            return Refusal.DRAINING;
        }
        int n;
        do {
            n = count.get();
            if (n >= max) {
                return Refusal.FULL;
            }
        } while (!count.compareAndSet(n, n + 1));
        boolean[] taken = new boolean[1];
        perUser.compute(session.user(), (user, k) -> {
            int held = k == null ? 0 : k;
            taken[0] = held < maxPerUser;
            return taken[0] ? held + 1 : k;
        });
        if (!taken[0]) {
            count.decrementAndGet();
            return Refusal.USER_FULL;
        }
        sessions.put(session.id(), session);
        return Refusal.NONE;
    }

    boolean remove(Session session) {
        if (sessions.remove(session.id(), session)) {
            perUser.computeIfPresent(session.user(), (user, k) -> k > 1 ? k - 1 : null);
            count.decrementAndGet();
            return true;
        }
        return false;
    }

    void drain() {
        draining = true;
    }

    /**
     * Whether new sessions are refused because the gateway is draining.
     *
     * @return {@code true} once draining started
     */
    public boolean draining() {
        return draining;
    }

    /**
     * Admitted sessions.
     *
     * @return how many
     */
    public int count() {
        return count.get();
    }

    /**
     * The admitted sessions of a user on this gateway.
     *
     * @param user the user
     * @return a copy
     */
    public List<Session> ofUser(String user) {
        return sessions.values().stream().filter(s -> s.user().equals(user)).toList();
    }

    /**
     * Every admitted session.
     *
     * @return a copy
     */
    public Collection<Session> snapshot() {
        return List.copyOf(sessions.values());
    }
}
