package io.chatrelay.chat.room;

import io.chatrelay.broker.Broker;
import io.chatrelay.broker.BrokerState;
import io.chatrelay.broker.FrameMeta;
import io.chatrelay.broker.PresenceEntry;
import io.chatrelay.broker.PresenceStore;
import io.chatrelay.broker.Await;
import io.chatrelay.chat.ChatEvent;
import io.chatrelay.chat.ChatEvents;
import io.chatrelay.chat.ChatSettings;
import io.chatrelay.chat.protocol.ServerFrames;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Presence across gateways, on the {@link PresenceStore}. The local side (how many connections a
 * user has in a room on this gateway) is kept by {@link LocalRooms}; this class talks to the
 * store when that count goes from 0 to 1 or back, refreshes this gateway's entries on a
 * heartbeat, sweeps expired entries, and publishes the {@code presence} events.
 *
 * <p>The heartbeat is spread over its period: every {@link #TICK_MILLIS} ms it refreshes one slice
 * of the topics (by hash), so each entry is still refreshed once per {@code refresh}, but a gateway
 * with thousands of topics (every connected user has an inbox topic) sends a steady trickle of
 * refresh calls instead of a burst of thousands every period, which held up the messages queued
 * behind it in Redis and in the Redis client (stalls of 50-90 ms every 5 s with 1,000 users per
 * gateway).
 *
 * <p>When a user's last connection closes (as opposed to leaving the room on purpose), the entry
 * is released with a grace ({@code linger}) instead of removed: a client that reconnects, to any
 * gateway, within it is never seen leaving and joining. Bounds: a dead gateway's users leave
 * within {@code ttl + sweep}; a closed connection's user within {@code linger + sweep}.
 *
 * <p>Cost flat in room size: a join, a leave and a refresh touch one member's entries; a
 * {@code joined} lists the first {@link #JOINED_MEMBERS} members and the count, and clients page
 * through the rest ({@link #page}). In rooms of more than {@link #EVENTS_MAX_MEMBERS} members no
 * per-member {@code presence} events are published: a mass join would otherwise cost a number
 * of deliveries that grows with the square of the room's size.
 */
public final class PresenceTracker implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(PresenceTracker.class.getName());
    /** Members listed in a {@code joined}; the rest are paged with {@code members}. */
    public static final int JOINED_MEMBERS = 100;
    /** Rooms with more members than this get no per-member {@code presence} events. */
    public static final long EVENTS_MAX_MEMBERS = 1000;

    /**
     * A page of a room's members and how many there are in all.
     *
     * @param page  member id to display name, in id order
     * @param count members present
     * @param more  whether members after the page exist
     */
    public record Members(Map<String, String> page, long count, boolean more) {
    }

    private final Broker broker;
    private final PresenceStore store;
    private final LocalRooms rooms;
    private final ChatSettings.Presence timing;
    private final Duration timeout;
    private final ChatEvents events;
    /** About how often the heartbeat refreshes a slice of the topics. */
    static final long TICK_MILLIS = 100;

    /** How many slices the topics are cut into: one per tick of the refresh period. */
    private final int slices;
    /** The slice the next tick refreshes (only the timer's thread). */
    private int nextSlice;
    private final ScheduledExecutorService timer =
            Executors.newSingleThreadScheduledExecutor(Thread.ofVirtual().name("presence-timer").factory());

    /**
     * Creates the tracker; {@link #start} begins heartbeats and sweeps.
     *
     * @param broker  where presence events are published
     * @param store   the presence store
     * @param rooms   the local memberships
     * @param timing  presence timing
     * @param timeout how long a blocking store call may take
     * @param events  where member, room and user events go
     */
    public PresenceTracker(Broker broker, PresenceStore store, LocalRooms rooms, ChatSettings.Presence timing, Duration timeout,
                           ChatEvents events) {
        this.broker = broker;
        this.events = events;
        this.store = store;
        this.rooms = rooms;
        this.timing = timing;
        this.timeout = timeout;
        this.slices = (int) Math.max(1, Math.min(1000, timing.refresh().toMillis() / TICK_MILLIS));
    }

    /** Starts the heartbeat and the sweep. */
    public void start() {
        long tick = Math.max(1, timing.refresh().toMillis() / slices);
        long sweep = timing.sweep().toMillis();
        timer.scheduleWithFixedDelay(this::heartbeat, tick, tick, TimeUnit.MILLISECONDS);
        timer.scheduleWithFixedDelay(this::sweep, sweep, sweep, TimeUnit.MILLISECONDS);
    }

    /**
     * A user's first local connection joined a room. Blocks until the store has the entry; a
     * {@code presence join} is published when the user was present nowhere before.
     *
     * @param room the room
     * @param user the user
     * @param name the user's display name
     * @throws io.chatrelay.broker.BrokerException if the store failed
     */
    public void joined(String room, String user, String name) {
        PresenceStore.Change change = Await.result(store.join(Topics.room(room), user, name), timeout);
        if (change.changed()) {
            announce(room, user, name, "join", change.members());
        }
    }

    /**
     * A user's last local connection left a room. Does not block.
     *
     * @param room      the room
     * @param user      the user
     * @param name      the user's display name
     * @param onPurpose {@code true} for a {@code leave} (announced at once when the user is present
     *                  nowhere else); {@code false} when the connection went away (the entry lingers)
     */
    public void left(String room, String user, String name, boolean onPurpose) {
        String topic = Topics.room(room);
        if (!onPurpose) {
            store.release(topic, user, timing.linger().toMillis()).whenComplete((v, error) -> warnOn(error, "release", room));
            return;
        }
        store.leave(topic, user).whenComplete((change, error) -> {
            if (error != null) {
                warnOn(error, "remove", room);
            } else if (change.changed()) {
                announce(room, user, name, "leave", change.members());
            }
        });
    }

    /**
     * A user's first connection on this gateway opened: the user is present (its inbox topic is
     * its presence anywhere); {@code user.connected} when it was connected nowhere before. Does
     * not block.
     *
     * @param user the user
     * @param name the display name
     */
    public void connected(String user, String name) {
        store.add(Topics.inbox(user), user, name).whenComplete((first, error) -> {
            if (error != null) {
                warnOn(error, "add", user);
            } else if (first) {
                emit(ChatEvent.USER_CONNECTED, Map.of("user", user, "name", name));
            }
        });
    }

    /**
     * A user's last connection on this gateway closed: released with the linger, so
     * {@code user.disconnected} follows (from the sweep) only if the user does not come back.
     *
     * @param user the user
     */
    public void disconnected(String user) {
        store.release(Topics.inbox(user), user, timing.linger().toMillis()).whenComplete((v, error) -> warnOn(error, "release", user));
    }

    private void emit(String type, Map<String, String> fields) {
        events.emit(new ChatEvent(type, System.currentTimeMillis(), fields, null));
    }

    /**
     * The users present in a room on any gateway.
     *
     * @param room the room
     * @return user id to display name, in id order
     * @throws io.chatrelay.broker.BrokerException if the store failed
     */
    public Map<String, String> members(String room) {
        Map<String, String> members = new LinkedHashMap<>();
        Await.result(store.members(Topics.room(room)), timeout).forEach(e -> members.put(e.member(), e.name()));
        return members;
    }

    /**
     * The first members of a room (at most {@link #JOINED_MEMBERS}) and their count: two reads
     * bounded by the page, whatever the room's size.
     *
     * @param room the room
     * @return the page and the count
     * @throws io.chatrelay.broker.BrokerException if the store failed
     */
    public Members first(String room) {
        String topic = Topics.room(room);
        return Await.result(store.members(topic, null, JOINED_MEMBERS).thenCombine(store.count(topic), (page, count) -> {
            Map<String, String> members = new LinkedHashMap<>();
            page.forEach(e -> members.put(e.member(), e.name()));
            return new Members(members, count, count > page.size());
        }), timeout);
    }

    /**
     * A page of a room's members after a member id.
     *
     * @param room  the room
     * @param after the member id to start after, or {@code null}
     * @param limit the most members
     * @return the page ({@code more} when others follow; the count is the page's size)
     * @throws io.chatrelay.broker.BrokerException if the store failed
     */
    public Members page(String room, String after, int limit) {
        List<PresenceEntry> entries = Await.result(store.members(Topics.room(room), after, limit + 1), timeout);
        Map<String, String> members = new LinkedHashMap<>();
        entries.stream().limit(limit).forEach(e -> members.put(e.member(), e.name()));
        return new Members(members, members.size(), entries.size() > limit);
    }

    /**
     * Publishes a presence change to the room (unless the room is larger than
     * {@link #EVENTS_MAX_MEMBERS}) and emits the application events. {@code members} is the
     * room's member count read atomically with the change: {@code room.occupied} (1 after a
     * join) and {@code room.vacated} (0 after a leave) are each emitted once per transition, by
     * the one gateway whose change made it, however many members join or leave at once.
     */
    private void announce(String room, String user, String name, String event, long members) {
        boolean join = "join".equals(event);
        memberEvent(room, user, name, join);
        if (members <= EVENTS_MAX_MEMBERS) {
            publish(room, user, name, event);
        }
        if (events != ChatEvents.NONE && (join ? members == 1 : members == 0)) {
            emit(join ? ChatEvent.ROOM_OCCUPIED : ChatEvent.ROOM_VACATED, Map.of("room", room));
        }
    }

    /**
     * {@link #announce} for changes whose count was not read with them (a refresh recreating
     * entries, a sweep): the count is read after (one O(1) read), for the size limit only; the
     * sweep decides {@code room.vacated} itself, atomically.
     */
    private void announceCounting(String room, String user, String name, String event, boolean occupiedIfFirst) {
        boolean join = "join".equals(event);
        memberEvent(room, user, name, join);
        store.count(Topics.room(room)).whenComplete((members, error) -> {
            if (error != null || members <= EVENTS_MAX_MEMBERS) {
                publish(room, user, name, event);
            }
            if (occupiedIfFirst && error == null && events != ChatEvents.NONE && members == 1) {
                emit(ChatEvent.ROOM_OCCUPIED, Map.of("room", room));
            }
        });
    }

    private void memberEvent(String room, String user, String name, boolean join) {
        if (events != ChatEvents.NONE) {
            emit(join ? ChatEvent.MEMBER_JOINED : ChatEvent.MEMBER_LEFT, Map.of("room", room, "user", user, "name", name));
        }
    }

    private void publish(String room, String user, String name, String event) {
        broker.publish(Topics.room(room), new FrameMeta(ServerFrames.KIND_PRESENCE, user, System.currentTimeMillis()),
                ServerFrames.presence(room, user, name, event));
    }

    /** One tick of the heartbeat: the next slice. */
    private void heartbeat() {
        int slice = nextSlice;
        nextSlice = (slice + 1) % slices;
        refresh(slice);
    }

    /** How many slices the heartbeat cuts the topics into. */
    int slices() {
        return slices;
    }

    /**
     * Refreshes this gateway's entries in the topics of one slice.
     *
     * @param slice from 0 to {@link #slices()} - 1
     */
    void refresh(int slice) {
        if (broker.state() != BrokerState.UP) {
            return;
        }
        List<PresenceEntry> entries = rooms.localPresence(topic -> Math.floorMod(topic.hashCode(), slices) == slice);
        if (entries.isEmpty()) {
            return;
        }
        store.refresh(entries).whenComplete((back, error) -> {
            if (error != null) {
                warnOn(error, "refresh", String.valueOf(entries.size()));
                return;
            }
            for (PresenceEntry e : back) {
                String room = Topics.roomOf(e.topic());
                if (room != null) {
                    // recreated after this gateway could not refresh (rare: a Redis outage); the
                    // count is read after, so a room.occupied here may race a concurrent join
                    announceCounting(room, e.member(), e.name(), "join", true);
                }
            }
        });
    }

    private void sweep() {
        if (broker.state() != BrokerState.UP) {
            return;
        }
        store.sweepTopics().whenComplete((swept, error) -> {
            if (error != null) {
                warnOn(error, "sweep", "");
                return;
            }
            for (PresenceEntry e : swept.gone()) {
                String room = Topics.roomOf(e.topic());
                if (room != null) {
                    LOG.log(Level.DEBUG, "event=presence_expired room={0} user={1}", room, e.member());
                    announceCounting(room, e.member(), e.name(), "leave", false);
                } else if (Topics.isInbox(e.topic())) {
                    emit(ChatEvent.USER_DISCONNECTED, Map.of("user", e.member(), "name", e.name()));
                }
            }
            if (events != ChatEvents.NONE) {
                for (String topic : swept.emptied()) {
                    String room = Topics.roomOf(topic);
                    if (room != null) {
                        emit(ChatEvent.ROOM_VACATED, Map.of("room", room));
                    }
                }
            }
        });
    }

    private static void warnOn(Throwable error, String what, String subject) {
        if (error != null) {
            LOG.log(Level.WARNING, "event=presence_{0}_failed subject={1} error={2}", what, subject, error.toString());
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
