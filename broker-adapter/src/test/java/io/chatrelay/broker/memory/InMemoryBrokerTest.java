package io.chatrelay.broker.memory;

import io.chatrelay.broker.BrokerException;
import io.chatrelay.broker.BrokerListener;
import io.chatrelay.broker.BrokerState;
import io.chatrelay.broker.FrameTemplate;
import io.chatrelay.broker.HistoryPage;
import io.chatrelay.broker.PresenceEntry;
import io.chatrelay.broker.StoredFrame;
import io.chatrelay.broker.StreamId;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

class InMemoryBrokerTest {
    private static final Duration WAIT = Duration.ofSeconds(5);
    private static final FrameTemplate TEMPLATE = new FrameTemplate("{\"id\":\"", "\"}");
    private static final String MARKER = "marker";

    private final AtomicLong now = new AtomicLong(1_000_000L);
    private final RecordingListener listener = new RecordingListener();
    private InMemoryBroker broker;

    private InMemoryBroker started(int maxLen) {
        broker = new InMemoryBroker(maxLen, now::get);
        broker.start(listener);
        return broker;
    }

    @AfterEach
    void close() {
        if (broker != null) {
            broker.close();
        }
    }

    // ---- ids -------------------------------------------------------------------------------

    @Test
    void assignsStrictlyIncreasingIdsWhenTheClockStandsStill() throws Exception {
        started(100);

        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            ids.add(get(broker.append("t", TEMPLATE)));
        }

