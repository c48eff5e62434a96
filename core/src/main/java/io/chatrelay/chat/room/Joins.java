package io.chatrelay.chat.room;

import io.chatrelay.broker.Broker;
import io.chatrelay.broker.BrokerException;
import io.chatrelay.broker.HistoryPage;
import io.chatrelay.broker.Moderation;
import io.chatrelay.broker.ReadState;
import io.chatrelay.broker.StoredFrame;
import io.chatrelay.broker.Await;
import io.chatrelay.chat.Arrivals;
import io.chatrelay.chat.ChatHooks;
import io.chatrelay.chat.ChatSettings;
import io.chatrelay.chat.CloseCode;
import io.chatrelay.chat.Session;
import io.chatrelay.chat.auth.Authorizer;
import io.chatrelay.chat.protocol.ErrorCode;
import io.chatrelay.chat.protocol.ProtocolException;
import io.chatrelay.chat.protocol.ServerFrames;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Joining, rejoining and leaving rooms; a session's inbox. A join subscribes first (membership
 * replaying), registers presence, reads history, sends {@code joined}, then the live frames
 * that arrived meanwhile: no gap, no duplicate. A join of a room the session is already in
 * replays in place: no leave, no presence event, no unsubscribe, one history read.
 *
 * <p>Recovery ({@code since}) is paged: {@code joined} carries at most
 * {@link ChatSettings.History#pageBytes()} of messages (with {@code "more":true} when more
 * follow) and the rest follows as {@code message} frames, a page at a time, each page only once
 * the connection's queue has room; so no backlog, however large, trips the slow-consumer close.
 * Runs on the session's own (virtual) thread, which it blocks.
 */
public final class Joins {
    private static final System.Logger LOG = System.getLogger(Joins.class.getName());
    /** Messages read per page while recovering. */
    static final int RECOVERY_PAGE = 200;
    /** Unread messages counted at most (a {@code joined} says {@code unread_capped} beyond). */
    static final int UNREAD_CAP = 1000;
    /** How long a recovering connection may take to make room for the next page. */
    static final Duration PACE_TIMEOUT = Duration.ofSeconds(30);

    private final Broker broker;
    private final LocalRooms rooms;
    private final PresenceTracker presence;
    private final Authorizer authorizer;
    private final ReadState reads;
    private final Moderation moderation;
    private final ChatHooks hooks;
    private final ChatSettings settings;
    private final Arrivals arrivals;

    /**
     * Creates the join logic.
     *
     * @param broker   the broker (history)
     * @param rooms    the local memberships
     * @param presence   presence
     * @param authorizer who may join what
     * @param reads      read cursors and receipts (protocol 2's {@code joined})
     * @param moderation bans (a banned user may not join) and mutes
     * @param hooks      the application's join hook (rooms whose policy is {@code hook})
     * @param settings   settings
     * @param arrivals   the gateway's pacing of joins: a join steps out of its turn while it waits
     *                   for the application's hook or for its client to read
     */
    public Joins(Broker broker, LocalRooms rooms, PresenceTracker presence, Authorizer authorizer, ReadState reads,
                 Moderation moderation, ChatHooks hooks, ChatSettings settings, Arrivals arrivals) {
        this.broker = broker;
        this.rooms = rooms;
        this.presence = presence;
        this.authorizer = authorizer;
        this.reads = reads;
        this.moderation = moderation;
        this.hooks = hooks;
        this.settings = settings;
        this.arrivals = arrivals;
    }

