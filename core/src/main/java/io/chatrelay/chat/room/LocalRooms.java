package io.chatrelay.chat.room;

import io.chatrelay.broker.Broker;
import io.chatrelay.broker.BrokerException;
import io.chatrelay.broker.PresenceEntry;
import io.chatrelay.broker.StoredFrame;
import io.chatrelay.broker.Await;
import io.chatrelay.chat.ChatMetrics;
import io.chatrelay.chat.Session;
import io.chatrelay.chat.protocol.ServerFrames;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * The one owner of this gateway's memberships: which sessions are in which topic (rooms and
 * inboxes), which topics the gateway is subscribed to, and how many local connections each user
 * has in each room (for presence). Both indexes (by topic, by session) change together, inside
 * the topic's lock.
 *
 * <p>The first local member of a topic subscribes the gateway (and waits for the confirmation);
 * the last one to leave unsubscribes. {@link #fanOut} offers each delivered frame, the same
 * string, to every local member (a typing event to every member but the typist).
 */
public final class LocalRooms {
    private final Broker broker;
    private final Duration timeout;
    private final ChatMetrics metrics;
    private final ConcurrentHashMap<String, LocalTopic> topics = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Session, Map<String, Membership>> bySession = new ConcurrentHashMap<>();
    private final AtomicInteger rooms = new AtomicInteger();
    private final LongAdder deliveries = new LongAdder();

    /**
     * Creates the registry.
     *
     * @param broker  the broker to subscribe through
     * @param timeout how long a subscription may take
     * @param metrics where fan-outs are reported
     */
    public LocalRooms(Broker broker, Duration timeout, ChatMetrics metrics) {
        this.broker = broker;
        this.timeout = timeout;
        this.metrics = metrics;
    }

    /**
     * The outcome of {@link #join}.
     *
     * @param membership  the new membership, replaying
     * @param firstOfUser whether it is the user's first local connection in the topic
     */
    public record Joined(Membership membership, boolean firstOfUser) {
    }

    /**
     * A session's membership of a topic.
     *
     * @param session the session
     * @param topic   the topic
     * @return the membership, or {@code null} when the session is not in it
     */
    public Membership membership(Session session, String topic) {
        Map<String, Membership> of = bySession.get(session);
        return of == null ? null : of.get(topic);
    }

    /**
     * How many topics a session is in, its inbox excluded.
     *
     * @param session the session
     * @return the count
     */
    public int roomCount(Session session) {
        Map<String, Membership> of = bySession.get(session);
        return of == null ? 0 : (int) of.keySet().stream().filter(t -> !Topics.isInbox(t)).count();
    }

    /**
     * Adds a member, in replaying state, subscribing the gateway first if needed.
     *
     * @param topic   the topic
     * @param session the member
     * @return the membership; end its replay with {@link Membership#goLive}
     * @throws BrokerException if the subscription failed or timed out (the member is not added)
     */
    public Joined join(String topic, Session session) {
        Membership membership = new Membership(topic, session);
        boolean[] first = new boolean[1];
        LocalTopic local = topics.compute(topic, (name, existing) -> {
            LocalTopic t = existing;
            if (t == null) {
                t = new LocalTopic(broker.subscribe(name).toCompletableFuture());
                if (Topics.roomOf(name) != null) {
                    rooms.incrementAndGet();
                }
            }
            t.members.add(membership);
            first[0] = t.users.merge(session.user(), 1, Integer::sum) == 1;
            t.names.put(session.user(), session.identity().name());
            bySession.computeIfAbsent(session, s -> new ConcurrentHashMap<>(1)).put(name, membership);
            return t;
        });
        try {
            Await.result(local.subscribed, timeout);
            return new Joined(membership, first[0]);
        } catch (BrokerException e) {
            leave(membership);
            throw e;
        }
    }

    /**
     * Removes a member; unsubscribes when it was the last local one. Idempotent.
     *
     * @param membership the membership
     * @return whether it was the user's last local connection in the topic
     */
    public boolean leave(Membership membership) {
        boolean[] last = new boolean[1];
        topics.computeIfPresent(membership.topic(), (name, t) -> {
            if (!t.members.remove(membership)) {
                return t;
            }
            Map<String, Membership> of = bySession.get(membership.session());
            if (of != null) {
                of.remove(name, membership);
            }
            last[0] = t.users.computeIfPresent(membership.session().user(), (u, n) -> n > 1 ? n - 1 : null) == null;
            if (last[0]) {
                t.names.remove(membership.session().user());
            }
            if (t.members.isEmpty()) {
                broker.unsubscribe(name);
                if (Topics.roomOf(name) != null) {
                    rooms.decrementAndGet();
                }
                return null;
            }
            return t;
        });
        return last[0];
    }

    /**
     * Removes a closing session from the index and returns its memberships; the caller leaves
     * each of them with {@link #leave}.
     *
     * @param session the session
     * @return its memberships
     */
    public List<Membership> memberships(Session session) {
        Map<String, Membership> of = bySession.get(session);
        return of == null ? List.of() : new ArrayList<>(of.values());
    }

    /**
     * Forgets a session that has left everything.
     *
     * @param session the session
     */
    public void forget(Session session) {
        bySession.remove(session);
    }

    /**
     * Offers a delivered frame to the topic's local members. Called on the broker's dispatcher
     * thread; never blocks.
     *
     * @param frame the frame
     */
    public void fanOut(StoredFrame frame) {
        LocalTopic local = topics.get(frame.topic());
        if (local == null) {
            return;
        }
        String typist = ServerFrames.KIND_TYPING.equals(frame.meta().kind()) ? frame.meta().sender() : null;
        int delivered = 0;
        for (Membership m : local.members) {
            if (typist == null || !typist.equals(m.session().user())) {
                m.deliver(frame);
                delivered++;
            }
        }
        deliveries.add(delivered);
        metrics.fannedOut(frame, delivered, System.currentTimeMillis());
    }

    /**
     * The presence this gateway holds: every room and user with a local connection in it.
     *
     * @return room topics and users
     */
    public List<PresenceEntry> localPresence() {
        return localPresence(topic -> true);
    }

    /**
     * The presence entries of this gateway in the topics that a filter accepts.
     *
     * @param topics which topics
     * @return one entry per (topic, user), for rooms and users' inboxes
     */
    public List<PresenceEntry> localPresence(java.util.function.Predicate<String> topics) {
        List<PresenceEntry> entries = new ArrayList<>();
        this.topics.forEach((topic, t) -> {
            if (topics.test(topic) && (Topics.roomOf(topic) != null || Topics.isInbox(topic))) {
                t.users.keySet().forEach(user -> entries.add(new PresenceEntry(topic, user, t.names.getOrDefault(user, user))));
            }
        });
        return entries;
    }

    /**
     * The rooms with the most local connections.
     *
     * @param n how many at most
     * @return room name to local connections, largest first
     */
    public java.util.LinkedHashMap<String, Integer> largest(int n) {
        java.util.LinkedHashMap<String, Integer> out = new java.util.LinkedHashMap<>();
        topics.entrySet().stream()
                .filter(e -> Topics.roomOf(e.getKey()) != null)
                .map(e -> Map.entry(Topics.roomOf(e.getKey()), e.getValue().members.size()))
                .sorted((a, b) -> Integer.compare(b.getValue(), a.getValue()))
                .limit(n)
                .forEach(e -> out.put(e.getKey(), e.getValue()));
        return out;
    }

    /**
     * This gateway's connections in a topic.
     *
     * @param topic the topic
     * @return how many
     */
    public int connections(String topic) {
        LocalTopic t = topics.get(topic);
        return t == null ? 0 : t.members.size();
    }

    /**
     * Rooms with local members (kept as a counter: cheap to ask for).
     *
     * @return the count
     */
    public int roomCount() {
        return rooms.get();
    }

    /**
     * Frames offered to members so far.
     *
     * @return the count
     */
    public long deliveries() {
        return deliveries.sum();
    }

    // Sized for one entry (a table of 2 slots, 24 bytes, instead of 16 slots, 80 bytes) and grown
    // when needed: on an idle connection the inbox topic and the session's map hold one entry each
    private static final class LocalTopic {
        private final CompletableFuture<Void> subscribed;
        private final Set<Membership> members = ConcurrentHashMap.newKeySet(1);
        /** Local connections per user; changed only inside the topic's lock. */
        private final Map<String, Integer> users = new ConcurrentHashMap<>(1);
        /** Display name of each local user (the latest connection's); changed only inside the topic's lock. */
        private final Map<String, String> names = new ConcurrentHashMap<>(1);

        private LocalTopic(CompletableFuture<Void> subscribed) {
            this.subscribed = subscribed;
        }
    }
}
