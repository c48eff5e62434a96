package io.chatrelay.chat.room;

import io.chatrelay.broker.Broker;
import io.chatrelay.broker.BrokerException;
import io.chatrelay.broker.BrokerListener;
import io.chatrelay.broker.BrokerState;
import io.chatrelay.broker.FrameMeta;
import io.chatrelay.broker.FrameTemplate;
import io.chatrelay.broker.HistoryPage;
import io.chatrelay.broker.StoredFrame;
import io.chatrelay.broker.memory.InMemoryBroker;
import io.chatrelay.broker.Await;
import io.chatrelay.chat.ChatMetrics;
import io.chatrelay.chat.Identity;
import io.chatrelay.chat.RecordingRecipient;
import io.chatrelay.chat.Session;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

class LocalRoomsTest {
    private static final Duration WAIT = Duration.ofSeconds(5);
    private static final String ROOM = Topics.room("r");
    private static final String OTHER = Topics.room("other");
    private static final AtomicLong IDS = new AtomicLong();

    private RecordingBroker broker;
    private LocalRooms rooms;

    @BeforeEach
    void start() {
        broker = new RecordingBroker(new InMemoryBroker(100));
        rooms = new LocalRooms(broker, WAIT, ChatMetrics.NONE);
        broker.start(new BrokerListener() {
            @Override
            public void onFrame(StoredFrame frame) {
                rooms.fanOut(frame);
            }
        });
    }

    @AfterEach
    void stop() {
        broker.close();
    }

    private static Session session(String user, RecordingRecipient out) {
        return new Session("s" + IDS.incrementAndGet(), new Identity(user, false), out, 1);
    }

    private static Session session(String user) {
        return session(user, new RecordingRecipient());
    }

    private Membership live(String topic, Session s) {
        Membership m = rooms.join(topic, s).membership();
        m.goLive(null);
        return m;
    }

    private String append(String topic, String text) {
        return Await.result(broker.append(topic, new FrameTemplate(new FrameMeta("message", "x", 1),
                "{\"type\":\"message\",\"text\":\"" + text + "\",\"id\":\"", "\"}")), WAIT);
    }

    @Test
    void subscribesOnTheFirstJoinOnlyAndTellsWhetherItIsTheUsersFirstConnection() {
        boolean first = rooms.join(ROOM, session("alice")).firstOfUser();
        boolean second = rooms.join(ROOM, session("bob")).firstOfUser();
        boolean aliceAgain = rooms.join(ROOM, session("alice")).firstOfUser();

        assertThat(List.of(first, second, aliceAgain)).containsExactly(true, true, false);
        assertThat(broker.subscribed).containsExactly(ROOM);
        assertThat(rooms.roomCount()).isEqualTo(1);
    }

    @Test
    void unsubscribesAfterTheLastLeaveAndTellsTheUsersLastConnection() {
        Membership alice1 = rooms.join(ROOM, session("alice")).membership();
        Membership alice2 = rooms.join(ROOM, session("alice")).membership();

        assertThat(rooms.leave(alice1)).isFalse();
        assertThat(broker.unsubscribed).isEmpty();
        assertThat(rooms.leave(alice2)).isTrue();
        assertThat(broker.unsubscribed).containsExactly(ROOM);
        assertThat(rooms.roomCount()).isZero();
    }

    @Test
    void leaveIsIdempotent() {
        Membership alice = rooms.join(ROOM, session("alice")).membership();
        Membership bob = rooms.join(ROOM, session("bob")).membership();

        rooms.leave(alice);
        assertThat(rooms.leave(alice)).isFalse();
        assertThat(broker.unsubscribed).isEmpty();
        rooms.leave(bob);
        rooms.leave(bob);
        assertThat(broker.unsubscribed).containsExactly(ROOM);
    }

    @Test
    void indexesMembershipsBySessionAndForgetsThemOnLeave() {
        Session alice = session("alice");
        Membership inRoom = rooms.join(ROOM, alice).membership();
        rooms.join(Topics.inbox("alice"), alice);

        assertThat(rooms.membership(alice, ROOM)).isSameAs(inRoom);
        assertThat(rooms.roomCount(alice)).as("the inbox is not a room").isEqualTo(1);
        rooms.leave(inRoom);
        assertThat(rooms.membership(alice, ROOM)).isNull();
        assertThat(rooms.memberships(alice)).hasSize(1);
    }

    @Test
    void fansOutTheSameStringInstanceToEveryMember() {
        List<RecordingRecipient> outs = List.of(new RecordingRecipient(), new RecordingRecipient(), new RecordingRecipient());
        int i = 0;
        for (RecordingRecipient out : outs) {
            live(ROOM, session("u" + i++, out));
        }

        append(ROOM, "hi");

        await().atMost(WAIT).until(() -> outs.stream().allMatch(o -> o.frames().size() == 1));
        String first = outs.getFirst().frames().getFirst();
        assertThat(outs).allSatisfy(o -> assertThat(o.frames().getFirst()).isSameAs(first));
        assertThat(rooms.deliveries()).isEqualTo(3);
    }