    /**
     * Joins a room, or rejoins it in place when the session is already in it.
     *
     * @param session the session
     * @param room    the room
     * @param since   the last id the client has, or {@code null}
     * @param token   a room token, or {@code null}
     * @param ref     client ref for errors
     * @throws ProtocolException forbidden, too many rooms, or the broker failed
     */
    public void join(Session session, String room, String since, String token, String ref) throws ProtocolException {
        String topic = Topics.room(room);
        Membership existing = rooms.membership(session, topic);
        if (existing != null) {
            existing.replayAgain();
            try {
                replay(existing, room, since, presence.first(room));
            } catch (BrokerException e) {
                existing.goLive(null);
                throw unavailable(e, ref);
            }
            return;
        }
        Authorizer.Decision decision = authorizer.mayJoin(session.identity(), room, token);
        if (decision.askHook()) {
            ChatHooks.Verdict verdict = arrivals.outside(() -> hooks.beforeJoin(session.identity(), room));
            if (!verdict.allowed()) {
                throw new ProtocolException(ErrorCode.FORBIDDEN, verdict.reason() == null ? "refused by the application" : verdict.reason(),
                        ref);
            }
        } else if (!decision.allowed()) {
            throw new ProtocolException(ErrorCode.FORBIDDEN, decision.reason(), ref);
        }
        int max = settings.limits().maxRooms();
        if (rooms.roomCount(session) >= max) {
            throw new ProtocolException(ErrorCode.TOO_MANY_ROOMS, "at most " + max + " rooms per connection", ref);
        }
        Moderation.Restriction[] banAndMute;
        try {
            // both asked at once: one round trip
            banAndMute = Await.result(moderation.find(Moderation.Kind.BAN, topic, session.user()).thenCombine(
                    moderation.find(Moderation.Kind.MUTE, topic, session.user()), (ban, mute) -> new Moderation.Restriction[] {ban, mute}),
                    settings.brokerTimeout());
        } catch (BrokerException e) {
            throw unavailable(e, ref);
        }
        Moderation.Restriction ban = banAndMute[0];
        if (ban != null) {
            throw new ProtocolException(ErrorCode.FORBIDDEN, "you are banned from this room"
                    + (ban.reason().isEmpty() ? "" : ": " + ban.reason()), ref);
        }
        boolean muted = banAndMute[1] != null;
        LocalRooms.Joined joined;
        try {
            joined = rooms.join(topic, session);
        } catch (BrokerException e) {
            throw unavailable(e, ref);
        }
        Membership membership = joined.membership();
        membership.grantedByRoomToken(decision.byRoomToken());
        membership.muted(muted);
        try {
            if (joined.firstOfUser()) {
                presence.joined(room, session.user(), session.identity().name());
            }
            replay(membership, room, since, presence.first(room));
        } catch (BrokerException e) {
            if (rooms.leave(membership)) {
                presence.left(room, session.user(), session.identity().name(), true);
            }
            throw unavailable(e, ref);
        }
    }

    /**
     * Leaves a room on purpose and confirms with {@code left}.
     *
     * @param session the session
     * @param room    the room
     */
    public void leave(Session session, String room) {
        Membership membership = rooms.membership(session, Topics.room(room));
        if (membership != null && rooms.leave(membership)) {
            presence.left(room, session.user(), session.identity().name(), true);
        }
        session.out().reply(ServerFrames.left(room));
    }

    /**
     * Takes a session out of a room for the application (a moderator, a ban): {@code left} with
     * {@code removed} and the reason.
     *
     * @param session the session
     * @param room    the room
     * @param reason  why, possibly empty
     */
    public void remove(Session session, String room, String reason) {
        Membership membership = rooms.membership(session, Topics.room(room));
        if (membership == null) {
            return;
        }
        if (rooms.leave(membership)) {
            presence.left(room, session.user(), session.identity().name(), true);
        }
        session.out().reply(ServerFrames.removed(room, reason));
    }

    /**
     * After a token refresh: leaves (with {@code left}) every room the session's new grants no
     * longer let it into, except rooms a room token let it into.
     *
     * @param session the session
     */
    public void recheck(Session session) {
        for (Membership m : rooms.memberships(session)) {
            String room = Topics.roomOf(m.topic());
            Authorizer.Decision d = room == null || m.grantedByRoomToken() ? null : authorizer.mayJoin(session.identity(), room, null);
            // a room the join hook admitted stays: the hook is asked at joins, not at refreshes
            if (d != null && !d.allowed() && !d.askHook()) {
                leave(session, room);
            }
        }
    }

