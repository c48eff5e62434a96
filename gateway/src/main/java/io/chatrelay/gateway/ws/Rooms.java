package io.chatrelay.gateway.ws;

import io.chatrelay.broker.Broker;
import io.chatrelay.broker.BrokerException;
import io.chatrelay.broker.HistoryPage;
import io.chatrelay.broker.StoredFrame;
import io.chatrelay.gateway.config.GatewayConfig;
import io.chatrelay.gateway.protocol.ErrorCode;
import io.chatrelay.gateway.protocol.ProtocolException;
import io.chatrelay.gateway.protocol.ServerFrames;
import io.chatrelay.gateway.room.Membership;
import io.chatrelay.gateway.room.PresenceService;
import io.chatrelay.gateway.room.RoomRegistry;
import io.chatrelay.gateway.room.Topics;

import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Joining and leaving rooms. A join subscribes first (membership in replaying state), then
 * registers presence, reads history (the latest page, or everything after {@code since}), and
 * only then sends {@code joined} followed by the live frames that arrived meanwhile: no gap, no
 * duplicate. Runs on the connection's virtual thread, so it may block on the broker.
 */
final class Rooms {
    private static final System.Logger LOG = System.getLogger(Rooms.class.getName());
    private static final int RECOVERY_PAGE = 500;

    private final Broker broker;
    private final RoomRegistry registry;
    private final PresenceService presence;
    private final GatewayConfig config;

    Rooms(Broker broker, RoomRegistry registry, PresenceService presence, GatewayConfig config) {
        this.broker = broker;
        this.registry = registry;
        this.presence = presence;
        this.config = config;
    }

    void join(ChatSession session, String room, String since, String ref) throws ProtocolException {
        if (!session.rooms().containsKey(room) && session.rooms().size() >= config.limits().maxRooms()) {
            throw new ProtocolException(ErrorCode.TOO_MANY_ROOMS,
                    "at most " + config.limits().maxRooms() + " rooms per connection", ref);
        }
        Membership existing = session.rooms().remove(room);
        if (existing != null) {
            quietLeave(session, room, existing);
        }
        Membership membership = subscribe(Topics.room(room), session, ref);
        session.rooms().put(room, membership);
        try {
            presence.joined(room, session.user());
            List<String> members = presence.members(room);
            Replay replay = replay(Topics.room(room), since);
            membership.goLive(ServerFrames.joined(room, replay.recovered(), members, replay.frames()), replay.lastId());
        } catch (Exception e) {
            session.rooms().remove(room);
            quietLeave(session, room, membership);
            throw unavailable(e, ref);
        }
    }

    void leave(ChatSession session, String room) {
        Membership membership = session.rooms().remove(room);
        if (membership != null) {
            quietLeave(session, room, membership);
        }
        session.reply(ServerFrames.left(room));
    }

    /** Every membership of a closing session. */
    void leaveAll(ChatSession session) {
        for (String room : List.copyOf(session.rooms().keySet())) {
            Membership membership = session.rooms().remove(room);
            if (membership != null) {
                quietLeave(session, room, membership);
            }
        }
        if (session.inbox() != null) {
            registry.leave(session.inbox());
        }
    }

    /** Subscribes the session to its user's inbox (direct messages), live at once. */
    void joinInbox(ChatSession session) throws ProtocolException {
        Membership inbox = subscribe(Topics.inbox(session.user()), session, null);
        session.inbox(inbox);
        inbox.goLive(null, null);
    }

    private Membership subscribe(String topic, ChatSession session, String ref) throws ProtocolException {
        try {
            return registry.join(topic, session);
        } catch (BrokerException e) {
            throw unavailable(e, ref);
        }
    }

    private void quietLeave(ChatSession session, String room, Membership membership) {
        registry.leave(membership);
        presence.left(room, session.user());
    }

    private Replay replay(String topic, String since) throws Exception {
        if (since == null) {
            HistoryPage latest = await(broker.readBefore(topic, null, config.history().joinLimit()));
            return Replay.of(null, latest.frames(), null);
        }
        List<StoredFrame> frames = new ArrayList<>();
        String after = since;
        HistoryPage page;
        do {
            page = await(broker.readAfter(topic, after, RECOVERY_PAGE));
            if (!page.covered() && frames.isEmpty()) {
                HistoryPage latest = await(broker.readBefore(topic, null, config.history().joinLimit()));
                return Replay.of(false, latest.frames(), null);
            }
            frames.addAll(page.frames());
            if (!page.frames().isEmpty()) {
                after = page.frames().getLast().id();
            }
        } while (page.more() && frames.size() < 2 * config.history().maxLen());
        return Replay.of(true, frames, since);
    }

    private <T> T await(CompletionStage<T> stage) throws Exception {
        try {
            return stage.toCompletableFuture().get(config.redis().timeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception cause ? cause : e;
        } catch (TimeoutException e) {
            throw new BrokerException("broker timed out", e);
        }
    }

    private static ProtocolException unavailable(Exception e, String ref) {
        if (e instanceof ProtocolException pe) {
            return pe;
        }
        LOG.log(Level.WARNING, "event=join_failed error={0}", e.toString());
        return new ProtocolException(ErrorCode.BROKER_UNAVAILABLE, "the message broker is unavailable, try again", ref);
    }

    /** What {@code joined} carries: frames oldest first and the newest id among them. */
    private record Replay(Boolean recovered, List<String> frames, String lastId) {
        static Replay of(Boolean recovered, List<StoredFrame> stored, String fallbackLastId) {
            List<String> frames = stored.stream().map(StoredFrame::frame).toList();
            String last = stored.isEmpty() ? fallbackLastId : stored.getLast().id();
            return new Replay(recovered, frames, last);
        }
    }
}
