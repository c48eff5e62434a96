package io.chatrelay.gateway;

import io.chatrelay.broker.memory.InMemoryBroker;
import io.chatrelay.broker.redis.RedisBroker;
import io.chatrelay.broker.redis.RedisPresenceStore;
import io.chatrelay.broker.redis.RedisSettings;
import io.chatrelay.chat.ChatBackend;
import io.chatrelay.chat.ChatSettings;
import io.chatrelay.gateway.config.GatewayConfig;

/**
 * The backend the configuration asks for: Redis when {@code CHAT_REDIS_URI} is set, otherwise in
 * memory. The only place that chooses an implementation.
 */
public final class Backend {
    /** The most application events kept for webhooks (the oldest undelivered ones are trimmed beyond). */
    static final int EVENT_LOG_MAX = 100_000;

    private Backend() {
    }

    /**
     * Creates the backend (not started yet).
     *
     * @param config settings
     * @return broker, presence store and user directory on one store
     */
    public static ChatBackend from(GatewayConfig config) {
        ChatSettings chat = config.chat();
        if (!config.redis().enabled()) {
            InMemoryBroker broker = new InMemoryBroker(chat.history().maxLen());
            return new ChatBackend(broker, broker.presenceStore(chat.nodeId(), chat.presence().ttl(), chat.presence().sweep()),
                    broker.userDirectory(chat.history().directTtl()), broker.readState(), broker.moderation(),
                    broker.eventLog(EVENT_LOG_MAX));
        }
        RedisBroker broker = new RedisBroker(new RedisSettings(config.redis().uri(), config.redis().prefix(),
                chat.history().maxLen(), config.redis().timeout(), config.redis().cluster(), config.redis().durability(),
                config.redis().waitTimeout()));
        return new ChatBackend(broker, broker.presenceStore(
                new RedisPresenceStore.Settings(chat.nodeId(), chat.presence().ttl(), chat.presence().sweep())),
                broker.userDirectory(chat.history().directTtl()), broker.readState(chat.history().directTtl()), broker.moderation(),
                broker.eventLog(EVENT_LOG_MAX));
    }
}
