package io.chatrelay.gateway.room;

import io.chatrelay.broker.Broker;
import io.chatrelay.broker.BrokerException;
import io.chatrelay.broker.BrokerListener;
import io.chatrelay.broker.BrokerState;
import io.chatrelay.broker.FrameTemplate;
import io.chatrelay.broker.HistoryPage;
import io.chatrelay.broker.PresenceEntry;
import io.chatrelay.broker.StoredFrame;
import io.chatrelay.broker.memory.InMemoryBroker;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

class RoomRegistryTest {
    private static final Duration WAIT = Duration.ofSeconds(5);
    private static final String ROOM = Topics.room("r");
    private static final String OTHER = Topics.room("other");

    private RecordingBroker broker;
    private RoomRegistry registry;

    @BeforeEach
    void start() {
        broker = new RecordingBroker(new InMemoryBroker(100));
        registry = new RoomRegistry(broker, WAIT);
        broker.start(new BrokerListener() {
            @Override
            public void onFrame(StoredFrame frame) {
                registry.fanOut(frame);
            }
        });
    }

    @AfterEach
    void stop() {
        broker.close();
    }

    @Test
    void subscribesOnTheFirstJoinOnly() {
        registry.join(ROOM, new RecordingRecipient("alice"));
        registry.join(ROOM, new RecordingRecipient("bob"));
        registry.join(ROOM, new RecordingRecipient("alice"));

        assertThat(broker.subscribed).containsExactly(ROOM);
        assertThat(broker.unsubscribed).isEmpty();
        assertThat(registry.topics()).containsExactly(ROOM);
    }

    @Test
    void unsubscribesAfterTheLastLeave() {
        Membership alice = registry.join(ROOM, new RecordingRecipient("alice"));
        Membership bob = registry.join(ROOM, new RecordingRecipient("bob"));

        registry.leave(alice);
        assertThat(broker.unsubscribed).isEmpty();
        assertThat(registry.topics()).containsExactly(ROOM);

        registry.leave(bob);
        assertThat(broker.unsubscribed).containsExactly(ROOM);
        assertThat(registry.topics()).isEmpty();
    }

    @Test
    void leaveIsIdempotent() {
        Membership alice = registry.join(ROOM, new RecordingRecipient("alice"));
        Membership bob = registry.join(ROOM, new RecordingRecipient("bob"));

        registry.leave(alice);
        registry.leave(alice);
        assertThat(broker.unsubscribed).isEmpty();

        registry.leave(bob);
        registry.leave(bob);
        assertThat(broker.unsubscribed).containsExactly(ROOM);
    }

    @Test
    void subscribesAgainWhenARoomIsJoinedAfterItWasLeft() throws Exception {
        registry.leave(registry.join(ROOM, new RecordingRecipient("alice")));
        RecordingRecipient bob = new RecordingRecipient("bob");
        registry.join(ROOM, bob).goLive(null, null);

        append(ROOM, "hello");

        await().atMost(WAIT).until(() -> bob.frames().size() == 1);
        assertThat(broker.subscribed).containsExactly(ROOM, ROOM);
        assertThat(broker.unsubscribed).containsExactly(ROOM);
    }

    @Test
    void stopsFanningOutAfterTheLastLeave() throws Exception {
        RecordingRecipient alice = new RecordingRecipient("alice");
        Membership membership = registry.join(ROOM, alice);
        membership.goLive(null, null);
        append(ROOM, "before");
        await().atMost(WAIT).until(() -> alice.frames().size() == 1);

        registry.leave(membership);
        append(ROOM, "after");
        RecordingRecipient witness = new RecordingRecipient("witness");
        registry.join(OTHER, witness).goLive(null, null);
        append(OTHER, "marker");

        // the dispatcher delivers in order: once the marker arrived, "after" would have too
        await().atMost(WAIT).until(() -> witness.frames().size() == 1);
        assertThat(alice.frames()).singleElement().asString().startsWith("before");
    }

    @Test
    void fansOutTheSameStringInstanceToEveryMember() throws Exception {
        List<RecordingRecipient> members = List.of(
                new RecordingRecipient("alice"), new RecordingRecipient("bob"), new RecordingRecipient("carol"));
        for (RecordingRecipient m : members) {
            registry.join(ROOM, m).goLive(null, null);
        }

        append(ROOM, "hi");

        await().atMost(WAIT).until(() -> members.stream().allMatch(m -> m.frames().size() == 1));
        String first = members.getFirst().frames().getFirst();
        assertThat(first).startsWith("hi");
        assertThat(members).allSatisfy(m -> assertThat(m.frames().getFirst()).isSameAs(first));
        assertThat(registry.deliveries()).isEqualTo(3);
    }

    @Test
    void sendsTypingToEveryMemberButTheTypist() throws Exception {
        RecordingRecipient typist = new RecordingRecipient("alice");
        RecordingRecipient typistOtherTab = new RecordingRecipient("alice");
        RecordingRecipient reader = new RecordingRecipient("bob");
        for (RecordingRecipient m : List.of(typist, typistOtherTab, reader)) {
            registry.join(ROOM, m).goLive(null, null);
        }

        get(broker.publish(ROOM, io.chatrelay.gateway.protocol.ServerFrames.typing("r", "alice")));
        append(ROOM, "marker");

        await().atMost(WAIT).until(() -> typist.frames().size() == 1 && reader.frames().size() == 2);
        assertThat(reader.deliveries().getFirst().ephemeral()).isTrue();
        assertThat(reader.frames().getFirst()).contains("\"user\":\"alice\"");
        assertThat(typist.frames()).singleElement().asString().startsWith("marker");
        assertThat(typistOtherTab.frames()).singleElement().asString().startsWith("marker");
    }

