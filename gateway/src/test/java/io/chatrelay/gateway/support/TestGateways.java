package io.chatrelay.gateway.support;

import io.chatrelay.gateway.config.ConfigLoader;
import io.chatrelay.gateway.config.GatewayConfig;

import java.util.HashMap;
import java.util.Map;

/** Configurations for gateways started inside tests. */
public final class TestGateways {
    private TestGateways() {
    }

    /** A configuration on port 0 (any free port) with the given overrides (env variable names). */
    public static GatewayConfig config(String node, Map<String, String> overrides) {
        Map<String, String> env = new HashMap<>();
        env.put("CHAT_PORT", "0");
        env.put("CHAT_NODE_ID", node);
        env.putAll(overrides);
        return ConfigLoader.load(env);
    }
}
