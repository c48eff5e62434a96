package io.chatrelay.broker.redis;

import io.chatrelay.broker.Broker;
import io.chatrelay.broker.BrokerContract;
import io.chatrelay.broker.EventLog;
import io.chatrelay.broker.Moderation;
import io.chatrelay.broker.PresenceStore;
import io.chatrelay.broker.ReadState;
import io.chatrelay.broker.UserDirectory;

import java.time.Duration;

/**
 * The broker contract on a {@link RedisBroker}, one Redis or a cluster: the stores come from the
 * broker itself, and every broker made by a test shares the one Redis.
 */
abstract class RedisBrokerContract extends BrokerContract {
    @Override
    protected ReadState readState(Broker broker) {
        return ((RedisBroker) broker).readState(Duration.ofMinutes(5));
    }

    @Override
    protected Moderation moderation(Broker broker) {
        return ((RedisBroker) broker).moderation();
    }

    @Override
    protected EventLog eventLog(Broker broker, int maxLen) {
        return ((RedisBroker) broker).eventLog(maxLen);
    }

    @Override
    protected UserDirectory directory(Broker broker, Duration retention) {
        return ((RedisBroker) broker).userDirectory(retention);
    }

    @Override
    protected PresenceStore presenceStore(Broker broker, String node, Duration ttl, Duration sweep) {
        return ((RedisBroker) broker).presenceStore(new RedisPresenceStore.Settings(node, ttl, sweep));
    }

    @Override
    protected boolean brokersShareTheStore() {
        return true;
    }
}