        assertThat(ids.getFirst()).isEqualTo("1000000-0");
        assertThat(ids.getLast()).isEqualTo("1000000-49");
        for (int i = 1; i < ids.size(); i++) {
            assertThat(StreamId.compare(ids.get(i - 1), ids.get(i))).as("%s < %s", ids.get(i - 1), ids.get(i)).isNegative();
        }
    }

    @Test
    void keepsIdsIncreasingWhenTheClockGoesBackwards() throws Exception {
        started(100);
        now.set(2_000);
        String first = get(broker.append("t", TEMPLATE));
        now.set(1_500);
        String second = get(broker.append("t", TEMPLATE));
        now.set(3_000);
        String third = get(broker.append("t", TEMPLATE));

        assertThat(List.of(first, second, third)).containsExactly("2000-0", "2000-1", "3000-0");
    }

    @Test
    void restartsTheSequenceWhenTheClockMovesOn() throws Exception {
        started(100);
        get(broker.append("t", TEMPLATE));
        get(broker.append("t", TEMPLATE));
        now.addAndGet(1);

        assertThat(get(broker.append("t", TEMPLATE))).isEqualTo("1000001-0");
    }

    @Test
    void rendersTheAssignedIdIntoTheStoredFrame() throws Exception {
        started(100);

        String id = get(broker.append("t", new FrameTemplate("<", ">")));

        HistoryPage page = get(broker.readBefore("t", null, 10));
        assertThat(page.frames()).containsExactly(new StoredFrame("t", id, "<" + id + ">"));
    }

    @Test
    void assignsIdsPerTopic() throws Exception {
        started(100);

        get(broker.append("a", TEMPLATE));
        get(broker.append("a", TEMPLATE));

        assertThat(get(broker.append("b", TEMPLATE))).isEqualTo("1000000-0");
    }

    // ---- delivery --------------------------------------------------------------------------

    @Test
    void deliversAppendedFramesOnlyToSubscribedTopics() throws Exception {
        started(100);
        get(broker.append("room:a", TEMPLATE));
        get(broker.subscribe("room:a"));
        String delivered = get(broker.append("room:a", TEMPLATE));
        get(broker.unsubscribe("room:a"));
        get(broker.append("room:a", TEMPLATE));
        get(broker.append("room:b", TEMPLATE));
        String marker = appendMarker();

        await().atMost(WAIT).until(() -> listener.has(marker));

        assertThat(listener.frames()).extracting(StoredFrame::id).containsExactly(delivered, marker);
    }

    @Test
    void deliversInIdOrderOnOneThreadThatIsNotTheCallers() throws Exception {
        started(1000);
        get(broker.subscribe("t"));

        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            ids.add(get(broker.append("t", TEMPLATE)));
        }

        await().atMost(WAIT).until(() -> listener.frames().size() == 200);
        assertThat(listener.frames()).extracting(StoredFrame::id).containsExactlyElementsOf(ids);
        assertThat(listener.frames()).extracting(StoredFrame::frame)
                .containsExactlyElementsOf(ids.stream().map(TEMPLATE::render).toList());
        assertThat(listener.threads()).hasSize(200).containsOnly(listener.threads().getFirst());
        assertThat(listener.threads().getFirst()).isNotSameAs(Thread.currentThread());
    }

    @Test
    void deliversConcurrentAppendsOnceEachInIdOrder() throws Exception {
        started(10_000);
        get(broker.subscribe("t"));
        int threads = 4;
        int perThread = 250;
        List<String> ids = new CopyOnWriteArrayList<>();

        try (ExecutorService pool = Executors.newFixedThreadPool(threads)) {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                futures.add(pool.submit(() -> {
                    for (int i = 0; i < perThread; i++) {
                        ids.add(broker.append("t", TEMPLATE).toCompletableFuture().join());
                    }
                }));
            }
            for (Future<?> f : futures) {
                f.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            }
        }

        await().atMost(WAIT).until(() -> listener.frames().size() == threads * perThread);
        List<String> delivered = listener.frames().stream().map(StoredFrame::id).toList();
        assertThat(delivered).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(ids);
        assertThat(delivered).isSortedAccordingTo(StreamId::compare);
    }

    @Test
    void subscribeAndUnsubscribeAreIdempotent() throws Exception {
        started(100);
        get(broker.subscribe("t"));
        get(broker.subscribe("t"));
        String id = get(broker.append("t", TEMPLATE));
        String marker = appendMarker();
        await().atMost(WAIT).until(() -> listener.has(marker));
        assertThat(listener.frames()).extracting(StoredFrame::id).containsExactly(id, marker);

        get(broker.unsubscribe("t"));
        get(broker.unsubscribe("t"));
        get(broker.append("t", TEMPLATE));
        String marker2 = appendMarker();
        await().atMost(WAIT).until(() -> listener.has(marker2));
        assertThat(listener.frames()).extracting(StoredFrame::id).containsExactly(id, marker, marker2);
    }

    @Test
    void deliversPublishedFramesWithNullIdAndDoesNotStoreThem() throws Exception {
        started(100);
        get(broker.subscribe("t"));

        get(broker.publish("t", "{\"type\":\"typing\"}"));

        await().atMost(WAIT).until(() -> listener.frames().size() == 1);
        StoredFrame frame = listener.frames().getFirst();
        assertThat(frame.topic()).isEqualTo("t");
        assertThat(frame.id()).isNull();
        assertThat(frame.ephemeral()).isTrue();
        assertThat(frame.frame()).isEqualTo("{\"type\":\"typing\"}");
        assertThat(get(broker.readBefore("t", null, 10)).frames()).isEmpty();
    }

    @Test
    void doesNotDeliverPublishedFramesOfUnsubscribedTopics() throws Exception {
        started(100);

        get(broker.publish("t", "ephemeral"));
        String marker = appendMarker();

        await().atMost(WAIT).until(() -> listener.has(marker));
        assertThat(listener.frames()).extracting(StoredFrame::frame).doesNotContain("ephemeral");
    }

    @Test
    void keepsAppendsAndPublishesInCallOrder() throws Exception {
        started(100);
        get(broker.subscribe("t"));

        String first = get(broker.append("t", TEMPLATE));
        get(broker.publish("t", "between"));
        String second = get(broker.append("t", TEMPLATE));

        await().atMost(WAIT).until(() -> listener.frames().size() == 3);
        assertThat(listener.frames()).extracting(StoredFrame::id).containsExactly(first, null, second);
    }

    @Test
    void reportsUpOnStartAndClosedOnClose() {
        started(10);
        assertThat(broker.state()).isEqualTo(BrokerState.UP);
        await().atMost(WAIT).until(() -> listener.states().contains(BrokerState.UP));

        broker.close();

        assertThat(broker.state()).isEqualTo(BrokerState.CLOSED);
    }

    // ---- history ---------------------------------------------------------------------------

    @Test
    void capsHistoryAtMaxLenKeepingTheNewest() throws Exception {
        started(3);
        List<String> ids = appendMany("t", 5);

        HistoryPage page = get(broker.readBefore("t", null, 100));

        assertThat(page.frames()).extracting(StoredFrame::id).containsExactlyElementsOf(ids.subList(2, 5));
        assertThat(page.more()).isFalse();
    }

    @Test
    void readsAfterAnIdExclusivelyOldestFirst() throws Exception {
        started(100);
        List<String> ids = appendMany("t", 5);

        HistoryPage page = get(broker.readAfter("t", ids.get(1), 100));

        assertThat(page.frames()).extracting(StoredFrame::id).containsExactlyElementsOf(ids.subList(2, 5));
        assertThat(page.covered()).isTrue();
        assertThat(page.more()).isFalse();
    }

    @Test
    void readsAfterTheNewestIdAsAnEmptyCoveredPage() throws Exception {
        started(100);
        List<String> ids = appendMany("t", 3);

        HistoryPage page = get(broker.readAfter("t", ids.getLast(), 100));

        assertThat(page.frames()).isEmpty();
        assertThat(page.covered()).isTrue();
        assertThat(page.more()).isFalse();
    }

    @Test
    void pagesReadsAfterAnIdWithMore() throws Exception {
        started(100);
        List<String> ids = appendMany("t", 5);

        HistoryPage first = get(broker.readAfter("t", ids.get(0), 2));
        HistoryPage second = get(broker.readAfter("t", first.frames().getLast().id(), 2));

        assertThat(first.frames()).extracting(StoredFrame::id).containsExactly(ids.get(1), ids.get(2));
        assertThat(first.more()).isTrue();
        assertThat(second.frames()).extracting(StoredFrame::id).containsExactly(ids.get(3), ids.get(4));
        assertThat(second.more()).isFalse();
    }

    @Test
    void readAfterIsNotCoveredOnceHistoryWasTrimmedPastTheId() throws Exception {
        started(3);
        List<String> ids = appendMany("t", 6); // keeps ids 3, 4, 5

        HistoryPage trimmed = get(broker.readAfter("t", ids.get(0), 100));
        HistoryPage kept = get(broker.readAfter("t", ids.get(3), 100));

        assertThat(trimmed.covered()).isFalse();
        assertThat(trimmed.frames()).extracting(StoredFrame::id).containsExactlyElementsOf(ids.subList(3, 6));
        assertThat(kept.covered()).isTrue();
        assertThat(kept.frames()).extracting(StoredFrame::id).containsExactlyElementsOf(ids.subList(4, 6));
    }

    @Test
    void readAfterOfAnEmptyTopicIsCovered() throws Exception {
        started(3);

        HistoryPage page = get(broker.readAfter("nothing", "5-0", 10));

        assertThat(page.frames()).isEmpty();
        assertThat(page.covered()).isTrue();
    }

    @Test
    void pagesBackwardsOldestFirstWithMore() throws Exception {
        started(100);
        List<String> ids = appendMany("t", 7);

        HistoryPage latest = get(broker.readBefore("t", null, 3));
        HistoryPage older = get(broker.readBefore("t", latest.frames().getFirst().id(), 3));
        HistoryPage oldest = get(broker.readBefore("t", older.frames().getFirst().id(), 3));

        assertThat(latest.frames()).extracting(StoredFrame::id).containsExactlyElementsOf(ids.subList(4, 7));
        assertThat(latest.more()).isTrue();
        assertThat(older.frames()).extracting(StoredFrame::id).containsExactlyElementsOf(ids.subList(1, 4));
        assertThat(older.more()).isTrue();
        assertThat(oldest.frames()).extracting(StoredFrame::id).containsExactly(ids.get(0));
        assertThat(oldest.more()).isFalse();
        assertThat(latest.covered()).isTrue();
    }

    @Test
    void readBeforeAnExactPageSizeHasNoMore() throws Exception {
        started(100);
        List<String> ids = appendMany("t", 3);

        HistoryPage page = get(broker.readBefore("t", null, 3));

        assertThat(page.frames()).extracting(StoredFrame::id).containsExactlyElementsOf(ids);
        assertThat(page.more()).isFalse();
    }

    @Test
    void readsFailWithBrokerExceptionForInvalidIds() {
        started(100);

        assertThatThrownBy(() -> get(broker.readAfter("t", "garbage", 10))).isInstanceOf(BrokerException.class);
        assertThatThrownBy(() -> get(broker.readBefore("t", "1-x", 10))).isInstanceOf(BrokerException.class);
    }

    @Test
    void refusesANonPositiveHistoryLength() {
        assertThatIllegalArgumentException().isThrownBy(() -> new InMemoryBroker(0, now::get));
    }

    // ---- presence --------------------------------------------------------------------------

    @Test
    void countsAMemberPresentOnTwoNodesOnce() throws Exception {
        started(10);

        assertThat(get(broker.addPresence("room:r", "alice", "gw-1", 10_000))).isTrue();
        assertThat(get(broker.addPresence("room:r", "alice", "gw-2", 10_000))).isFalse();

        assertThat(get(broker.presence("room:r"))).containsExactly("alice");
    }

    @Test
    void keepsAMemberPresentWhileAnotherNodeHoldsIt() throws Exception {
        started(10);
        get(broker.addPresence("room:r", "alice", "gw-1", 10_000));
        get(broker.addPresence("room:r", "alice", "gw-2", 10_000));

        assertThat(get(broker.removePresence("room:r", "alice", "gw-1"))).isFalse();
        assertThat(get(broker.presence("room:r"))).containsExactly("alice");

        assertThat(get(broker.removePresence("room:r", "alice", "gw-2"))).isTrue();
        assertThat(get(broker.presence("room:r"))).isEmpty();
    }

    @Test
    void listsMembersSortedAndPerTopic() throws Exception {
        started(10);
        get(broker.addPresence("room:r", "carol", "gw-1", 10_000));
        get(broker.addPresence("room:r", "alice", "gw-1", 10_000));
        get(broker.addPresence("room:r", "bob", "gw-2", 10_000));
        get(broker.addPresence("room:other", "dave", "gw-1", 10_000));

        assertThat(get(broker.presence("room:r"))).containsExactly("alice", "bob", "carol");
        assertThat(get(broker.presence("room:other"))).containsExactly("dave");
        assertThat(get(broker.presence("room:none"))).isEmpty();
    }

    @Test
    void expiresEntriesAndSweepReturnsOnlyMembersGoneEverywhere() throws Exception {
        started(10);
        get(broker.addPresence("room:r", "alice", "gw-dead", 1_000));
        get(broker.addPresence("room:r", "bob", "gw-dead", 1_000));
        get(broker.addPresence("room:r", "bob", "gw-live", 60_000));

        now.addAndGet(1_000);

        assertThat(get(broker.presence("room:r"))).containsExactly("bob");
        assertThat(get(broker.sweepPresence(1_000))).containsExactly(new PresenceEntry("room:r", "alice"));
        assertThat(get(broker.sweepPresence(1_000))).isEmpty();

        now.addAndGet(60_000);

        assertThat(get(broker.sweepPresence(1_000))).containsExactly(new PresenceEntry("room:r", "bob"));
        assertThat(get(broker.presence("room:r"))).isEmpty();
    }

    @Test
    void keepsEntriesAliveUntilTheirTtl() throws Exception {
        started(10);
        get(broker.addPresence("room:r", "alice", "gw-1", 1_000));

        now.addAndGet(999);

        assertThat(get(broker.presence("room:r"))).containsExactly("alice");
        assertThat(get(broker.sweepPresence(1_000))).isEmpty();
    }

    @Test
    void refreshExtendsTheLifeOfEntries() throws Exception {
        started(10);
        get(broker.addPresence("room:r", "alice", "gw-1", 1_000));
        now.addAndGet(900);

        get(broker.refreshPresence(List.of(new PresenceEntry("room:r", "alice")), "gw-1", 1_000));
        now.addAndGet(900);

        assertThat(get(broker.presence("room:r"))).containsExactly("alice");
        assertThat(get(broker.sweepPresence(1_000))).isEmpty();
    }

    @Test
    void reportsAMemberNewAgainAfterItsEntryExpired() throws Exception {
        started(10);
        get(broker.addPresence("room:r", "alice", "gw-1", 1_000));
        now.addAndGet(5_000);

        assertThat(get(broker.addPresence("room:r", "alice", "gw-2", 1_000))).isTrue();
    }

    // ---- lifecycle -------------------------------------------------------------------------

    @Test
    void failsEveryOperationWithBrokerExceptionAfterClose() {
        started(10);
        broker.close();
        broker.close(); // idempotent

        List<Supplier<CompletionStage<?>>> operations = List.of(
                () -> broker.subscribe("t"),
                () -> broker.unsubscribe("t"),
                () -> broker.append("t", TEMPLATE),
                () -> broker.publish("t", "x"),
                () -> broker.readAfter("t", "1-0", 10),
                () -> broker.readBefore("t", null, 10),
                () -> broker.addPresence("t", "alice", "gw-1", 1_000),
                () -> broker.removePresence("t", "alice", "gw-1"),
                () -> broker.refreshPresence(List.of(new PresenceEntry("t", "alice")), "gw-1", 1_000),
                () -> broker.presence("t"),
                () -> broker.sweepPresence(1_000));

        for (Supplier<CompletionStage<?>> operation : operations) {
            assertThatThrownBy(() -> get(operation.get())).isInstanceOf(BrokerException.class);
        }
        assertThat(broker.state()).isEqualTo(BrokerState.CLOSED);
    }

    @Test
    void failsOperationsBeforeStart() {
        broker = new InMemoryBroker(10, now::get);

        assertThat(broker.state()).isEqualTo(BrokerState.CONNECTING);
        assertThatThrownBy(() -> get(broker.append("t", TEMPLATE))).isInstanceOf(BrokerException.class);
    }

    // ---- helpers ---------------------------------------------------------------------------

    /**
     * Appends to a separate subscribed topic: deliveries are made in call order by one thread, so
     * once the marker arrived every earlier delivery has arrived too.
     *
     * @return the marker's id
     */
    private String appendMarker() throws Exception {
        get(broker.subscribe(MARKER));
        return get(broker.append(MARKER, TEMPLATE));
    }

    private List<String> appendMany(String topic, int count) throws Exception {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            ids.add(get(broker.append(topic, TEMPLATE)));
        }
        return ids;
    }

    /** Waits for a stage, bounded, and unwraps its failure. */
    private static <T> T get(CompletionStage<T> stage) throws Exception {
        try {
            return stage.toCompletableFuture().get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception cause ? cause : e;
        }
    }

    private static final class RecordingListener implements BrokerListener {
        private final List<StoredFrame> frames = new CopyOnWriteArrayList<>();
        private final List<Thread> threads = new CopyOnWriteArrayList<>();
        private final List<BrokerState> states = new CopyOnWriteArrayList<>();

        @Override
        public void onFrame(StoredFrame frame) {
            threads.add(Thread.currentThread());
            frames.add(frame);
        }

        @Override
        public void onStateChange(BrokerState state) {
            states.add(state);
        }

        List<StoredFrame> frames() {
            return List.copyOf(frames);
        }

        List<Thread> threads() {
            return List.copyOf(threads);
        }

        List<BrokerState> states() {
            return List.copyOf(states);
        }

        boolean has(String markerId) {
            return frames.stream().anyMatch(f -> MARKER.equals(f.topic()) && markerId.equals(f.id()));
        }
    }
}
