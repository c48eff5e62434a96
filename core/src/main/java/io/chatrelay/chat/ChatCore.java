package io.chatrelay.chat;

import io.chatrelay.broker.Broker;
import io.chatrelay.broker.BrokerListener;
import io.chatrelay.broker.BrokerState;
import io.chatrelay.broker.PresenceStore;
import io.chatrelay.broker.StoredFrame;
import io.chatrelay.broker.UserDirectory;
import io.chatrelay.chat.protocol.ClientFrame;
import io.chatrelay.chat.protocol.ErrorCode;
import io.chatrelay.chat.protocol.FrameDecoder;
import io.chatrelay.chat.protocol.ProtocolException;
import io.chatrelay.chat.protocol.ServerFrames;
import io.chatrelay.chat.room.Joins;
import io.chatrelay.chat.room.LocalRooms;
import io.chatrelay.chat.room.PresenceTracker;
import io.chatrelay.chat.room.Topics;

import java.lang.System.Logger.Level;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The chat application, free of any transport: sessions, memberships, presence, joins with
 * recovery, sends, history, typing and direct messages. Every door (the WebSocket adapter, the
 * server API) calls it; it is the broker's listener, so frames from other gateways enter here
 * and are fanned out to local sessions.
 *
 * <p>Where things happen: a client frame enters at {@link #onText} (decoded, then
 * {@link #handle}); a frame from the broker enters at {@link #onFrame} and is fanned out by
 * {@link LocalRooms#fanOut}; Redis (or the in-memory broker) is touched only through
 * {@link Broker} and {@link PresenceStore}.
 *
 * <p>Threads: {@link #open}, {@link #onText} and {@link #handle} run on the session's own
 * (virtual) thread and may block it (joins wait for the broker); {@link #onFrame} runs on the
 * broker's dispatcher thread and never blocks.
 */
public final class ChatCore implements BrokerListener, AutoCloseable {
    private static final System.Logger LOG = System.getLogger(ChatCore.class.getName());
    /** Why a session whose turn did not come is closed (1013). */
    static final String BUSY = "gateway busy: reconnect later";

    private final ChatSettings settings;
    private final Broker broker;
    private final UserDirectory users;
    private final ChatMetrics metrics;
    private final FrameDecoder decoder;
    private final Sessions sessions;
    private final LocalRooms rooms;
    private final PresenceTracker presence;
    private final Arrivals arrivals;
    private final Joins joins;
    private final Messaging messaging;
    private final Posting posting;
    private final ChatSecurity security;
    private final Expiries expiries;
    private final Control control;
    private final ChatApi api;
    private boolean wasDown;

    /**
     * Builds the core.
     *
     * @param settings settings
     * @param backend  broker, presence store and user directory (not started yet: {@link #start} starts it)
     * @param security who may connect and join what
     * @param metrics  where the core reports
     */
    public ChatCore(ChatSettings settings, ChatBackend backend, ChatSecurity security, ChatMetrics metrics) {
        this(settings, backend, security, metrics, ChatHooks.NONE, ChatEvents.NONE);
    }

    /**
     * Builds the core with the application's hooks and an event sink.
     *
     * @param settings settings
     * @param backend  broker, presence store and user directory (not started yet: {@link #start} starts it)
     * @param security who may connect and join what
     * @param metrics  where the core reports
     * @param hooks    the application's say over joins and sends
     * @param events   where application events go (webhooks)
     */
    public ChatCore(ChatSettings settings, ChatBackend backend, ChatSecurity security, ChatMetrics metrics, ChatHooks hooks,
                    ChatEvents events) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.broker = backend.broker();
        this.users = backend.users();
        PresenceStore store = backend.presence();
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        this.security = Objects.requireNonNull(security, "security");
        this.decoder = new FrameDecoder(settings.defaultRoom(), settings.limits().maxText(), settings.limits().maxRooms());
        this.sessions = new Sessions(settings.limits().maxConnections(), settings.limits().maxPerUser());
        this.rooms = new LocalRooms(broker, settings.brokerTimeout(), metrics);
        this.presence = new PresenceTracker(broker, store, rooms, settings.presence(), settings.brokerTimeout(), events);
        this.arrivals = new Arrivals(settings.limits().arrivals(), settings.limits().arrivalWait());
        this.joins = new Joins(broker, rooms, presence, security.authorizer(), backend.reads(), backend.moderation(), hooks, settings,
                arrivals);
        this.expiries = new Expiries(this::expired);
        this.posting = new Posting(broker, users, settings, System::currentTimeMillis, events);
        this.messaging = new Messaging(broker, posting, backend.reads(), store, rooms, settings, metrics, System::currentTimeMillis,
                hooks);
        this.control = new Control(broker, sessions, rooms, joins);
        this.api = new ChatApi(this, broker, store, backend.moderation(), posting, control, settings, System::currentTimeMillis);
    }

    /** Starts the broker (this core is its listener) and the presence heartbeat and sweep. */
    public void start() {
        broker.start(this);
        control.subscribe();
        presence.start();
    }

    /**
     * What the application's backend may do (the server API's operations).
     *
     * @return the API
     */
    public ChatApi api() {
        return api;
    }

    /**
     * Admits a session: welcome, its inbox, then the rooms it asks for (a protocol-2 client
     * resuming with {@code hello}) and the default room. Refused sessions are closed (1013 full
     * or broker not up, 1012 draining).
     *
     * @param session the session
     * @param resume  rooms to join, each with the last id the client has or {@code null}; empty for none
     * @return whether it was admitted
     */
    public boolean open(Session session, Map<String, String> resume) {
        if (broker.state() != BrokerState.UP) {
            // not ready (starting, or the broker is down): without the broker the session could
            // not even receive its direct messages; the client reconnects, through the load
            // balancer, to a gateway that is ready
            metrics.refused();
            session.out().close(CloseCode.OVERLOAD, "gateway not ready: reconnect", true);
            return false;
        }
        switch (sessions.admit(session)) {
            case FULL -> {
                metrics.refused();
                session.out().close(CloseCode.OVERLOAD, "gateway full", true);
                return false;
            }
            case USER_FULL -> {
                metrics.refused();
                session.out().close(CloseCode.TOO_MANY_CONNECTIONS, "too many connections of this user", true);
                return false;
            }
            case DRAINING -> {
                metrics.refused();
                session.out().close(CloseCode.RESTART, "gateway restarting", true);
                return false;
            }
            case NONE -> {
            }
        }
        if (!arrivals.inTurn(Arrivals.Lane.OPEN, () -> welcome(session, resume))) {
            // the gateway is busy with others arriving (after another gateway died): this one
            // comes back later, or to another gateway, and resumes where it was
            sessions.remove(session);
            metrics.refused();
            session.out().close(CloseCode.OVERLOAD, BUSY, true);
            return false;
        }
        return true;
    }

    /** An admitted session's welcome, inbox, resumed rooms and default room (in its turn). */
    private void welcome(Session session, Map<String, String> resume) {
        metrics.sessionOpened();
        expiries.schedule(session);
        users.seen(session.user());
        LOG.log(Level.DEBUG, "event=session_open session={0} user={1}", session.id(), session.user());
        Identity who = session.identity();
        session.out().reply(ServerFrames.welcome(session.protocol(), who.user(), who.name(), settings.nodeId(),
                security.authenticator().guestToken(who)));
        Map<String, String> wanted = new LinkedHashMap<>(resume);
        if (!settings.defaultRoom().isEmpty()) {
            wanted.putIfAbsent(settings.defaultRoom(), null);
        }
        try {
            joins.joinInbox(session);
        } catch (ProtocolException e) {
            // the broker is up, so only the shard of this user's inbox is down: the session still
            // chats in the rooms of the other shards and is told that its direct messages are
            // unavailable (they stay stored: a later connection gets them)
            LOG.log(Level.WARNING, "event=inbox_unavailable session={0} user={1}", session.id(), session.user());
            error(session, new ProtocolException(ErrorCode.BROKER_UNAVAILABLE,
                    "direct messages are unavailable on this connection (their store is down): reconnect later", null));
        }
        wanted.forEach((room, since) -> {
            try {
                joins.join(session, room, since, null, null);
            } catch (ProtocolException e) {
                error(session, e);
            }
        });
    }

    /**
     * A text frame from an admitted session: decoded and served; every failure becomes an error
     * frame with a documented code.
     *
     * @param session the session
     * @param text    the frame
     */
    public void onText(Session session, String text) {
        metrics.frameIn();
        try {
            handle(session, decoder.decode(text));
        } catch (ProtocolException e) {
            error(session, e);
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "event=frame_failed session=" + session.id(), e);
            error(session, new ProtocolException(ErrorCode.INTERNAL, "internal error, frame not processed", null));
        }
    }

    /**
     * Decodes a frame without serving it (a protocol-2 connection's {@code hello}, before it is a
     * session).
     *
     * @param text the frame
     * @return the frame
     * @throws ProtocolException when it is invalid
     */
    public ClientFrame decode(String text) throws ProtocolException {
        return decoder.decode(text);
    }

    /**
     * Serves one decoded client frame.
     *
     * @param session the session
     * @param frame   the frame
     * @throws ProtocolException when it cannot be served
     */
    public void handle(Session session, ClientFrame frame) throws ProtocolException {
        switch (frame) {
            case ClientFrame.Hello h -> throw new ProtocolException(ErrorCode.BAD_FRAME, "hello only as the first frame", h.ref());
            case ClientFrame.Join j -> {
                if (!arrivals.inTurn(Arrivals.Lane.JOIN, () -> joins.join(session, j.room(), j.since(), j.token(), j.ref()))) {
                    session.out().close(CloseCode.OVERLOAD, BUSY, true);
                }
            }
            case ClientFrame.Refresh r -> refresh(session, r);
            case ClientFrame.Leave l -> joins.leave(session, l.room());
            case ClientFrame.SendRoom s -> messaging.sendToRoom(session, s);
            case ClientFrame.SendDirect d -> messaging.sendDirect(session, d);
            case ClientFrame.RoomHistory h -> messaging.roomHistory(session, h);
            case ClientFrame.Members m -> joins.members(session, m);
            case ClientFrame.DirectHistory h -> messaging.directHistory(session, h);
            case ClientFrame.Typing t -> messaging.typing(session, t);
            case ClientFrame.Edit e -> v2(session, e.ref(), () -> messaging.edit(session, e));
            case ClientFrame.Delete d -> v2(session, d.ref(), () -> messaging.delete(session, d));
            case ClientFrame.React r -> v2(session, r.ref(), () -> messaging.react(session, r));
            case ClientFrame.Read r -> v2(session, r.ref(), () -> messaging.read(session, r));
            case ClientFrame.Ping p -> session.out().reply(ServerFrames.PONG);
            case ClientFrame.Status s -> session.out().reply(ServerFrames.status(settings.nodeId(), sessions.count(),
                    rooms.roomCount(), broker.state().name()));
        }
    }

    /** Frames of the message model that only protocol 2 speaks. */
    private interface V2Action {
        void run() throws ProtocolException;
    }

    private static void v2(Session session, String ref, V2Action action) throws ProtocolException {
        if (session.protocol() < ServerFrames.PROTOCOL_2) {
            throw new ProtocolException(ErrorCode.UNKNOWN_TYPE, "edit, delete, react and read need protocol 2 (chatrelay.v2)", ref);
        }
        action.run();
    }

    /**
     * Where messages are stored, for every door.
     *
     * @return the posting operations
     */
    public Posting posting() {
        return posting;
    }

    /**
     * A new token for an open connection: same user, a later expiry; the grants it carries
     * replace the old ones, and rooms they no longer cover (unless a room token let the
     * connection in) are left.
     */
    private void refresh(Session session, ClientFrame.Refresh r) throws ProtocolException {
        switch (security.authenticator().identify(null, r.token())) {
            case io.chatrelay.chat.auth.Authenticator.Refused refused ->
                    throw new ProtocolException(ErrorCode.UNAUTHORIZED, "token refused: " + refused.reason(), r.ref());
            case io.chatrelay.chat.auth.Authenticator.Accepted accepted -> {
                if (!accepted.identity().user().equals(session.user())) {
                    throw new ProtocolException(ErrorCode.UNAUTHORIZED, "token refused: it is for another user", r.ref());
                }
                if (accepted.identity().guest() || accepted.identity().expires() == null) {
                    throw new ProtocolException(ErrorCode.UNAUTHORIZED, "token refused: a guest's connection does not expire, "
                            + "there is nothing to refresh", r.ref());
                }
                session.renew(accepted.identity());
                expiries.schedule(session);
                joins.recheck(session);
                session.out().reply(ServerFrames.refreshed(accepted.identity().expires().getEpochSecond(), r.ref()));
            }
        }
    }

    /** A session's token ran out: it is closed with 4401. */
    private void expired(Session session) {
        LOG.log(Level.DEBUG, "event=token_expired session={0}", session.id());
        session.out().close(CloseCode.UNAUTHORIZED, "token expired: reconnect with a new token", true);
    }

    /**
     * Who may connect and join what.
     *
     * @return the security
     */
    public ChatSecurity security() {
        return security;
    }

    /**
     * Answers a session with an error frame (counted in the metrics).
     *
     * @param session the session
     * @param e       the error
     */
    public void error(Session session, ProtocolException e) {
        messaging.error(session, e);
    }

    /**
     * Ends a session: leaves its rooms (its presence lingers briefly, in case it reconnects) and
     * forgets it. Idempotent.
     *
     * @param session the session
     */
    public void close(Session session) {
        if (!sessions.remove(session)) {
            return;
        }
        expiries.cancel(session);
        joins.leaveAll(session);
        metrics.sessionClosed();
        LOG.log(Level.DEBUG, "event=session_closed session={0}", session.id());
    }

    /** Refuses new sessions from now on (1012): the gateway is draining. */
    public void startDraining() {
        sessions.drain();
    }

    /**
     * The admitted sessions.
     *
     * @return the registry
     */
    public Sessions sessions() {
        return sessions;
    }

    /**
     * The pacing of sessions opening and joining.
     *
     * @return the pacer
     */
    public Arrivals arrivals() {
        return arrivals;
    }

    /**
     * This gateway's memberships.
     *
     * @return the registry
     */
    public LocalRooms rooms() {
        return rooms;
    }

    /**
     * The broker's state.
     *
     * @return the state
     */
    public BrokerState brokerState() {
        return broker.state();
    }

    /**
     * The settings.
     *
     * @return the settings
     */
    public ChatSettings settings() {
        return settings;
    }

    @Override
    public void onFrame(StoredFrame frame) {
        if (Topics.CONTROL.equals(frame.topic())) {
            control.onFrame(frame);
            return;
        }
        rooms.fanOut(frame);
    }

    @Override
    public void onStateChange(BrokerState state) {
        LOG.log(Level.INFO, "event=broker_state node={0} state={1}", settings.nodeId(), state);
        if (state == BrokerState.DOWN) {
            wasDown = true;
        } else if (state == BrokerState.UP) {
            control.subscribe();
        }
        if (state == BrokerState.UP && wasDown) {
            wasDown = false;
            metrics.brokerReconnected();
        }
    }

    /** Stops presence and closes the broker. */
    @Override
    public void close() {
        control.close();
        expiries.close();
        presence.close();
        broker.close();
    }
}
