package io.chatrelay.gateway.ws;

import io.helidon.common.Weighted;
import io.helidon.http.Headers;
import io.helidon.webserver.ProtocolConfigs;
import io.helidon.webserver.http1.spi.Http1UpgradeProvider;
import io.helidon.webserver.http1.spi.Http1Upgrader;
import io.helidon.webserver.websocket.WsConfig;
import io.helidon.webserver.websocket.WsUpgrader;

/**
 * The WebSocket upgrade of the gateway, in place of Helidon's (registered with a higher weight,
 * so Helidon keeps this one for protocol {@code websocket}). Two differences:
 * <ul>
 *   <li>Helidon's own {@code Origin} check is off: the gateway's {@link Handshake} decides
 *       ({@code CHAT_ORIGINS}, localhost on any port, same origin), which Helidon's check would
 *       overrule with a stricter one;</li>
 *   <li>a handshake the gateway refuses (the listener throws {@code WsUpgradeException}) is not
 *       upgraded and falls through to HTTP routing, where {@code GET /ws} answers with the
 *       gateway's status and reason (401, 403, 400). Helidon 4.5's own routed upgrade answers every
 *       refusal with an empty 400.</li>
 * </ul>
 */
public final class ChatWsUpgradeProvider implements Http1UpgradeProvider<WsConfig>, Weighted {
    /** Required by the service loader. */
    public ChatWsUpgradeProvider() {
    }

    @Override
    public double weight() {
        return Weighted.DEFAULT_WEIGHT + 10;
    }

    @Override
    public String protocolType() {
        return "websocket";
    }

    @Override
    public Class<WsConfig> protocolConfigType() {
        return WsConfig.class;
    }

    @Override
    public Http1Upgrader create(WsConfig config, ProtocolConfigs configs) {
        return new Upgrader(config);
    }

    /** Helidon's upgrader without its origin check, and not routed (a refusal falls through to HTTP). */
    static final class Upgrader extends WsUpgrader {
        Upgrader(WsConfig config) {
            super(config);
        }

        @Override
        protected void validateOrigin(Headers headers, String origin) {
            // the Handshake decides on the origin
        }
    }
}
