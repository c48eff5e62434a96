package io.chatrelay.gateway;

import io.chatrelay.gateway.config.ConfigLoader;
import io.chatrelay.gateway.config.GatewayConfig;
import io.helidon.logging.common.LogConfig;

/**
 * Starts a gateway from the environment and drains it gracefully on SIGTERM.
 */
public final class Main {
    private static final String NETTY_RECYCLER = "io.netty.recycler.maxCapacityPerThread";
    private static final String TRACK_ALL_THREADS = "jdk.trackAllThreads";

    private Main() {
    }

    /**
     * Entry point.
     *
     * @param args ignored
     */
    public static void main(String[] args) {
        disableNettyPerThreadPools();
        countVirtualThreadsOnly();
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
        setUnlessGiven(NETTY_RECYCLER, "0");
    }

    /**
     * The JDK registers every virtual thread started with {@code Thread.start} in a concurrent
     * set so that thread dumps can list it; the gateway starts one for every write to an idle
     * connection (its drain task), so that set's insert and removal were a few percent of the
     * fan-out's CPU. Off (a counter instead) unless the JVM was started with
     * {@code -Djdk.trackAllThreads=...}. The price: {@code jcmd Thread.dump_to_file} then lists the
     * gateway's named threads but not the connections' readers and writers; start the JVM with
     * {@code -Djdk.trackAllThreads=true} to see them. Must run before the first virtual thread
     * starts.
     */
    static void countVirtualThreadsOnly() {
        setUnlessGiven(TRACK_ALL_THREADS, "false");
    }

    /** Sets a system property unless the JVM was started with it. */
    private static void setUnlessGiven(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }
}
