package io.chatrelay.gateway.ws;

import io.chatrelay.chat.CloseCode;
import io.chatrelay.chat.Identity;
import io.chatrelay.chat.Recipient;
import io.chatrelay.chat.Session;
import io.chatrelay.chat.auth.Authenticator;
import io.chatrelay.chat.protocol.ClientFrame;
import io.chatrelay.chat.protocol.ErrorCode;
import io.chatrelay.chat.protocol.ProtocolException;
import io.chatrelay.chat.protocol.ServerFrames;
import io.helidon.common.buffers.BufferData;
import io.helidon.http.HeaderNames;
import io.helidon.http.Headers;
import io.helidon.http.HttpPrologue;
import io.helidon.http.WritableHeaders;
import io.helidon.websocket.WsListener;
import io.helidon.websocket.WsSession;
import io.helidon.websocket.WsUpgradeException;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One WebSocket connection: the Helidon listener (Helidon calls it on the connection's own
 * virtual thread, so the core may block there) and the core's {@link Recipient} for it, through
 * its single writer {@link Outbound}. It reassembles fragments within the frame limit (in UTF-8
 * bytes) and a time limit ({@link #FRAGMENT_TIMEOUT}, which pings do not extend), applies
 * the rate limit, answers pings, and hands text frames to the core; it holds no chat state.
 */
final class Connection implements WsListener, Recipient {
    private static final System.Logger LOG = System.getLogger(Connection.class.getName());
    private static final io.helidon.http.HeaderName FORWARDED_FOR = HeaderNames.create("X-Forwarded-For");

    private final WebSocketDoor door;
    /** How long a fragmented message may take to complete (pings do not extend it). */
    static final Duration FRAGMENT_TIMEOUT = Duration.ofSeconds(10);

    /** The fragments of an incomplete message; null when none is in progress (as on an idle connection). */
    private StringBuilder fragments;
    private long fragmentBytes;
    private volatile long partialSince;
    private Handshake.Accepted accepted;
    private String id;
    private List<String> forwardedFor;
    private volatile String address;
    private volatile Outbound out;
    private volatile Session session;
    private RateLimiter limiter;
    private volatile long lastHeard = System.nanoTime();
    private boolean binaryInProgress;

    Connection(WebSocketDoor door) {
        this.door = door;
    }

    @Override
    public Optional<Headers> onHttpUpgrade(HttpPrologue prologue, Headers headers) throws WsUpgradeException {
        Handshake.Result result = door.handshake(prologue, headers);
        if (result instanceof Handshake.Accepted a) {
            accepted = a;
            forwardedFor = headers.find(FORWARDED_FOR).map(h -> h.allValues(false)).orElse(null);
            if (a.protocol() == 2) {
                WritableHeaders<?> answer = WritableHeaders.create();
                answer.set(HeaderNames.create("Sec-WebSocket-Protocol"), Handshake.SUBPROTOCOL_V2);
                return Optional.of(answer);
            }
            return Optional.empty();
        }
        Handshake.Rejected rejected = (Handshake.Rejected) result;
        throw new WsUpgradeException(rejected.status() + " " + rejected.reason());
    }

    @Override
    public void onOpen(WsSession ws) {
        id = door.newId();
        out = door.outbound(ws, id, this::ended);
        limiter = door.rateLimiter();
        String client = door.addresses().clientOf(ws.socketContext().remotePeer().host(), forwardedFor);
        if (!door.addresses().acquire(client)) {
            out.close(CloseCode.TOO_MANY_CONNECTIONS.code(), "too many connections from this address", false);
            return;
        }
        address = client;
        door.opened(this);
        if (accepted.protocol() == 1) {
            admit(accepted.identity(), Map.of());
        } else {
            door.expectHello(this);
        }
    }

    private void admit(Identity identity, Map<String, String> resume) {
        Session s = new Session(id, identity, this, accepted.protocol());
        session = s;
        if (!door.core().open(s, resume)) {
            session = null;
        }
    }

    @Override
    public void onMessage(WsSession ws, String text, boolean last) {
        if (out == null || out.closing()) {
            return;
        }
        if (!last || fragments != null) {
            if (fragments == null) {
                fragments = new StringBuilder();
                partialSince = System.nanoTime();
            }
            fragmentBytes += ServerFrames.utf8Length(text);
            if (fragmentBytes > door.maxFrame()) {
                dropFragments();
                out.close(CloseCode.TOO_BIG.code(), "message too big", true);
                return;
            }
            if (partialStale(System.nanoTime())) {
                dropFragments();
                out.close(CloseCode.POLICY.code(), "incomplete message", true);
                return;
            }
            fragments.append(text);
            if (!last) {
                return;
            }
            text = fragments.toString();
            dropFragments();
        }
        heard();
        if (!admitted()) {
            return;
        }
        Session s = session;
        if (s != null) {
            door.core().onText(s, text);
        } else if (accepted.protocol() == 2) {
            hello(text);
        }
    }

    /** The first frame of a protocol-2 connection: credentials and the rooms to resume. */
    private void hello(String text) {
        ClientFrame.Hello hello;
        try {
            if (!(door.core().decode(text) instanceof ClientFrame.Hello h)) {
                out.close(CloseCode.HELLO_REQUIRED.code(), "the first frame must be hello", false);
                return;
            }
            hello = h;
        } catch (ProtocolException e) {
            out.close(CloseCode.HELLO_REQUIRED.code(), "invalid hello: " + e.getMessage(), false);
            return;
        }
        switch (door.identify(accepted, hello.name(), hello.token())) {
            case Authenticator.Accepted a -> admit(a.identity(), hello.rooms());
            case Authenticator.Refused r -> out.close(CloseCode.UNAUTHORIZED.code(), r.reason(), false);
        }
    }

    @Override
    public void onMessage(WsSession ws, BufferData buffer, boolean last) {
        if (out == null || out.closing()) {
            return;
        }
        heard();
        Session s = session;
        if (!binaryInProgress && admitted() && s != null) {
            door.core().error(s, new ProtocolException(ErrorCode.BINARY_UNSUPPORTED,
                    "binary frames are not supported: send JSON text frames", null));
        }
        binaryInProgress = !last;
    }

    /** Applies the rate limit to one client frame; returns whether to serve it. */
    private boolean admitted() {
        return admitted(true);
    }

    /** Applies the rate limit; a refused frame is answered with rate_limited when {@code answer}. */
    private boolean admitted(boolean answer) {
        switch (limiter.onFrame(System.nanoTime())) {
            case ALLOW -> {
                return true;
            }
            case REFUSE -> {
                Session s = session;
                if (s != null && answer) {
                    door.core().error(s, new ProtocolException(ErrorCode.RATE_LIMITED,
                            "too many frames: at most " + door.ratePerSecond() + " per second", null));
                }
            }
            case CLOSE -> {
                door.floodClosed();
                LOG.log(Level.INFO, "event=flood_closed user={0}", session == null ? "-" : session.user());
                out.close(CloseCode.POLICY.code(), "flooding: too many frames", false);
            }
        }
        return false;
    }

    /**
     * A client ping counts as a frame for the rate limit (a ping flood is closed with 1008 like a
     * frame flood) and its pong counts against the outbound queue's bounds.
     */
    @Override
    public void onPing(WsSession ws, BufferData buffer) {
        if (out == null || out.closing()) {
            return;
        }
        heard();
        if (admitted(false)) {
            out.pong(buffer.copy());
        }
    }

    @Override
    public void onPong(WsSession ws, BufferData buffer) {
        heard();
    }

    @Override
    public void onClose(WsSession ws, int status, String reason) {
        ended();
    }

    @Override
    public void onError(WsSession ws, Throwable t) {
        LOG.log(Level.DEBUG, "event=ws_error error={0}", t.toString());
        ended();
    }

    /** The connection is gone (closed, failed, or its writer ended): idempotent. */
    private void ended() {
        Outbound o = out;
        if (o != null) {
            o.stop();
        }
        String a = address;
        address = null;
        if (a != null) {
            door.addresses().release(a);
        }
        door.closed(this);
        Session s = session;
        session = null;
        if (s != null) {
            door.core().close(s);
        }
    }

    private void dropFragments() {
        fragments = null;
        fragmentBytes = 0;
        partialSince = 0;
    }

    /** Whether a fragmented message has been incomplete for longer than {@link #FRAGMENT_TIMEOUT}. */
    boolean partialStale(long nowNanos) {
        long since = partialSince;
        return since != 0 && nowNanos - since > FRAGMENT_TIMEOUT.toNanos();
    }

    private void heard() {
        lastHeard = System.nanoTime();
    }

    long lastHeard() {
        return lastHeard;
    }

    boolean waitingForHello() {
        return accepted != null && accepted.protocol() == 2 && session == null;
    }

    Outbound outbound() {
        return out;
    }

    // ------------------------------------------------------------------ Recipient (the core's side)

    @Override
    public void deliver(String frame, boolean droppable) {
        // the same text for every member in a row: encoded once per gateway (WsFrames.Cache)
        out.offer(door.encoded(frame), droppable ? Outbound.Kind.EPHEMERAL : Outbound.Kind.CHAT);
    }

    @Override
    public void reply(String frame) {
        out.offer(frame, Outbound.Kind.REPLY);
    }

    @Override
    public boolean awaitRoom(Duration timeout) {
        return out.awaitRoom(timeout);
    }

    @Override
    public void close(CloseCode code, String reason, boolean afterQueued) {
        out.close(code.code(), reason, !afterQueued);
    }
}