    @Test
    void fansOutOnlyToMembersOfTheFramesTopic() throws Exception {
        RecordingRecipient inRoom = new RecordingRecipient("alice");
        RecordingRecipient inOther = new RecordingRecipient("bob");
        registry.join(ROOM, inRoom).goLive(null, null);
        registry.join(OTHER, inOther).goLive(null, null);

        append(ROOM, "for r");
        append(OTHER, "for other");

        await().atMost(WAIT).until(() -> inOther.frames().size() == 1);
        await().atMost(WAIT).until(() -> inRoom.frames().size() == 1);
        assertThat(inRoom.frames().getFirst()).startsWith("for r");
        assertThat(inOther.frames().getFirst()).startsWith("for other");
    }

    @Test
    void ignoresFramesOfTopicsWithoutLocalMembers() {
        registry.fanOut(new StoredFrame(Topics.room("nobody"), "1-0", "x"));

        assertThat(registry.deliveries()).isZero();
    }

    @Test
    void buffersFramesForAReplayingMemberUntilItGoesLive() throws Exception {
        append(ROOM, "old");
        RecordingRecipient alice = new RecordingRecipient("alice");
        Membership membership = registry.join(ROOM, alice);
        String live = append(ROOM, "during replay");
        await().atMost(WAIT).until(() -> registry.deliveries() == 1);
        assertThat(alice.frames()).isEmpty();

        HistoryPage history = get(broker.readBefore(ROOM, null, 50));
        membership.goLive("joined", history.frames().getLast().id());
        String after = append(ROOM, "after");

        await().atMost(WAIT).until(() -> alice.frames().size() == 2);
        assertThat(history.frames()).extracting(StoredFrame::id).endsWith(live);
        assertThat(alice.frames()).containsExactly("joined", "after" + after);
    }

    @Test
    void doesNotAddTheMemberWhenSubscribingFails() {
        broker.failSubscribe = true;

        assertThatThrownBy(() -> registry.join(ROOM, new RecordingRecipient("alice"))).isInstanceOf(BrokerException.class);

        assertThat(registry.topics()).isEmpty();
    }

    @Test
    void givesUpWhenTheSubscriptionIsNotConfirmedInTime() {
        broker.hangSubscribe = true;
        RoomRegistry impatient = new RoomRegistry(broker, Duration.ofMillis(100));

        assertThatThrownBy(() -> impatient.join(ROOM, new RecordingRecipient("alice"))).isInstanceOf(BrokerException.class);

        assertThat(impatient.topics()).isEmpty();
        assertThat(broker.unsubscribed).containsExactly(ROOM);
    }

    // ---- helpers ---------------------------------------------------------------------------

    /** Appends a frame whose text is {@code prefix + id}. */
    private String append(String topic, String prefix) throws Exception {
        return get(broker.append(topic, new FrameTemplate(prefix, "")));
    }

    private static <T> T get(CompletionStage<T> stage) throws Exception {
        try {
            return stage.toCompletableFuture().get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception cause ? cause : e;
        }
    }

    /** Delegates to a real broker and records subscription calls; can fail or hang subscribe. */
    private static final class RecordingBroker implements Broker {
        final List<String> subscribed = new CopyOnWriteArrayList<>();
        final List<String> unsubscribed = new CopyOnWriteArrayList<>();
        volatile boolean failSubscribe;
        volatile boolean hangSubscribe;
        private final Broker delegate;

        RecordingBroker(Broker delegate) {
            this.delegate = delegate;
        }

        @Override
        public void start(BrokerListener listener) {
            delegate.start(listener);
        }

        @Override
        public BrokerState state() {
            return delegate.state();
        }

        @Override
        public CompletionStage<Void> subscribe(String topic) {
            subscribed.add(topic);
            if (failSubscribe) {
                return CompletableFuture.failedFuture(new BrokerException("subscribe refused"));
            }
            if (hangSubscribe) {
                return new CompletableFuture<>();
            }
            return delegate.subscribe(topic);
        }

        @Override
        public CompletionStage<Void> unsubscribe(String topic) {
            unsubscribed.add(topic);
            return delegate.unsubscribe(topic);
        }

        @Override
        public CompletionStage<String> append(String topic, FrameTemplate frame) {
            return delegate.append(topic, frame);
        }

        @Override
        public CompletionStage<Void> publish(String topic, String frame) {
            return delegate.publish(topic, frame);
        }

        @Override
        public CompletionStage<HistoryPage> readAfter(String topic, String afterId, int limit) {
            return delegate.readAfter(topic, afterId, limit);
        }

        @Override
        public CompletionStage<HistoryPage> readBefore(String topic, String beforeId, int limit) {
            return delegate.readBefore(topic, beforeId, limit);
        }

        @Override
        public CompletionStage<Boolean> addPresence(String topic, String member, String node, long ttlMillis) {
            return delegate.addPresence(topic, member, node, ttlMillis);
        }

        @Override
        public CompletionStage<Boolean> removePresence(String topic, String member, String node) {
            return delegate.removePresence(topic, member, node);
        }

        @Override
        public CompletionStage<Void> refreshPresence(List<PresenceEntry> entries, String node, long ttlMillis) {
            return delegate.refreshPresence(entries, node, ttlMillis);
        }

        @Override
        public CompletionStage<List<String>> presence(String topic) {
            return delegate.presence(topic);
        }

        @Override
        public CompletionStage<List<PresenceEntry>> sweepPresence(long lockMillis) {
            return delegate.sweepPresence(lockMillis);
        }

        @Override
        public void close() {
            delegate.close();
        }
    }
}