    /**
     * Subscribes the session to its user's inbox (direct messages), live at once; the user's
     * first session on this gateway makes the user present ({@code user.connected}).
     *
     * @param session the session
     * @throws ProtocolException if the broker failed
     */
    public void joinInbox(Session session) throws ProtocolException {
        LocalRooms.Joined joined;
        try {
            joined = rooms.join(Topics.inbox(session.user()), session);
        } catch (BrokerException e) {
            throw unavailable(e, null);
        }
        joined.membership().goLive(null);
        if (joined.firstOfUser()) {
            presence.connected(session.user(), session.identity().name());
        }
    }

    /**
     * Every membership of a closing session; presence lingers (the client may be reconnecting).
     *
     * @param session the session
     */
    public void leaveAll(Session session) {
        for (Membership m : rooms.memberships(session)) {
            String room = Topics.roomOf(m.topic());
            if (rooms.leave(m)) {
                if (room != null) {
                    presence.left(room, session.user(), session.identity().name(), false);
                } else if (Topics.isInbox(m.topic())) {
                    presence.disconnected(session.user());
                }
            }
        }
        rooms.forget(session);
    }

    /**
     * Answers {@code members}: a page of the members present in a room the session is in.
     *
     * @param session the session
     * @param m       the request
     * @throws ProtocolException not a member, or the store failed
     */
    public void members(Session session, io.chatrelay.chat.protocol.ClientFrame.Members m) throws ProtocolException {
        if (rooms.membership(session, Topics.room(m.room())) == null) {
            throw new ProtocolException(ErrorCode.NOT_MEMBER, "join the room first", m.ref());
        }
        PresenceTracker.Members page;
        try {
            page = presence.page(m.room(), m.after(), m.limit());
        } catch (BrokerException e) {
            throw unavailable(e, m.ref());
        }
        session.out().reply(ServerFrames.members(m.room(), page.page(), page.more(), m.ref()));
    }

    /** Sends {@code joined} and, when recovering, the pages after it; then goes live. */
    private void replay(Membership membership, String room, String since, PresenceTracker.Members present) {
        String topic = membership.topic();
        Session session = membership.session();
        boolean v1 = session.protocol() == ServerFrames.PROTOCOL_1;
        Map<String, String> members = present.page();
        long count = present.count();
        ServerFrames.ReadView read = v1 ? null : readView(session, room, count);
        if (since == null) {
            Page latest = latest(topic, v1);
            session.out().reply(ServerFrames.joined(room, null, members, count, latest.frames(), false, read));
            membership.goLive(latest.lastId());
            return;
        }
        int epoch = membership.epoch();
        HistoryPage first = Await.result(broker.readAfter(topic, since, RECOVERY_PAGE), settings.brokerTimeout());
        if (!first.covered()) {
            Page latest = latest(topic, v1);
            session.out().reply(ServerFrames.joined(room, false, members, count, latest.frames(), false, read));
            membership.goLive(latest.lastId());
            return;
        }
        List<StoredFrame> firstFrames = visible(first.frames(), v1);
        Page page = Page.fitting(firstFrames, settings.history().pageBytes(), true);
        boolean more = first.more() || page.trimmed();
        session.out().reply(ServerFrames.joined(room, true, members, count, page.frames(), more, read));
        String last = first.frames().isEmpty() ? since
                : page.trimmed() ? page.lastId() : first.frames().getLast().id();
        List<StoredFrame> pending = firstFrames.subList(page.frames().size(), firstFrames.size());
        boolean readMore = first.more();
        long sent = settings.history().pageBytes();
        while (!pending.isEmpty() || readMore || membership.epoch() != epoch) {
            if (pending.isEmpty()) {
                epoch = membership.epoch();
                HistoryPage next = Await.result(broker.readAfter(topic, last, RECOVERY_PAGE), settings.brokerTimeout());
                pending = visible(next.frames(), v1);
                readMore = next.more();
                if (pending.isEmpty() && !next.frames().isEmpty()) {
                    last = next.frames().getLast().id();
                }
                continue;
            }
            for (StoredFrame f : pending) {
                if (sent >= settings.history().pageBytes()) {
                    sent = 0;
                    if (!arrivals.outside(() -> session.out().awaitRoom(PACE_TIMEOUT))) {
                        LOG.log(Level.INFO, "event=recovery_stalled session={0} room={1}", session.id(), room);
                        session.out().close(CloseCode.OVERLOAD, "not reading: reconnect and recover with since", false);
                        membership.goLive(last);
                        return;
                    }
                }
                session.out().reply(f.frame());
                sent += ServerFrames.utf8Length(f.frame());
                last = f.id();
            }
            pending = List.of();
        }
        membership.goLive(last);
    }