    @Test
    void sendsTypingToEveryMemberButTheTypistsConnections() {
        RecordingRecipient typist = new RecordingRecipient();
        RecordingRecipient typistTab = new RecordingRecipient();
        RecordingRecipient reader = new RecordingRecipient();
        live(ROOM, session("alice", typist));
        live(ROOM, session("alice", typistTab));
        live(ROOM, session("bob", reader));

        Await.result(broker.publish(ROOM, new FrameMeta("typing", "alice", 1), "{\"type\":\"typing\",\"user\":\"alice\"}"), WAIT);
        append(ROOM, "marker");

        await().atMost(WAIT).until(() -> typist.frames().size() == 1 && reader.frames().size() == 2);
        assertThat(reader.frames().getFirst()).contains("typing");
        assertThat(typist.frames()).singleElement().asString().contains("marker");
        assertThat(typistTab.frames()).singleElement().asString().contains("marker");
    }

    @Test
    void stopsFanningOutAfterTheLastLeave() {
        RecordingRecipient alice = new RecordingRecipient();
        Membership m = live(ROOM, session("alice", alice));
        append(ROOM, "before");
        await().atMost(WAIT).until(() -> alice.frames().size() == 1);

        rooms.leave(m);
        append(ROOM, "after");
        RecordingRecipient witness = new RecordingRecipient();
        live(OTHER, session("witness", witness));
        append(OTHER, "marker");

        // the dispatcher delivers in order: once the marker arrived, "after" would have too
        await().atMost(WAIT).until(() -> witness.frames().size() == 1);
        assertThat(alice.frames()).singleElement().asString().contains("before");
    }

    @Test
    void ignoresFramesOfTopicsWithoutLocalMembers() {
        rooms.fanOut(new StoredFrame(Topics.room("nobody"), "1-0", new FrameMeta("message", "x", 1), "x"));

        assertThat(rooms.deliveries()).isZero();
    }

    @Test
    void listsTheLocalPresenceOfRoomsAndInboxesOncePerUserButNotOfOtherTopics() {
        Session alice = session("alice");
        rooms.join(ROOM, alice);
        rooms.join(ROOM, session("alice"));
        rooms.join(OTHER, session("bob"));
        rooms.join(Topics.inbox("alice"), alice);
        rooms.join(Topics.direct("alice", "bob"), alice);

        assertThat(rooms.localPresence()).extracting(e -> e.topic() + "/" + e.member())
                .containsExactlyInAnyOrder(ROOM + "/alice", OTHER + "/bob", Topics.inbox("alice") + "/alice");
    }

    @Test
    void doesNotAddTheMemberWhenSubscribingFails() {
        broker.failSubscribe = true;

        assertThatThrownBy(() -> rooms.join(ROOM, session("alice"))).isInstanceOf(BrokerException.class);

        assertThat(rooms.roomCount()).isZero();
        assertThat(rooms.localPresence()).isEmpty();
    }

    @Test
    void givesUpWhenTheSubscriptionIsNotConfirmedInTime() {
        broker.hangSubscribe = true;
        LocalRooms impatient = new LocalRooms(broker, Duration.ofMillis(100), ChatMetrics.NONE);
        Session alice = session("alice");

        assertThatThrownBy(() -> impatient.join(ROOM, alice)).isInstanceOf(BrokerException.class);

        assertThat(impatient.roomCount()).isZero();
        assertThat(impatient.membership(alice, ROOM)).isNull();
        assertThat(broker.unsubscribed).containsExactly(ROOM);
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
        public CompletionStage<io.chatrelay.broker.Appended> append(String topic, FrameTemplate frame,
                                                                     io.chatrelay.broker.AppendOptions options) {
            return delegate.append(topic, frame, options);
        }

        @Override
        public CompletionStage<io.chatrelay.broker.Counted> appendCounted(String topic, io.chatrelay.broker.CountedSet set, String member, boolean add,
                                                                           FrameTemplate frame, io.chatrelay.broker.AppendOptions options) {
            return delegate.appendCounted(topic, set, member, add, frame, options);
        }

        @Override
        public CompletionStage<StoredFrame> read(String topic, String id) {
            return delegate.read(topic, id);
        }

        @Override
        public CompletionStage<Integer> countAfter(String topic, String afterId, int cap) {
            return delegate.countAfter(topic, afterId, cap);
        }

        @Override
        public CompletionStage<Void> publish(String topic, FrameMeta meta, String frame) {
            return delegate.publish(topic, meta, frame);
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
        public void close() {
            delegate.close();
        }
    }
}
