package io.chatrelay.broker.redis;

import io.chatrelay.broker.BrokerException;
import io.chatrelay.broker.BrokerListener;
import io.chatrelay.broker.BrokerState;
import io.chatrelay.broker.FrameTemplate;
import io.chatrelay.broker.HistoryPage;
import io.chatrelay.broker.PresenceEntry;
import io.chatrelay.broker.StoredFrame;
import io.chatrelay.broker.StreamId;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** {@link RedisBroker} against a real Redis 8 (Testcontainers). */
@Testcontainers
class RedisBrokerIT {
    @Container
    static final GenericContainer<?> REDIS = new GenericContainer<>("redis:8.0").withExposedPorts(6379);

    private final List<RedisBroker> brokers = new ArrayList<>();
    private String prefix;

    @BeforeEach
    void prefix() {
        prefix = "t" + UUID.randomUUID().toString().substring(0, 8);
    }

    @AfterEach
    void close() {
        brokers.forEach(RedisBroker::close);
    }

    private String uri() {
        return "redis://" + REDIS.getHost() + ":" + REDIS.getMappedPort(6379);
    }

    private RedisBroker started(Recorder recorder, int maxLen) {
        RedisBroker broker = new RedisBroker(new RedisSettings(uri(), prefix, maxLen, Duration.ofSeconds(5), false));
        brokers.add(broker);
        broker.start(recorder);
        await().atMost(Duration.ofSeconds(10)).until(() -> broker.state() == BrokerState.UP);
        return broker;
    }

    private static <T> T get(java.util.concurrent.CompletionStage<T> stage) throws Exception {
        return stage.toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void deliversAppendsToSubscribersOnOtherConnectionsInOrder() throws Exception {
        Recorder a = new Recorder();
        Recorder b = new Recorder();
        RedisBroker publisher = started(a, 1000);
        RedisBroker subscriber = started(b, 1000);
        get(subscriber.subscribe("room:r"));
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            ids.add(get(publisher.append("room:r", new FrameTemplate("{\"id\":\"", "\",\"n\":" + i + "}"))));
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> b.frames.size() == 50);
        assertThat(b.frames).extracting(StoredFrame::id).containsExactlyElementsOf(ids);
        assertThat(b.frames.get(7).frame()).isEqualTo("{\"id\":\"" + ids.get(7) + "\",\"n\":7}");
        assertThat(a.frames).isEmpty();
        assertThat(b.threads).allMatch(name -> name.equals("redis-broker-dispatch"));
    }

