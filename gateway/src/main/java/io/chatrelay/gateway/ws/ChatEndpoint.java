package io.chatrelay.gateway.ws;

import io.chatrelay.gateway.protocol.ErrorCode;
import io.chatrelay.gateway.protocol.ProtocolException;
import io.helidon.common.buffers.BufferData;
import io.helidon.http.HeaderNames;
import io.helidon.http.Headers;
import io.helidon.http.HttpPrologue;
import io.helidon.websocket.WsListener;
import io.helidon.websocket.WsSession;
import io.helidon.websocket.WsUpgradeException;

import java.lang.System.Logger.Level;
import java.util.Optional;

/**
 * One WebSocket connection (Helidon creates one listener per connection). Helidon calls it on
 * the connection's virtual thread, so handlers may block; everything sent goes through the
 * session's single writer.
 */
final class ChatEndpoint implements WsListener {
    private static final System.Logger LOG = System.getLogger(ChatEndpoint.class.getName());

    private final Connections connections;
    private final StringBuilder fragments = new StringBuilder();
    private Identity identity;
    private ChatSession session;
    private boolean binaryInProgress;

    ChatEndpoint(Connections connections) {
        this.connections = connections;
    }

    @Override
    public Optional<Headers> onHttpUpgrade(HttpPrologue prologue, Headers headers) throws WsUpgradeException {
        Handshake.Result result = connections.handshake(prologue, headers);
        if (result instanceof Handshake.Accepted accepted) {
            identity = accepted.identity();
            return Optional.empty();
        }
        Handshake.Rejected rejected = (Handshake.Rejected) result;
        throw new WsUpgradeException(rejected.status() + " " + rejected.reason());
    }

    @Override
    public void onOpen(WsSession ws) {
        session = connections.open(ws, identity);
    }

    @Override
    public void onMessage(WsSession ws, String text, boolean last) {
        if (session == null) {
            return;
        }
        if (!last || !fragments.isEmpty()) {
            if (fragments.length() + text.length() > connections.maxFrame()) {
                fragments.setLength(0);
                session.outbound().close(1009, "message too big", true);
                return;
            }
            fragments.append(text);
            if (!last) {
                return;
            }
            text = fragments.toString();
            fragments.setLength(0);
        }
        connections.onText(session, text);
    }

    @Override
    public void onMessage(WsSession ws, BufferData buffer, boolean last) {
        if (session == null) {
            return;
        }
        if (!binaryInProgress && connections.admitted(session)) {
            connections.service().error(session, new ProtocolException(ErrorCode.BINARY_UNSUPPORTED,
                    "binary frames are not supported: send JSON text frames", null));
        }
        binaryInProgress = !last;
    }

    @Override
    public void onPing(WsSession ws, BufferData buffer) {
        if (session != null) {
            session.outbound().pong(buffer.copy());
            connections.heard(session);
        }
    }

    @Override
    public void onPong(WsSession ws, BufferData buffer) {
        if (session != null) {
            connections.heard(session);
        }
    }

    @Override
    public void onClose(WsSession ws, int status, String reason) {
        closed("close " + status);
    }

    @Override
    public void onError(WsSession ws, Throwable t) {
        LOG.log(Level.DEBUG, "event=ws_error error={0}", t.toString());
        closed("error");
    }

    private void closed(String why) {
        ChatSession s = session;
        session = null;
        if (s != null) {
            connections.close(s, why);
        }
    }
}
