package io.chatrelay.chat;

import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * When each session's token runs out: one timer for the whole gateway, one scheduled task per
 * session with a token, replaced when the token is refreshed and cancelled when the session ends.
 */
final class Expiries implements AutoCloseable {
    private final ScheduledExecutorService timer =
            Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("token-expiry").factory());
    private final Map<Session, ScheduledFuture<?>> tasks = new ConcurrentHashMap<>();
    private final Consumer<Session> onExpired;

    Expiries(Consumer<Session> onExpired) {
        this.onExpired = onExpired;
    }

    /** (Re)schedules the expiry of a session's current token; none for a session without one. */
    void schedule(Session session) {
        Instant expires = session.identity().expires();
        if (expires == null) {
            return;
        }
        long delay = Math.max(0, expires.toEpochMilli() - System.currentTimeMillis());
        ScheduledFuture<?> task = timer.schedule(() -> {
            tasks.remove(session);
            onExpired.accept(session);
        }, delay, TimeUnit.MILLISECONDS);
        ScheduledFuture<?> old = tasks.put(session, task);
        if (old != null) {
            old.cancel(false);
        }
    }

    void cancel(Session session) {
        ScheduledFuture<?> task = tasks.remove(session);
        if (task != null) {
            task.cancel(false);
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
