package io.chatrelay.broker.memory;

import io.chatrelay.broker.EventLog;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.LongSupplier;

/**
 * The event log of one process: bounded (the oldest undelivered events are dropped beyond
 * {@code maxLen}, as Redis trims its stream), one consumer group, pending events handed again
 * after their backoff.
 */
public final class InMemoryEventLog implements EventLog {
    private static final int MAX_DEAD = 10_000;

    private final int maxLen;
    private final LongSupplier clock;
    private final Deque<String[]> fresh = new ArrayDeque<>();
    private final Map<String, Pending> pending = new LinkedHashMap<>();
    private final Deque<String> dead = new ArrayDeque<>();
    private long sequence;

    private static final class Pending {
        final Event event;
        long handedAt;
        long deliveries;

        Pending(Event event, long handedAt) {
            this.event = event;
            this.handedAt = handedAt;
            this.deliveries = event.deliveries();
        }
    }

    /**
     * Creates the log.
     *
     * @param maxLen the most events kept
     * @param clock  epoch milliseconds
     */
    public InMemoryEventLog(int maxLen, LongSupplier clock) {
        this.maxLen = maxLen;
        this.clock = clock;
    }

    @Override
    public synchronized CompletionStage<String> append(String body) {
        String id = clock.getAsLong() + "-" + sequence++;
        fresh.addLast(new String[] {id, body});
        while (fresh.size() + pending.size() > maxLen && !fresh.isEmpty()) {
            fresh.removeFirst();
        }
        return CompletableFuture.completedFuture(id);
    }

    @Override
    public synchronized CompletionStage<List<Event>> next(String consumer, int count) {
        List<Event> out = new ArrayList<>();
        long now = clock.getAsLong();
        while (out.size() < count && !fresh.isEmpty()) {
            String[] e = fresh.removeFirst();
            Event event = new Event(e[0], e[1], 1);
            pending.put(e[0], new Pending(event, now));
            out.add(event);
        }
        return CompletableFuture.completedFuture(out);
    }

    @Override
    public synchronized CompletionStage<List<Event>> due(String consumer, Duration backoff, Duration maxBackoff, int count) {
        List<Event> out = new ArrayList<>();
        long now = clock.getAsLong();
        for (Pending p : pending.values()) {
            if (out.size() >= count) {
                break;
            }
            long wait = Math.min(maxBackoff.toMillis(), backoff.toMillis() << Math.min(p.deliveries - 1, 20));
            if (now - p.handedAt >= wait) {
                p.deliveries++;
                p.handedAt = now;
                out.add(new Event(p.event.id(), p.event.body(), p.deliveries));
            }
        }
        return CompletableFuture.completedFuture(out);
    }

    @Override
    public synchronized CompletionStage<Void> ack(String id) {
        pending.remove(id);
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public synchronized CompletionStage<Void> deadLetter(Event event, String reason) {
        if (pending.remove(event.id()) != null) {
            dead.addFirst(event.body());
            if (dead.size() > MAX_DEAD) {
                dead.removeLast();
            }
        }
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public synchronized CompletionStage<List<String>> deadLetters(int count) {
        return CompletableFuture.completedFuture(dead.stream().limit(count).toList());
    }

    @Override
    public synchronized CompletionStage<Stats> stats() {
        return CompletableFuture.completedFuture(new Stats(fresh.size() + pending.size(), pending.size(), fresh.size(), dead.size()));
    }
}
