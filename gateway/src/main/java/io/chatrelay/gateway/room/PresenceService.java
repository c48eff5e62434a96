package io.chatrelay.gateway.room;

import io.chatrelay.broker.Broker;
import io.chatrelay.broker.BrokerState;
import io.chatrelay.broker.PresenceEntry;
import io.chatrelay.gateway.config.GatewayConfig;
import io.chatrelay.gateway.protocol.ServerFrames;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Presence across gateways. Locally it counts the connections of each user in each room, so that
 * two tabs count once; the broker holds one entry per user and gateway, refreshed by a heartbeat,
 * so that a dead gateway's users expire. A periodic sweep (one gateway at a time, by lock)
 * removes expired entries and publishes their {@code leave} events. A killed gateway's users are
 * gone within {@code ttl + sweep}.
 */
public final class PresenceService implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(PresenceService.class.getName());

    private final Broker broker;
    private final String node;
    private final GatewayConfig.Presence settings;
    private final Duration timeout;
    private final Map<PresenceEntry, Integer> local = new HashMap<>();
    private final ReentrantLock lock = new ReentrantLock();
    private final ScheduledExecutorService timer =
            Executors.newSingleThreadScheduledExecutor(Thread.ofVirtual().name("presence-timer").factory());

    /**
     * Creates the service; call {@link #start} to begin heartbeats and sweeps.
     *
     * @param broker   the broker
     * @param node     this gateway's node id
     * @param settings timing
     * @param timeout  broker call timeout
     */
    public PresenceService(Broker broker, String node, GatewayConfig.Presence settings, Duration timeout) {
        this.broker = broker;
        this.node = node;
        this.settings = settings;
        this.timeout = timeout;
    }

    /** Starts the heartbeat and the sweep. */
    public void start() {
        long refresh = settings.refresh().toMillis();
        long sweep = settings.sweep().toMillis();
        timer.scheduleWithFixedDelay(this::heartbeat, refresh, refresh, TimeUnit.MILLISECONDS);
        timer.scheduleWithFixedDelay(this::sweep, sweep, sweep, TimeUnit.MILLISECONDS);
    }

    /**
     * A connection of {@code user} joined {@code room}. Blocks until the broker has the entry; a
     * {@code presence join} is published when the user was present nowhere before.
     *
     * @param room the room
     * @param user the user
     * @throws Exception if the broker failed
     */
    public void joined(String room, String user) throws Exception {
        PresenceEntry entry = new PresenceEntry(room, user);
        if (increment(entry) == 1
                && await(broker.addPresence(Topics.room(room), user, node, settings.ttl().toMillis()))) {
            broker.publish(Topics.room(room), ServerFrames.presence(room, user, "join"));
        }
    }

    /**
     * A connection of {@code user} left {@code room}. Does not block; publishes {@code leave} when
     * the user is present nowhere any more.
     *
     * @param room the room
     * @param user the user
     */
    public void left(String room, String user) {
        PresenceEntry entry = new PresenceEntry(room, user);
        if (decrement(entry) == 0) {
            broker.removePresence(Topics.room(room), user, node).whenComplete((gone, error) -> {
                if (error != null) {
                    LOG.log(Level.WARNING, "event=presence_remove_failed room={0} user={1} error={2}", room, user, error.toString());
                } else if (gone) {
                    broker.publish(Topics.room(room), ServerFrames.presence(room, user, "leave"));
                }
            });
        }
    }

    /**
     * The users present in a room on any gateway.
     *
     * @param room the room
     * @return user ids, sorted
     * @throws Exception if the broker failed
     */
    public List<String> members(String room) throws Exception {
        return await(broker.presence(Topics.room(room)));
    }

    private int increment(PresenceEntry entry) {
        lock.lock();
        try {
            return local.merge(entry, 1, Integer::sum);
        } finally {
            lock.unlock();
        }
    }

    private int decrement(PresenceEntry entry) {
        lock.lock();
        try {
            Integer left = local.computeIfPresent(entry, (e, n) -> n > 1 ? n - 1 : null);
            return left == null ? 0 : left;
        } finally {
            lock.unlock();
        }
    }

    private void heartbeat() {
        List<PresenceEntry> entries;
        lock.lock();
        try {
            entries = local.keySet().stream().map(e -> new PresenceEntry(Topics.room(e.topic()), e.member())).toList();
        } finally {
            lock.unlock();
        }
        if (!entries.isEmpty() && broker.state() == BrokerState.UP) {
            broker.refreshPresence(entries, node, settings.ttl().toMillis()).whenComplete((v, error) -> {
                if (error != null) {
                    LOG.log(Level.WARNING, "event=presence_refresh_failed entries={0} error={1}", String.valueOf(entries.size()), error.toString());
                }
            });
        }
    }

    private void sweep() {
        if (broker.state() != BrokerState.UP) {
            return;
        }
        broker.sweepPresence(settings.sweep().toMillis()).whenComplete((gone, error) -> {
            if (error != null) {
                LOG.log(Level.WARNING, "event=presence_sweep_failed error={0}", error.toString());
                return;
            }
            for (PresenceEntry e : gone) {
                String room = Topics.roomOf(e.topic());
                if (room != null) {
                    LOG.log(Level.INFO, "event=presence_expired room={0} user={1}", room, e.member());
                    broker.publish(e.topic(), ServerFrames.presence(room, e.member(), "leave"));
                }
            }
        });
    }

    private <T> T await(java.util.concurrent.CompletionStage<T> stage) throws Exception {
        try {
            return stage.toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception cause ? cause : e;
        } catch (TimeoutException e) {
            throw new io.chatrelay.broker.BrokerException("broker timed out", e);
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
