package io.chatrelay.bench;

import io.chatrelay.gateway.Gateway;
import io.chatrelay.gateway.config.ConfigLoader;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.util.Map;

/**
 * A gateway in the test's own process on the in-memory broker (no Redis), for the smoke tests:
 * {@code @RegisterExtension static final SmokeGateway GATEWAY = new SmokeGateway("node-id");}
 * starts it on free ports before the class's tests (no default room, a rate limit the generator
 * stays under) and closes it after them.
 */
final class SmokeGateway implements BeforeAllCallback, AfterAllCallback {
    private final String node;
    private Gateway gateway;

    SmokeGateway(String node) {
        this.node = node;
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        gateway = Gateway.start(ConfigLoader.load(Map.of("CHAT_PORT", "0", "CHAT_ADMIN_PORT", "0", "CHAT_NODE_ID", node,
                "CHAT_DEFAULT_ROOM", "", "CHAT_RATE_PER_SECOND", "10000", "CHAT_RATE_BURST", "10000")));
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (gateway != null) {
            gateway.close();
        }
    }

    /** Its WebSocket base URI, {@code ws://127.0.0.1:<port>}. */
    String uri() {
        return "ws://127.0.0.1:" + gateway.port();
    }
}