    @Test
    void readsHistoryAfterAndBeforeAnIdAndTellsWhenTrimmed() throws Exception {
        RedisBroker broker = started(new Recorder(), 10);
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            ids.add(get(broker.append("room:h", new FrameTemplate("[\"", "\"," + i + "]"))));
        }
        HistoryPage latest = get(broker.readBefore("room:h", null, 5));
        assertThat(latest.frames()).extracting(StoredFrame::id).containsExactlyElementsOf(ids.subList(295, 300));
        assertThat(latest.more()).isTrue();
        HistoryPage older = get(broker.readBefore("room:h", ids.get(295), 3));
        assertThat(older.frames()).extracting(StoredFrame::id).containsExactlyElementsOf(ids.subList(292, 295));
        HistoryPage recent = get(broker.readAfter("room:h", ids.get(297), 10));
        assertThat(recent.covered()).isTrue();
        assertThat(recent.frames()).extracting(StoredFrame::id).containsExactlyElementsOf(ids.subList(298, 300));
        HistoryPage trimmed = get(broker.readAfter("room:h", ids.get(0), 10));
        assertThat(trimmed.covered()).isFalse();
    }

    @Test
    void recoversFramesPublishedWhileTheSubscriptionWasCut() throws Exception {
        Recorder sub = new Recorder();
        RedisBroker publisher = started(new Recorder(), 1000);
        RedisBroker subscriber = started(sub, 1000);
        get(subscriber.subscribe("room:gap"));
        List<String> ids = new ArrayList<>();
        ids.add(get(publisher.append("room:gap", new FrameTemplate("", ""))));
        await().atMost(Duration.ofSeconds(10)).until(() -> sub.frames.size() == 1);

        try (RedisClient admin = RedisClient.create(uri()); StatefulRedisConnection<String, String> c = admin.connect()) {
            c.sync().clientKill(io.lettuce.core.KillArgs.Builder.typePubsub());
            for (int i = 0; i < 20; i++) {
                ids.add(get(publisher.append("room:gap", new FrameTemplate("", ""))));
            }
        }
        for (int i = 0; i < 5; i++) {
            ids.add(get(publisher.append("room:gap", new FrameTemplate("", ""))));
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> sub.frames.size() >= ids.size());
        assertThat(sub.frames).extracting(StoredFrame::id).containsExactlyElementsOf(ids);
        assertThat(sub.states).contains(BrokerState.DOWN, BrokerState.UP);
    }

    @Test
    void presenceCountsAUserOnceAcrossNodesAndSweepsExpiredEntries() throws Exception {
        RedisBroker broker = started(new Recorder(), 1000);
        assertThat(get(broker.addPresence("room:p", "alice", "gw1", 60_000))).isTrue();
        assertThat(get(broker.addPresence("room:p", "alice", "gw2", 300))).isFalse();
        assertThat(get(broker.addPresence("room:p", "bob", "gw2", 300))).isTrue();
        assertThat(get(broker.presence("room:p"))).containsExactly("alice", "bob");
        assertThat(get(broker.removePresence("room:p", "alice", "gw1"))).isFalse();
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(100))
                .until(() -> get(broker.presence("room:p")).isEmpty());
        List<PresenceEntry> gone = get(broker.sweepPresence(1000));
        assertThat(gone).containsExactlyInAnyOrder(new PresenceEntry("room:p", "alice"), new PresenceEntry("room:p", "bob"));
        assertThat(get(broker.sweepPresence(1000))).as("the lock lets one sweep per period").isEmpty();
    }

    @Test
    void refreshKeepsEntriesAlive() throws Exception {
        RedisBroker broker = started(new Recorder(), 1000);
        get(broker.addPresence("room:k", "carol", "gw1", 500));
        for (int i = 0; i < 6; i++) {
            get(broker.refreshPresence(List.of(new PresenceEntry("room:k", "carol")), "gw1", 500));
            assertThat(get(broker.presence("room:k"))).containsExactly("carol");
            await().pollDelay(Duration.ofMillis(200)).atMost(Duration.ofSeconds(1)).until(() -> true);
        }
    }

    @Test
    void failsFastWhenRedisIsUnreachable() {
        RedisBroker broker = new RedisBroker(new RedisSettings("redis://127.0.0.1:1", prefix, 10, Duration.ofSeconds(1), false));
        brokers.add(broker);
        broker.start(new Recorder());
        assertThat(broker.state()).isNotEqualTo(BrokerState.UP);
        assertThatThrownBy(() -> get(broker.append("room:x", new FrameTemplate("", ""))))
                .hasCauseInstanceOf(BrokerException.class);
    }

    @Test
    void idsAreStreamIds() throws Exception {
        RedisBroker broker = started(new Recorder(), 1000);
        String id = get(broker.append("room:i", new FrameTemplate("", "")));
        assertThat(StreamId.isValid(id)).isTrue();
    }

    static final class Recorder implements BrokerListener {
        final List<StoredFrame> frames = new CopyOnWriteArrayList<>();
        final List<String> threads = new CopyOnWriteArrayList<>();
        final List<BrokerState> states = new CopyOnWriteArrayList<>();

        @Override
        public void onFrame(StoredFrame frame) {
            frames.add(frame);
            threads.add(Thread.currentThread().getName());
        }

        @Override
        public void onStateChange(BrokerState state) {
            states.add(state);
        }
    }
}