    /** The frames a session can read: all of them, or those protocol 1 knows. */
    private static List<StoredFrame> visible(List<StoredFrame> frames, boolean v1) {
        return v1 ? frames.stream().filter(f -> ServerFrames.v1Visible(f.meta().kind())).toList() : frames;
    }

    /** The user's read cursor, what came after it (up to a cap), and a small room's receipts. */
    private ServerFrames.ReadView readView(Session session, String room, long memberCount) {
        // the read state is kept by the room's topic: beside its history, on its shard
        String topic = Topics.room(room);
        String cursor = Await.result(reads.cursors(session.user(), List.of(topic)), settings.brokerTimeout()).get(topic);
        int unread = Await.result(broker.countAfter(topic, cursor == null ? "0-0" : cursor, UNREAD_CAP + 1),
                settings.brokerTimeout());
        Map<String, String> receipts = memberCount <= settings.messages().receiptsMaxMembers()
                ? Await.result(reads.receipts(topic), settings.brokerTimeout()) : null;
        return new ServerFrames.ReadView(cursor, Math.min(unread, UNREAD_CAP), unread > UNREAD_CAP, receipts);
    }

    private Page latest(String topic, boolean v1) {
        HistoryPage page = Await.result(broker.readBefore(topic, null, settings.history().joinLimit()), settings.brokerTimeout());
        return Page.fitting(visible(page.frames(), v1), settings.history().pageBytes(), false);
    }

    private static ProtocolException unavailable(BrokerException e, String ref) {
        LOG.log(Level.WARNING, "event=join_failed error={0}", e.toString());
        if (e instanceof io.chatrelay.broker.StorageFullException) {
            return new ProtocolException(ErrorCode.STORAGE_FULL, "the server is out of storage, try again later", ref);
        }
        return new ProtocolException(ErrorCode.BROKER_UNAVAILABLE, "the message broker is unavailable, try again", ref);
    }

    /**
     * Frames that fit a byte budget.
     *
     * @param frames  the frame texts, oldest first
     * @param lastId  the newest id among them, or {@code null}
     * @param trimmed whether some were left out
     */
    record Page(List<String> frames, String lastId, boolean trimmed) {
        /**
         * Keeps the oldest frames that fit ({@code oldestFirst}, for recovery: the rest follows) or
         * the newest ({@code !oldestFirst}, for the latest page: older ones are in history). At
         * least one frame is kept, so that recovery always moves on.
         */
        static Page fitting(List<StoredFrame> stored, int budget, boolean oldestFirst) {
            int n = stored.size();
            long used = 0;
            int kept = 0;
            for (int i = 0; i < n; i++) {
                StoredFrame f = stored.get(oldestFirst ? i : n - 1 - i);
                long size = ServerFrames.utf8Length(f.frame()) + 1;
                if (kept > 0 && used + size > budget) {
                    break;
                }
                used += size;
                kept++;
            }
            List<StoredFrame> slice = oldestFirst ? stored.subList(0, kept) : stored.subList(n - kept, n);
            List<String> frames = new ArrayList<>(slice.size());
            slice.forEach(f -> frames.add(f.frame()));
            return new Page(frames, slice.isEmpty() ? null : slice.getLast().id(), kept < n);
        }
    }
}
