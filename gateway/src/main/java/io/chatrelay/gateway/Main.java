package io.chatrelay.gateway;

import io.chatrelay.broker.Broker;
import io.chatrelay.broker.memory.InMemoryBroker;
import io.chatrelay.broker.redis.RedisBroker;
import io.chatrelay.broker.redis.RedisSettings;
import io.chatrelay.gateway.config.ConfigLoader;
import io.chatrelay.gateway.config.GatewayConfig;
import io.helidon.logging.common.LogConfig;

/**
 * Starts a gateway: reads the configuration, chooses the broker (Redis when
 * {@code CHAT_REDIS_URI} is set, otherwise in-memory), and drains gracefully on SIGTERM.
 */
public final class Main {
    private Main() {
    }

    /**
     * Entry point.
     *
     * @param args ignored
     */
    public static void main(String[] args) {
        LogConfig.configureRuntime();
        GatewayConfig config = ConfigLoader.load(System.getenv());
        Gateway gateway = Gateway.start(config, broker(config));
        Runtime.getRuntime().addShutdownHook(new Thread(gateway::drain, "drain"));
    }

    /**
     * The broker the configuration asks for. The only place that chooses an implementation.
     *
     * @param config settings
     * @return a broker, not yet started
     */
    public static Broker broker(GatewayConfig config) {
        if (!config.redis().enabled()) {
            return new InMemoryBroker(config.history().maxLen());
        }
        return new RedisBroker(new RedisSettings(config.redis().uri(), config.redis().prefix(),
                config.history().maxLen(), config.redis().timeout(), config.redis().cluster()));
    }
}
