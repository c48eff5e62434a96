package io.chatrelay.gateway.ws;

import io.chatrelay.broker.Broker;
import io.chatrelay.gateway.GatewayMetrics;
import io.chatrelay.gateway.config.GatewayConfig;
import io.chatrelay.gateway.protocol.ClientFrame;
import io.chatrelay.gateway.protocol.ErrorCode;
import io.chatrelay.gateway.protocol.FrameDecoder;
import io.chatrelay.gateway.protocol.ProtocolException;
import io.chatrelay.gateway.protocol.ServerFrames;
import io.chatrelay.gateway.room.PresenceService;
import io.chatrelay.gateway.room.RoomRegistry;
import io.helidon.http.HeaderNames;
import io.helidon.http.Headers;
import io.helidon.http.HttpPrologue;
import io.helidon.websocket.WsSession;

import java.lang.System.Logger.Level;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The gateway's connections: opens sessions (welcome, inbox, default room), decodes and serves
 * their frames, turns failures into error frames, and closes them cleanly.
 */
public final class Connections {
    private static final System.Logger LOG = System.getLogger(Connections.class.getName());

    private final GatewayConfig config;
    private final Handshake handshake;
    private final FrameDecoder decoder;
    private final SessionRegistry sessions = new SessionRegistry();
    private final Rooms rooms;
    private final ChatService service;
    private final GatewayMetrics metrics;
    private final AtomicLong ids = new AtomicLong();
    private volatile boolean draining;

    /**
     * Creates the connection manager.
     *
     * @param config   settings
     * @param broker   the broker
     * @param registry local rooms
     * @param presence presence
     * @param metrics  metrics
     */
    public Connections(GatewayConfig config, Broker broker, RoomRegistry registry, PresenceService presence,
                       GatewayMetrics metrics) {
        this.config = config;
        this.handshake = new Handshake(config.auth(), config.origins());
        this.decoder = new FrameDecoder(config.defaultRoom(), config.limits().maxText());
        this.rooms = new Rooms(broker, registry, presence, config);
        this.service = new ChatService(broker, rooms, registry, sessions, config, metrics);
        this.metrics = metrics;
    }

    /**
     * A new listener for one connection, for {@code WsRouting}.
     *
     * @return the listener
     */
    public io.helidon.websocket.WsListener newEndpoint() {
        return new ChatEndpoint(this);
    }

    /**
     * The open sessions.
     *
     * @return the registry
     */
    public SessionRegistry sessions() {
        return sessions;
    }

    /**
     * Decides on a handshake from its HTTP request line and headers.
     *
     * @param prologue request line
     * @param headers  request headers
     * @return the outcome
     */
    public Handshake.Result handshake(HttpPrologue prologue, Headers headers) {
        var query = prologue.query();
        String name = query.contains("name") ? query.get("name") : null;
        String token = query.contains("token") ? query.get("token") : null;
        return handshake.decide(name, token, header(headers, HeaderNames.AUTHORIZATION.defaultCase()),
                header(headers, HeaderNames.ORIGIN.defaultCase()), header(headers, HeaderNames.HOST.defaultCase()));
    }

    private static String header(Headers headers, String name) {
        return headers.first(HeaderNames.create(name)).orElse(null);
    }

    /** Stops accepting: new connections are closed with 1012. */
    public void startDraining() {
        draining = true;
    }

    ChatSession open(WsSession ws, Identity identity) {
        String id = Long.toString(ids.incrementAndGet(), 36);
        ChatSession[] holder = new ChatSession[1];
        Outbound out = new Outbound(ws, id, config.limits().outboundFrames(), config.limits().outboundBytes(),
                metrics.outboundListener(), () -> {
                    if (holder[0] != null) {
                        close(holder[0], "writer ended");
                    }
                });
        ChatSession session = new ChatSession(id, identity, out,
                new RateLimiter(config.limits().ratePerSecond(), config.limits().rateBurst(), System.nanoTime()));
        if (draining || sessions.count() >= config.limits().maxConnections()) {
            metrics.refused();
            out.close(draining ? 1012 : 1013, draining ? "gateway restarting" : "gateway full", false);
            return null;
        }
        sessions.add(session);
        holder[0] = session;
        metrics.opened();
        LOG.log(Level.DEBUG, "event=session_open session={0} user={1}", id, identity.user());
        session.reply(ServerFrames.welcome(identity.user(), config.nodeId()));
        try {
            rooms.joinInbox(session);
            if (!config.defaultRoom().isEmpty()) {
                rooms.join(session, config.defaultRoom(), null, null);
            }
        } catch (ProtocolException e) {
            service.error(session, e);
        }
        return session;
    }

    void onText(ChatSession session, String text) {
        metrics.frameIn();
        heard(session);
        if (session.outbound().closing() || !admitted(session)) {
            return;
        }
        try {
            ClientFrame frame = decoder.decode(text);
            service.handle(session, frame);
        } catch (ProtocolException e) {
            service.error(session, e);
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "event=frame_failed session=" + session.id(), e);
            service.error(session, new ProtocolException(ErrorCode.INTERNAL, "internal error, frame not processed", null));
        }
    }

    /** Applies the rate limit to one client frame; returns whether to serve it. */
    boolean admitted(ChatSession session) {
        switch (session.limiter().onFrame(System.nanoTime())) {
            case ALLOW -> {
                return true;
            }
            case REFUSE -> service.error(session, new ProtocolException(ErrorCode.RATE_LIMITED,
                    "too many frames: at most " + config.limits().ratePerSecond() + " per second", null));
            case CLOSE -> {
                metrics.error(ErrorCode.RATE_LIMITED);
                LOG.log(Level.INFO, "event=flood_closed session={0} user={1}", session.id(), session.user());
                session.outbound().close(1008, "flooding: too many frames", false);
            }
        }
        return false;
    }

    void heard(ChatSession session) {
        session.heard(System.nanoTime());
    }

    /**
     * Pings every session and closes those that have been silent (no frame, ping or pong) for
     * longer than the heartbeat timeout. Called every heartbeat interval.
     */
    public void heartbeat() {
        long now = System.nanoTime();
        long timeout = config.heartbeat().timeout().toNanos();
        for (ChatSession s : sessions.snapshot()) {
            if (now - s.lastHeard() > timeout) {
                metrics.heartbeatTimeout();
                s.outbound().close(1001, "heartbeat timeout", true);
            } else {
                s.outbound().ping();
            }
        }
    }

    /** Ends a session: idempotent, called on close, error, or when its writer ends. */
    void close(ChatSession session, String why) {
        if (!sessions.remove(session)) {
            return;
        }
        session.outbound().stop();
        rooms.leaveAll(session);
        metrics.closed();
        LOG.log(Level.DEBUG, "event=session_closed session={0} why={1}", session.id(), why);
    }

    int maxFrame() {
        return config.limits().maxFrame();
    }

    ChatService service() {
        return service;
    }
}
