package io.chatrelay.gateway.ws;

import io.chatrelay.chat.ChatCore;
import io.chatrelay.chat.CloseCode;
import io.chatrelay.chat.auth.Authenticator;
import io.chatrelay.gateway.GatewayMetrics;
import io.chatrelay.gateway.config.GatewayConfig;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.Headers;
import io.helidon.http.HttpPrologue;
import io.helidon.websocket.WsListener;
import io.helidon.websocket.WsSession;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The WebSocket door into the chat core: a thin Helidon adapter. It makes one {@link Connection}
 * per WebSocket (handshake, single writer, rate limit, heartbeats) and turns each into a core
 * {@link Session}; everything about rooms and messages happens in the {@link ChatCore}.
 */
public final class WebSocketDoor {
    /** How long a protocol-2 connection may take to send its {@code hello}. */
    static final Duration HELLO_TIMEOUT = Duration.ofSeconds(10);
    /** About how often the heartbeat pings a slice of the connections. */
    static final long HEARTBEAT_TICK_MILLIS = 100;
    private static final HeaderName PROTOCOL_HEADER = HeaderNames.create("Sec-WebSocket-Protocol");

    private final ChatCore core;
    private final GatewayConfig config;
    private final GatewayMetrics metrics;
    private final Handshake handshake;
    /** The open connections, cut into the heartbeat's slices (by identity hash). */
    private final List<Set<Connection>> slices;
    /** The slice the next heartbeat tick pings (only the heartbeat's thread). */
    private int nextSlice;
    private final ClientAddresses addresses;
    private final AtomicLong ids = new AtomicLong();
    private final WsFrames.Cache frames = new WsFrames.Cache();

    /**
     * Creates the door.
     *
     * @param core          the chat core
     * @param authenticator who may connect
     * @param config        settings
     * @param metrics       metrics
     */
    public WebSocketDoor(ChatCore core, Authenticator authenticator, GatewayConfig config, GatewayMetrics metrics) {
        this.core = core;
        this.config = config;
        this.metrics = metrics;
        this.handshake = new Handshake(authenticator, config.origins());
        this.addresses = new ClientAddresses(config.transport().maxPerAddress(), config.transport().trustedProxies());
        int n = (int) Math.max(1, Math.min(1000, config.heartbeat().interval().toMillis() / HEARTBEAT_TICK_MILLIS));
        this.slices = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            slices.add(ConcurrentHashMap.newKeySet());
        }
    }

    /**
     * A new listener for one connection, for {@code WsRouting}.
     *
     * @return the listener
     */
    public WsListener newEndpoint() {
        return new Connection(this);
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
        return handshake.decide(name, token, header(headers, HeaderNames.AUTHORIZATION), header(headers, HeaderNames.ORIGIN),
                header(headers, HeaderNames.HOST),
                // every offered sub-protocol, whether in one comma-separated line or in several lines
                headers.find(PROTOCOL_HEADER).map(h -> String.join(",", h.allValues(true))).orElse(null));
    }

    private static String header(Headers headers, HeaderName name) {
        return headers.first(name).orElse(null);
    }

    Authenticator.Result identify(Handshake.Accepted accepted, String name, String token) {
        return handshake.identify(accepted, name, token);
    }

    String newId() {
        return Long.toString(ids.incrementAndGet(), 36);
    }

    Outbound outbound(WsSession ws, String id, Runnable onTerminated) {
        GatewayConfig.Transport t = config.transport();
        return new Outbound(ws, WsFrames.Writer.of(ws), id, t.outboundFrames(), t.outboundBytes(), metrics.outboundListener(),
                onTerminated);
    }

    /** A fanned-out frame, encoded once for all the members it is offered to. */
    byte[] encoded(String frame) {
        return frames.of(frame);
    }

    RateLimiter rateLimiter() {
        return new RateLimiter(config.transport().ratePerSecond(), config.transport().rateBurst(), System.nanoTime());
    }


    void opened(Connection connection) {
        sliceOf(connection).add(connection);
    }

    void closed(Connection connection) {
        sliceOf(connection).remove(connection);
    }

    private Set<Connection> sliceOf(Connection connection) {
        return slices.get(Math.floorMod(System.identityHashCode(connection), slices.size()));
    }

    void expectHello(Connection connection) {
        Thread.ofVirtual().start(() -> {
            try {
                Thread.sleep(HELLO_TIMEOUT);
            } catch (InterruptedException e) {
                return;
            }
            if (connection.waitingForHello() && connection.outbound() != null) {
                connection.outbound().close(CloseCode.HELLO_REQUIRED.code(), "no hello in time", false);
            }
        });
    }

    ClientAddresses addresses() {
        return addresses;
    }

    void floodClosed() {
        metrics.floodClosed();
    }

    ChatCore core() {
        return core;
    }

    int maxFrame() {
        return config.transport().maxFrame();
    }

    int ratePerSecond() {
        return config.transport().ratePerSecond();
    }

    /**
     * Open WebSocket connections (admitted or still waiting for their {@code hello}).
     *
     * @return how many
     */
    public int connectionCount() {
        int n = 0;
        for (Set<Connection> slice : slices) {
            n += slice.size();
        }
        return n;
    }

    /**
     * How far apart the heartbeat's ticks are: the interval divided by the number of slices, so
     * that every connection is pinged once per interval.
     *
     * @return milliseconds
     */
    public long heartbeatTickMillis() {
        return Math.max(1, config.heartbeat().interval().toMillis() / slices.size());
    }

    /**
     * One tick of the heartbeat, every {@link #heartbeatTickMillis()}: the next slice. The pings
     * are spread over the interval; sent to every connection at once, they were a burst of one
     * write and one pong per connection that held up the messages queued behind it (20-50 ms
     * every interval with 1,000 connections per gateway).
     */
    public void heartbeatTick() {
        int slice = nextSlice;
        nextSlice = (slice + 1) % slices.size();
        heartbeat(slice);
    }

    /**
     * Pings the connections of one slice and closes those that have been silent (no frame, ping
     * or pong) for longer than the heartbeat timeout.
     *
     * @param slice from 0 to the number of slices - 1
     */
    void heartbeat(int slice) {
        long now = System.nanoTime();
        long timeout = config.heartbeat().timeout().toNanos();
        for (Connection c : slices.get(slice)) {
            Outbound out = c.outbound();
            if (out == null) {
                continue;
            }
            if (now - c.lastHeard() > timeout) {
                metrics.heartbeatTimeout();
                out.close(CloseCode.GOING_AWAY.code(), "heartbeat timeout", true);
            } else if (c.partialStale(now)) {
                out.close(CloseCode.POLICY.code(), "incomplete message", true);
            } else {
                out.ping();
            }
        }
    }
}
