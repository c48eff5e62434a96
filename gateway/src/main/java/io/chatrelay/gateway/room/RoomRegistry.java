package io.chatrelay.gateway.room;

import io.chatrelay.broker.Broker;
import io.chatrelay.broker.BrokerException;
import io.chatrelay.broker.StoredFrame;
import io.chatrelay.gateway.protocol.ServerFrames;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.LongAdder;

/**
 * The topics that have local members, with a reference count each: the first member subscribes
 * the gateway to the topic (and waits for the confirmation), the last one to leave unsubscribes.
 * {@link #fanOut} offers each delivered frame, the same string, to every local member (a typing
 * event to every member but the typist).
 */
public final class RoomRegistry {
    private final Broker broker;
    private final Duration timeout;
    private final ConcurrentHashMap<String, LocalTopic> topics = new ConcurrentHashMap<>();
    private final LongAdder deliveries = new LongAdder();

    /**
     * Creates a registry.
     *
     * @param broker  the broker to subscribe through
     * @param timeout how long a subscription may take
     */
    public RoomRegistry(Broker broker, Duration timeout) {
        this.broker = broker;
        this.timeout = timeout;
    }

    /**
     * Adds a member, in replaying state, subscribing the gateway first if needed.
     *
     * @param topic     the topic
     * @param recipient the member
     * @return the membership; call {@link Membership#goLive} once the answer is ready
     * @throws BrokerException if the subscription failed or timed out (the member is not added)
     */
    public Membership join(String topic, Recipient recipient) {
        Membership membership = new Membership(topic, recipient);
        LocalTopic local = topics.compute(topic, (name, existing) -> {
            LocalTopic t = existing != null ? existing : new LocalTopic(broker.subscribe(name).toCompletableFuture());
            t.members.add(membership);
            return t;
        });
        try {
            local.subscribed.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return membership;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            leave(membership);
            throw new BrokerException("interrupted while subscribing", e);
        } catch (ExecutionException | TimeoutException e) {
            leave(membership);
            throw new BrokerException("subscribe failed: " + e, e);
        }
    }

    /**
     * Removes a member; unsubscribes when it was the last local one. Idempotent.
     *
     * @param membership the membership
     */
    public void leave(Membership membership) {
        topics.computeIfPresent(membership.topic(), (name, t) -> {
            t.members.remove(membership);
            if (t.members.isEmpty()) {
                broker.unsubscribe(name);
                return null;
            }
            return t;
        });
    }

    /**
     * Offers a delivered frame to the topic's local members. Called on the broker's dispatcher
     * thread; never blocks.
     *
     * @param frame the frame
     */
    public void fanOut(StoredFrame frame) {
        LocalTopic local = topics.get(frame.topic());
        if (local == null) {
            return;
        }
        String typist = frame.ephemeral() ? ServerFrames.typingUser(frame.frame()) : null;
        int delivered = 0;
        for (Membership m : local.members) {
            if (typist == null || !typist.equals(m.recipient().user())) {
                m.deliver(frame);
                delivered++;
            }
        }
        deliveries.add(delivered);
    }

    /**
     * Topics with local members.
     *
     * @return a snapshot of the topic names
     */
    public Set<String> topics() {
        return Set.copyOf(topics.keySet());
    }

    /**
     * Frames offered to members so far.
     *
     * @return the count
     */
    public long deliveries() {
        return deliveries.sum();
    }

    private static final class LocalTopic {
        private final CompletableFuture<Void> subscribed;
        private final Set<Membership> members = ConcurrentHashMap.newKeySet();

        private LocalTopic(CompletableFuture<Void> subscribed) {
            this.subscribed = subscribed;
        }
    }
}
