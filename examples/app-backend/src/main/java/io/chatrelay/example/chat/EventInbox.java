package io.chatrelay.example.chat;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The webhook events the app received, deduplicated by event id: delivery is at least once, so
 * the same event may come again (a retry after a lost answer, or from another gateway after the
 * one delivering it died); only its first arrival is new. Bounded: the oldest events are
 * forgotten beyond the bound, and so is their deduplication. What a real app would do with them
 * (store the message, notify, index) starts where {@link #add} returns {@code true}. Thread-safe.
 */
public final class EventInbox {
    /** One delivery of an event: which gateway, which try, when it came, when the app answered it. */
    public static final class Delivery {
        private final String node;
        private final int attempt;
        private final long at;
        private volatile long answeredAt = -1;

        /**
         * A delivery that came now.
         *
         * @param node    the gateway that delivers ({@code Chat-Relay-Node})
         * @param attempt which try ({@code Chat-Relay-Attempt})
         * @param at      when, epoch milliseconds
         */
        public Delivery(String node, int attempt, long at) {
            this.node = node;
            this.attempt = attempt;
            this.at = at;
        }

        /**
         * The app answered it.
         *
         * @param when epoch milliseconds
         */
        public void answered(long when) {
            answeredAt = when;
        }

        Map<String, Object> view() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("node", node);
            m.put("attempt", attempt);
            m.put("at", at);
            m.put("answered_at", answeredAt < 0 ? null : answeredAt);
            return m;
        }
    }

    /** An event and every delivery of it. */
    private record Received(String id, String type, JsonNode event, List<Delivery> deliveries) {
    }

    /** The most deliveries remembered per event. */
    static final int MAX_DELIVERIES = 16;

    private final int max;
    private final ReentrantLock lock = new ReentrantLock();
    private final LinkedHashMap<String, Received> events = new LinkedHashMap<>();
    private long duplicates;
    private long refused;

    /**
     * Creates an inbox.
     *
     * @param max the most events kept
     */
    public EventInbox(int max) {
        this.max = max;
    }

    /**
     * Takes in a delivery.
     *
     * @param id       the event's id
     * @param type     its type
     * @param event    the event
     * @param delivery who delivered it, which try, when
     * @return {@code true} the first time this id arrives; {@code false} for a duplicate
     */
    public boolean add(String id, String type, JsonNode event, Delivery delivery) {
        lock.lock();
        try {
            Received known = events.get(id);
            if (known != null) {
                duplicates++;
                if (known.deliveries().size() < MAX_DELIVERIES) {
                    known.deliveries().add(delivery);
                }
                return false;
            }
            List<Delivery> deliveries = new ArrayList<>();
            deliveries.add(delivery);
            events.put(id, new Received(id, type, event, deliveries));
            while (events.size() > max) {
                events.pollFirstEntry();
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** A request whose signature was refused. */
    public void refused() {
        lock.lock();
        try {
            refused++;
        } finally {
            lock.unlock();
        }
    }

    /**
     * What was received, oldest first, and the counts.
     *
     * @return {@code events}, {@code duplicates}, {@code refused}
     */
    public Map<String, Object> snapshot() {
        lock.lock();
        try {
            List<Map<String, Object>> list = new ArrayList<>(events.size());
            for (Received r : events.values()) {
                Map<String, Object> e = new LinkedHashMap<>();
                e.put("id", r.id());
                e.put("type", r.type());
                e.put("event", r.event());
                e.put("deliveries", r.deliveries().stream().map(Delivery::view).toList());
                list.add(e);
            }
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("events", list);
            out.put("duplicates", duplicates);
            out.put("refused", refused);
            return out;
        } finally {
            lock.unlock();
        }
    }
}
