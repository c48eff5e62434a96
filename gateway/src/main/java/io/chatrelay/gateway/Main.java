package io.chatrelay.gateway;

import io.chatrelay.gateway.config.ConfigLoader;
import io.chatrelay.gateway.config.GatewayConfig;
import io.helidon.logging.common.LogConfig;

/**
 * Starts a gateway from the environment and drains it gracefully on SIGTERM.
 */
public final class Main {
    private static final String NETTY_RECYCLER = "io.netty.recycler.maxCapacityPerThread";

    private Main() {
    }

    /**
     * Entry point.
     *
     * @param args ignored
     */
    public static void main(String[] args) {
        disableNettyPerThreadPools();
        LogConfig.configureRuntime();
        GatewayConfig config = ConfigLoader.load(System.getenv());
        Gateway gateway = Gateway.start(config);
        Runtime.getRuntime().addShutdownHook(new Thread(gateway::drain, "drain"));
    }

    /**
     * netty (inside Lettuce) keeps object pools for every thread that writes a command; here each
     * connection is a long-lived virtual thread that calls the broker (inbox subscribe, joins,
     * sends), so those pools would cost about 2 KB of heap per connection for no gain. Off unless
     * the JVM was started with {@code -Dio.netty.recycler.maxCapacityPerThread=...}; must run
     * before netty is loaded.
     */
    static void disableNettyPerThreadPools() {
        if (System.getProperty(NETTY_RECYCLER) == null) {
            System.setProperty(NETTY_RECYCLER, "0");
        }
    }
}
