package io.chatrelay.gateway;

import io.chatrelay.chat.ChatCore;
import io.chatrelay.chat.CloseCode;
import io.chatrelay.chat.Session;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Graceful drain: turn not-ready, give the load balancer time to notice, then close sessions with
 * 1012 spread over a jittered window (so clients do not reconnect all at once to one gateway),
 * and wait for them to go, all within the grace period.
 */
final class Drain {
    private static final System.Logger LOG = System.getLogger(Drain.class.getName());
    private static final int BATCHES = 10;

    private final ChatCore core;
    private final Duration grace;
    private volatile boolean started;

    Drain(ChatCore core, Duration grace) {
        this.core = core;
        this.grace = grace;
    }

    boolean started() {
        return started;
    }

    void run() {
        if (started) {
            return;
        }
        started = true;
        long deadline = System.nanoTime() + grace.toNanos();
        core.startDraining();
        List<Session> sessions = new ArrayList<>(core.sessions().snapshot());
        LOG.log(Level.INFO, "event=drain_start sessions={0} grace_ms={1}", String.valueOf(sessions.size()), String.valueOf(grace.toMillis()));
        sleep(Math.min(4000, grace.toMillis() / 4));
        Collections.shuffle(sessions);
        long window = Math.min(5000, grace.toMillis() / 4);
        int perBatch = Math.max(1, (sessions.size() + BATCHES - 1) / BATCHES);
        for (int i = 0; i < sessions.size(); i++) {
            if (i > 0 && i % perBatch == 0) {
                sleep(window / BATCHES + ThreadLocalRandom.current().nextLong(1 + window / (2 * BATCHES)));
            }
            sessions.get(i).out().close(CloseCode.RESTART, "gateway restarting: reconnect with since", true);
        }
        while (core.sessions().count() > 0 && System.nanoTime() < deadline) {
            sleep(50);
        }
        LOG.log(Level.INFO, "event=drain_done sessions_left={0}", String.valueOf(core.sessions().count()));
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
