package io.chatrelay.broker;

import org.assertj.core.api.SoftAssertions;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Set;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;
import static org.awaitility.Awaitility.await;

/**
 * What every {@link Broker} and {@link PresenceStore} implementation promises, run against each of
 * them by a subclass that says how to create one ({@code InMemoryBrokerTest}, {@code RedisBrokerIT},
 * {@code RedisClusterBrokerIT}).
 *
 * <p>Nothing here knows an implementation: waits are bounded and poll (Awaitility), presence uses
 * a short time-to-live ({@link #TTL}) and sweep period ({@link #SWEEP}) in real time, and trimming
 * is checked only as far as an approximate cap ({@code XADD MAXLEN ~}) guarantees it. Negative
 * delivery checks ("not delivered") append a marker to a topic {@linkplain #topicBeside beside}
 * the one checked and wait for it: a broker delivers what it receives in order, so once the
 * marker arrived, anything sent before it would have arrived too.
 */
public abstract class BrokerContract {
    /** Longest wait for anything; every wait is bounded by it. */
    protected static final Duration WAIT = Duration.ofSeconds(15);
    /** Life of a short-lived presence entry. */
    protected static final Duration TTL = Duration.ofMillis(300);
    /** Sweep period (and sweep lock) of every presence store here. */
    protected static final Duration SWEEP = Duration.ofMillis(200);
    /** Life of an entry that must not expire during a test. */
    protected static final Duration LONG_TTL = Duration.ofMinutes(5);
    /** What the frames of these tests are. */
    protected static final FrameMeta META = new FrameMeta("message", "alice", 1_732_291_234_567L);

    private static final List<String> INVALID_IDS = List.of("garbage", "1-x", "-1-0", "", "1-0-0", "99999999999999999999-0");

    private final List<Broker> brokers = new ArrayList<>();
    private Broker sharedPresenceBroker;

    // ---- what an implementation provides ----------------------------------------------------

    /**
     * Creates a broker, not started. Brokers created during one test that
     * {@linkplain #brokersShareTheStore share the store} use the same data (for Redis: the same
     * key prefix, unique to the test). The contract starts and closes them.
     *
     * @param historyMaxLen frames kept per topic (approximately, for Redis)
     * @return a new broker
     */
    protected abstract Broker newBroker(int historyMaxLen);

    /**
     * The presence store of a node on a broker.
     *
     * @param broker a broker from {@link #newBroker}
     * @param node   the node id
     * @param ttl    life of an entry without refresh
     * @param sweep  the sweep period (one sweep per period among all nodes)
     * @return the store
     */
    protected abstract PresenceStore presenceStore(Broker broker, String node, Duration ttl, Duration sweep);

    /**
     * The directory of known users on a broker.
     *
     * @param broker    a broker from {@link #newBroker}
     * @param retention how long a user stays known
     * @return the directory
     */
    protected abstract UserDirectory directory(Broker broker, Duration retention);

    /**
     * The read state on a broker.
     *
     * @param broker a broker from {@link #newBroker}
     * @return read cursors and receipts
     */
    protected abstract ReadState readState(Broker broker);

    /**
     * Bans and mutes on a broker.
     *
     * @param broker a broker from {@link #newBroker}
     * @return the store
     */
    protected abstract Moderation moderation(Broker broker);

    /**
     * The event log on a broker.
     *
     * @param broker a broker from {@link #newBroker}
     * @param maxLen the most events kept
     * @return the log
     */
    protected abstract EventLog eventLog(Broker broker, int maxLen);

    /**
     * Whether two brokers of one test share their data, as two gateways on one Redis do. When they
     * do, each node of a test gets its own broker (its own connections); when they do not (one
     * process, in memory), every node uses one broker.
     *
     * @return {@code true} when brokers of one test see each other's frames and presence
     */
    protected abstract boolean brokersShareTheStore();

    /**
     * Cuts every subscription of the brokers of this test, the way a network failure does, and
     * returns at once: the broker is expected to restore them by itself and deliver what it missed.
     *
     * @return {@code true} if subscriptions were really cut; {@code false} where there is
     *         nothing to cut (in memory)
     * @throws Exception if cutting failed
     */
    protected boolean interruptSubscriptions() throws Exception {
        return false;
    }

    /**
     * Whether {@link #interruptSubscriptions} makes the broker report {@link BrokerState#DOWN}
     * and then {@link BrokerState#UP} again: so with one Redis; not with a cluster, whose
     * connections to its shards are cut and restored one by one, and whose broker stays up while
     * most of the slots are reachable (failures are contained to a shard).
     *
     * @return {@code true} when the cut is seen as the broker going down
     */
    protected boolean interruptionTakesTheBrokerDown() {
        return true;
    }

    /**
     * Distinct topics for a test. Where it matters (a cluster), they are spread over the shards:
     * consecutive topics on different shards.
     *
     * @param base  a name to start from
     * @param count how many
     * @return the topics
     */
    protected List<String> topics(String base, int count) {
        List<String> topics = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            topics.add(base + "-" + i);
        }
        return topics;
    }

    /**
     * Another topic whose frames reach a subscriber in order with those of {@code topic}: on a
     * cluster, one in the same hash slot, so that both come over one shard connection.
     *
     * @param topic a topic
     * @return a different topic beside it
     */
    protected String topicBeside(String topic) {
        return topic + "-beside";
    }

    // ---- helpers for the contract and its subclasses ----------------------------------------

    /**
     * A new broker, started and up.
     *
     * @param historyMaxLen frames kept per topic
     * @param listener      its listener
     * @return the broker, closed after the test
     */
    protected final Broker started(int historyMaxLen, BrokerListener listener) {
        Broker broker = created(historyMaxLen);
        broker.start(listener);
        await().atMost(WAIT).pollInterval(Duration.ofMillis(20)).until(() -> broker.state() == BrokerState.UP);
        return broker;
    }

    /**
     * A broker from {@link #newBroker}, not started, closed after the test.
     *
     * @param historyMaxLen frames kept per topic
     * @return the broker
     */
    protected final Broker created(int historyMaxLen) {
        Broker broker = newBroker(historyMaxLen);
        brokers.add(broker);
        return broker;
    }

    /**
     * Another gateway on the same store as {@code broker}: a new started broker where brokers share
     * the store, else {@code broker} itself.
     *
     * @param broker        a started broker
     * @param historyMaxLen frames kept per topic
     * @return a broker whose appends reach {@code broker}'s subscriptions
     */
    protected final Broker otherNode(Broker broker, int historyMaxLen) {
        return brokersShareTheStore() ? started(historyMaxLen, new Recorder()) : broker;
    }

    /**
     * A node's presence store on this test's presence data.
     *
     * @param node the node id
     * @param ttl  life of its entries
     * @return the store
     */
    protected final PresenceStore node(String node, Duration ttl) {
        return node(node, ttl, SWEEP);
    }

    /**
     * A node's presence store on this test's presence data.
     *
     * @param node  the node id
     * @param ttl   life of its entries
     * @param sweep its sweep period
     * @return the store
     */
    protected final PresenceStore node(String node, Duration ttl, Duration sweep) {
        Broker broker;
        if (brokersShareTheStore()) {
            broker = started(10, new Recorder());
        } else {
            if (sharedPresenceBroker == null) {
                sharedPresenceBroker = started(10, new Recorder());
            }
            broker = sharedPresenceBroker;
        }
        return presenceStore(broker, node, ttl, sweep);
    }

    @AfterEach
    void closeBrokers() {
        brokers.forEach(Broker::close);
    }

    /**
     * Waits, bounded, for a stage and unwraps its failure.
     *
     * @param stage the stage
     * @param <T>   its result type
     * @return its result
     * @throws Exception its failure, or a timeout
     */
    protected static <T> T get(CompletionStage<T> stage) throws Exception {
        try {
            return stage.toCompletableFuture().get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception cause ? cause : e;
        }
    }

    /**
     * How a call failed: its future's failure. A call that throws by itself instead of returning a
     * failed future, or whose future succeeds, yields something that is no {@link BrokerException}.
     *
     * @param call the call
     * @return the failure of its future
     */
    protected static Throwable failureOf(Callable<? extends CompletionStage<?>> call) {
        CompletionStage<?> stage;
        try {
            stage = call.call();
        } catch (Exception e) {
            return new IllegalStateException("thrown by the call itself instead of failing its future: " + e, e);
        }
        try {
            Object result = stage.toCompletableFuture().get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            return new IllegalStateException("completed normally with " + result);
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (InterruptedException | TimeoutException e) {
            return new IllegalStateException("did not complete", e);
        }
    }

    /** Polls often, bounded by {@link #WAIT}. */
    protected static ConditionFactory eventually() {
        return await().atMost(WAIT).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(20));
    }

    /**
     * A frame of a test, JSON-like, with the id in the middle.
     *
     * @param text what distinguishes it
     * @return the template
     */
    protected static FrameTemplate frame(String text) {
        return new FrameTemplate(META, "{\"id\":\"", "\",\"text\":\"" + text + "\"}");
    }

    /**
     * Appends frames one after the other.
     *
     * @param broker the broker
     * @param topic  the topic
     * @param count  how many
     * @return their ids in append order
     * @throws Exception if an append failed
     */
    protected static List<String> appendMany(Broker broker, String topic, int count) throws Exception {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            ids.add(get(broker.append(topic, frame(topic + " #" + i))));
        }
        return ids;
    }

    /** The member ids of a presence listing, in its order. */
    protected static List<String> ids(List<PresenceEntry> members) {
        return members.stream().map(PresenceEntry::member).toList();
    }

    private static List<String> ids(HistoryPage page) {
        return page.frames().stream().map(StoredFrame::id).toList();
    }

    /**
     * Appends a marker to a subscribed topic beside {@code topic} and waits until it is delivered:
     * then everything sent to {@code topic} before has been delivered too.
     */
    private void awaitQuiet(Broker broker, Recorder listener, String topic) throws Exception {
        String beside = topicBeside(topic);
        get(broker.subscribe(beside));
        String marker = get(broker.append(beside, frame("marker")));
        eventually().until(() -> listener.has(beside, marker));
    }

    // ---- ids ---------------------------------------------------------------------------------

    @Test
    void assignsStreamIdsStrictlyIncreasingPerTopic() throws Exception {
        Broker broker = started(1000, new Recorder());
        List<String> topics = topics("room:ids", 2);
        Map<String, List<String>> ids = new LinkedHashMap<>();
        for (int i = 0; i < 30; i++) {
            for (String topic : topics) {
                ids.computeIfAbsent(topic, t -> new ArrayList<>()).add(get(broker.append(topic, frame("n" + i))));
            }
        }

        ids.forEach((topic, list) -> {
            assertThat(list).as(topic).allMatch(StreamId::isValid).doesNotHaveDuplicates();
            for (int i = 1; i < list.size(); i++) {
                assertThat(StreamId.compare(list.get(i - 1), list.get(i))).as("%s: %s < %s", topic, list.get(i - 1), list.get(i))
                        .isNegative();
            }
        });
    }

    @Test
    void keepsTopicsIndependent() throws Exception {
        Recorder listener = new Recorder();
        Broker broker = started(5, listener);
        List<String> topics = topics("room:indep", 2);
        String quiet = topics.get(0);
        String busy = topics.get(1);
        get(broker.subscribe(quiet));
        List<String> quietIds = appendMany(broker, quiet, 3);
        List<String> busyIds = appendMany(broker, busy, 300);

        HistoryPage quietHistory = get(broker.readBefore(quiet, null, 100));
        assertThat(ids(quietHistory)).as("another topic's appends neither trim nor join this one's history")
                .containsExactlyElementsOf(quietIds);
        assertThat(quietHistory.frames()).allMatch(f -> f.topic().equals(quiet));
        assertThat(get(broker.readAfter(quiet, quietIds.getFirst(), 100)).covered()).isTrue();
        assertThat(get(broker.readBefore(busy, null, 1000)).frames()).allMatch(f -> f.topic().equals(busy))
                .extracting(StoredFrame::id).isSubsetOf(busyIds);
        eventually().until(() -> listener.ids(quiet).size() == 3);
        assertThat(listener.frames()).extracting(StoredFrame::topic).containsOnly(quiet);
    }

    // ---- frames ------------------------------------------------------------------------------

    @Test
    void rendersTheAssignedIdIntoTheFrameLiveAndInHistory() throws Exception {
        Recorder listener = new Recorder();
        Broker broker = started(100, listener);
        get(broker.subscribe("room:render"));
        FrameTemplate template = new FrameTemplate(META, "{\"id\":\"", "\",\"text\":\"line one\\nline | two\",\"x\":\"é ✓ 🚀\"}\n");
        FrameTemplate multiLine = new FrameTemplate(META, "<\n", "\n>");

        String id = get(broker.append("room:render", template));
        String id2 = get(broker.append("room:render", multiLine));

        eventually().until(() -> listener.ids("room:render").size() == 2);
        List<StoredFrame> expected = List.of(template.stored("room:render", id), multiLine.stored("room:render", id2));
        assertThat(listener.frames("room:render")).containsExactlyElementsOf(expected);
        assertThat(get(broker.readBefore("room:render", null, 10)).frames()).containsExactlyElementsOf(expected);
        assertThat(expected.getFirst().frame()).isEqualTo("{\"id\":\"" + id + "\",\"text\":\"line one\\nline | two\",\"x\":\"é ✓ 🚀\"}\n");
    }

    @Test
    void carriesKindSenderAndTimeBesideTheFrameLiveAndInHistory() throws Exception {
        Recorder listener = new Recorder();
        Broker broker = started(100, listener);
        get(broker.subscribe("room:meta"));
        FrameMeta message = new FrameMeta("message", "user-42", 1_732_291_234_567L);
        FrameMeta notice = new FrameMeta("room.notice_v2", "", 0);
        FrameMeta typing = new FrameMeta("typing", "bob", 1_800_000_000_123L);

        String first = get(broker.append("room:meta", new FrameTemplate(message, "m:", "")));
        String second = get(broker.append("room:meta", new FrameTemplate(notice, "n:", "")));
        get(broker.publish("room:meta", typing, "t:bob"));

        eventually().until(() -> listener.frames("room:meta").size() == 3);
        assertThat(listener.frames("room:meta")).containsExactly(
                new StoredFrame("room:meta", first, message, "m:" + first),
                new StoredFrame("room:meta", second, notice, "n:" + second),
                new StoredFrame("room:meta", null, typing, "t:bob"));
        assertThat(get(broker.readBefore("room:meta", null, 10)).frames()).extracting(StoredFrame::meta)
                .containsExactly(message, notice);
        assertThat(get(broker.readAfter("room:meta", first, 10)).frames()).extracting(StoredFrame::meta)
                .containsExactly(notice);
    }

    // ---- delivery ----------------------------------------------------------------------------

    @Test
    void deliversAppendsOnceEachInIdOrderOnOneThreadThatIsNotTheCallers() throws Exception {
        Recorder listener = new Recorder();
        Recorder publisherListener = new Recorder();
        Broker subscriber = started(1000, listener);
        Broker publisher = brokersShareTheStore() ? started(1000, publisherListener) : subscriber;
        get(subscriber.subscribe("room:order"));

        List<String> ids = appendMany(publisher, "room:order", 100);

        eventually().until(() -> listener.ids("room:order").size() >= 100);
        awaitQuiet(subscriber, listener, "room:order");
        assertThat(listener.ids("room:order")).containsExactlyElementsOf(ids);
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < ids.size(); i++) {
            texts.add(frame("room:order #" + i).render(ids.get(i)));
        }
        assertThat(listener.frames("room:order")).extracting(StoredFrame::frame).containsExactlyElementsOf(texts);
        assertThat(listener.threads()).containsOnly(listener.threads().getFirst());
        assertThat(listener.threads().getFirst()).isNotSameAs(Thread.currentThread());
        assertThat(publisherListener.frames()).as("a broker that did not subscribe gets nothing").isEmpty();
    }

    @Test
    void deliversOnlyTopicsThisBrokerIsSubscribedTo() throws Exception {
        Recorder listener = new Recorder();
        Broker broker = started(100, listener);
        String subscribed = "room:sub";
        String other = topicBeside(subscribed);
        get(broker.append(subscribed, frame("before subscribing")));
        get(broker.subscribe(subscribed));

        get(broker.append(other, frame("other")));
        get(broker.publish(other, META, "other, ephemeral"));
        String delivered = get(broker.append(subscribed, frame("delivered")));
        get(broker.publish(subscribed, META, "delivered, ephemeral"));

        eventually().until(() -> listener.frames(subscribed).size() == 2);
        assertThat(listener.frames()).extracting(StoredFrame::id).containsExactly(delivered, null);
        assertThat(listener.frames()).extracting(StoredFrame::topic).containsOnly(subscribed);
    }

    @Test
    void deliversConcurrentAppendsOnceEachInOrder() throws Exception {
        Recorder listener = new Recorder();
        Broker broker = started(10_000, listener);
        get(broker.subscribe("room:concurrent"));
        int threads = 4;
        int perThread = 100;
        List<String> ids = new CopyOnWriteArrayList<>();

        try (ExecutorService pool = Executors.newFixedThreadPool(threads)) {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                futures.add(pool.submit(() -> {
                    for (int i = 0; i < perThread; i++) {
                        ids.add(get(broker.append("room:concurrent", frame(thread + "/" + i))));
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            }
        }

        eventually().until(() -> listener.ids("room:concurrent").size() >= threads * perThread);
        awaitQuiet(broker, listener, "room:concurrent");
        List<String> delivered = listener.ids("room:concurrent");
        assertThat(delivered).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(ids);
        assertThat(delivered).isSortedAccordingTo(StreamId::compare);
        assertThat(ids(get(broker.readAfter("room:concurrent", delivered.getFirst(), 10_000))))
                .containsExactlyElementsOf(delivered.subList(1, delivered.size()));
    }

    @Test
    void subscribeAndUnsubscribeAreIdempotent() throws Exception {
        Recorder listener = new Recorder();
        Broker broker = started(100, listener);
        String topic = "room:idem";
        get(broker.unsubscribe(topic));
        get(broker.subscribe(topic));
        get(broker.subscribe(topic));
        String first = get(broker.append(topic, frame("once")));
        awaitQuiet(broker, listener, topic);
        assertThat(listener.ids(topic)).containsExactly(first);

        get(broker.unsubscribe(topic));
        get(broker.unsubscribe(topic));
        get(broker.append(topic, frame("after unsubscribing")));
        get(broker.publish(topic, META, "ephemeral after unsubscribing"));
        awaitQuiet(broker, listener, topic);
        assertThat(listener.frames(topic)).extracting(StoredFrame::id).containsExactly(first);

        get(broker.subscribe(topic));
        String again = get(broker.append(topic, frame("subscribed again")));
        eventually().until(() -> listener.has(topic, again));
        assertThat(listener.ids(topic)).containsExactly(first, again);
    }

    @Test
    void deliversEphemeralFramesWithANullIdWithoutStoringThem() throws Exception {
        Recorder listener = new Recorder();
        Broker broker = started(100, listener);
        get(broker.subscribe("room:eph"));

        get(broker.publish("room:eph", META, "{\"type\":\"typing\"}"));

        eventually().until(() -> listener.frames("room:eph").size() == 1);
        StoredFrame frame = listener.frames("room:eph").getFirst();
        assertThat(frame).isEqualTo(new StoredFrame("room:eph", null, META, "{\"type\":\"typing\"}"));
        assertThat(frame.ephemeral()).isTrue();
        HistoryPage history = get(broker.readBefore("room:eph", null, 10));
        assertThat(history.frames()).isEmpty();
        assertThat(history.more()).isFalse();
    }

    @Test
    void keepsAppendsAndPublishesOfATopicInCallOrder() throws Exception {
        Recorder listener = new Recorder();
        Broker broker = started(100, listener);
        get(broker.subscribe("room:calls"));

        String first = get(broker.append("room:calls", frame("1")));
        get(broker.publish("room:calls", META, "between"));
        String second = get(broker.append("room:calls", frame("2")));
        get(broker.publish("room:calls", META, "last"));

        eventually().until(() -> listener.frames("room:calls").size() == 4);
        assertThat(listener.frames("room:calls")).extracting(StoredFrame::id).containsExactly(first, null, second, null);
        assertThat(listener.frames("room:calls")).extracting(StoredFrame::frame).containsExactly(
                frame("1").render(first), "between", frame("2").render(second), "last");
    }

    @Test
    void catchesUpFramesAppendedWhileSubscriptionsWereInterruptedOnceEachInOrder() throws Exception {
        Recorder listener = new Recorder();
        Broker subscriber = started(1000, listener);
        Broker publisher = otherNode(subscriber, 1000);
        List<String> topics = topics("room:gap", 3);
        Map<String, List<String>> appended = new LinkedHashMap<>();
        for (String topic : topics) {
            get(subscriber.subscribe(topic));
            appended.put(topic, new ArrayList<>(List.of(get(publisher.append(topic, frame("before"))))));
        }
        eventually().until(() -> topics.stream().allMatch(t -> listener.ids(t).size() == 1));

        boolean cut = interruptSubscriptions();
        for (int i = 0; i < 10; i++) {
            for (String topic : topics) {
                appended.get(topic).add(get(publisher.append(topic, frame("during " + i))));
            }
        }
        boolean down = cut && interruptionTakesTheBrokerDown();
        if (down) {
            eventually().until(() -> listener.states().contains(BrokerState.DOWN) && subscriber.state() == BrokerState.UP);
        }
        for (String topic : topics) {
            appended.get(topic).add(get(publisher.append(topic, frame("after"))));
        }

        eventually().until(() -> topics.stream().allMatch(t -> listener.ids(t).size() >= appended.get(t).size()));
        for (String topic : topics) {
            appended.get(topic).add(get(publisher.append(topic, frame("last"))));
        }
        eventually().until(() -> topics.stream().allMatch(t -> listener.has(t, appended.get(t).getLast())));
        for (String topic : topics) {
            assertThat(listener.ids(topic)).as(topic).containsExactlyElementsOf(appended.get(topic));
        }
        if (down) {
            assertThat(listener.states()).containsSubsequence(BrokerState.UP, BrokerState.DOWN, BrokerState.UP);
        }
        assertThat(subscriber.state()).isEqualTo(BrokerState.UP);
    }

    // ---- history -----------------------------------------------------------------------------

    @Test
    void readsATopicThatNeverExistedAsAnEmptyCoveredPage() throws Exception {
        Broker broker = started(10, new Recorder());

        for (HistoryPage page : List.of(get(broker.readAfter("room:never", "5-0", 10)),
                get(broker.readAfter("room:never", "0-0", 10)),
                get(broker.readBefore("room:never", null, 10)),
                get(broker.readBefore("room:never", "5-0", 10)))) {
            assertThat(page.frames()).isEmpty();
            assertThat(page.covered()).isTrue();
            assertThat(page.more()).isFalse();
        }
    }

    @Test
    void readsAfterAnIdExclusivelyOldestFirst() throws Exception {
        Broker broker = started(100, new Recorder());
        List<String> ids = appendMany(broker, "room:after", 5);

        HistoryPage page = get(broker.readAfter("room:after", ids.get(1), 100));
        HistoryPage newest = get(broker.readAfter("room:after", ids.getLast(), 100));

        assertThat(ids(page)).containsExactlyElementsOf(ids.subList(2, 5));
        assertThat(page.covered()).isTrue();
        assertThat(page.more()).isFalse();
        assertThat(newest.frames()).isEmpty();
        assertThat(newest.covered()).isTrue();
        assertThat(newest.more()).isFalse();
    }

    @Test
    void fillsPagesOfExactlyTheLimitWithoutMoreAndTellsWhenMoreExist() throws Exception {
        Broker broker = started(100, new Recorder());
        List<String> ids = appendMany(broker, "room:exact", 4);

        HistoryPage afterExact = get(broker.readAfter("room:exact", ids.get(0), 3));
        HistoryPage afterShort = get(broker.readAfter("room:exact", ids.get(0), 2));
        HistoryPage beforeExact = get(broker.readBefore("room:exact", ids.get(3), 3));
        HistoryPage beforeShort = get(broker.readBefore("room:exact", ids.get(3), 2));
        HistoryPage latestExact = get(broker.readBefore("room:exact", null, 4));
        HistoryPage latestShort = get(broker.readBefore("room:exact", null, 3));

        assertThat(ids(afterExact)).containsExactlyElementsOf(ids.subList(1, 4));
        assertThat(afterExact.more()).isFalse();
        assertThat(ids(afterShort)).containsExactlyElementsOf(ids.subList(1, 3));
        assertThat(afterShort.more()).isTrue();
        assertThat(ids(beforeExact)).containsExactlyElementsOf(ids.subList(0, 3));
        assertThat(beforeExact.more()).isFalse();
        assertThat(ids(beforeShort)).containsExactlyElementsOf(ids.subList(1, 3));
        assertThat(beforeShort.more()).isTrue();
        assertThat(ids(latestExact)).containsExactlyElementsOf(ids);
        assertThat(latestExact.more()).isFalse();
        assertThat(ids(latestShort)).containsExactlyElementsOf(ids.subList(1, 4));
        assertThat(latestShort.more()).isTrue();
        assertThat(List.of(afterExact, afterShort, beforeExact, beforeShort, latestExact, latestShort))
                .allMatch(HistoryPage::covered);
    }

    @Test
    void pagesBackwardsWithEachPageOldestFirst() throws Exception {
        Broker broker = started(100, new Recorder());
        List<String> ids = appendMany(broker, "room:back", 7);

        HistoryPage latest = get(broker.readBefore("room:back", null, 3));
        HistoryPage older = get(broker.readBefore("room:back", latest.frames().getFirst().id(), 3));
        HistoryPage oldest = get(broker.readBefore("room:back", older.frames().getFirst().id(), 3));

        assertThat(ids(latest)).containsExactlyElementsOf(ids.subList(4, 7));
        assertThat(latest.more()).isTrue();
        assertThat(ids(older)).containsExactlyElementsOf(ids.subList(1, 4));
        assertThat(older.more()).isTrue();
        assertThat(ids(oldest)).containsExactly(ids.getFirst());
        assertThat(oldest.more()).isFalse();
        assertThat(get(broker.readBefore("room:back", ids.getFirst(), 3)).frames()).isEmpty();
    }

    @Test
    void pagesForwardsUntilNoMore() throws Exception {
        Broker broker = started(100, new Recorder());
        List<String> ids = appendMany(broker, "room:fwd", 7);

        List<String> read = new ArrayList<>();
        List<Boolean> mores = new ArrayList<>();
        String after = ids.getFirst();
        HistoryPage page;
        do {
            page = get(broker.readAfter("room:fwd", after, 2));
            read.addAll(ids(page));
            mores.add(page.more());
            after = page.frames().isEmpty() ? after : page.frames().getLast().id();
        } while (page.more() && mores.size() < 10);

        assertThat(read).containsExactlyElementsOf(ids.subList(1, 7));
        assertThat(mores).containsExactly(true, true, false);
    }

    @Test
    void trimsHistoryToTheNewestFramesAndSaysWhenAnIdFellOut() throws Exception {
        int maxLen = 10;
        Broker broker = started(maxLen, new Recorder());
        List<String> ids = appendMany(broker, "room:trim", 250);

        List<String> kept = ids(get(broker.readBefore("room:trim", null, 1000)));
        HistoryPage fromStart = get(broker.readAfter("room:trim", ids.getFirst(), 1000));
        HistoryPage fromKept = get(broker.readAfter("room:trim", kept.getFirst(), 1000));
        HistoryPage latest = get(broker.readBefore("room:trim", null, 5));

        assertThat(kept).as("at least the cap, but trimmed").hasSizeBetween(maxLen, ids.size() - 1);
        assertThat(kept).as("the newest frames").containsExactlyElementsOf(ids.subList(ids.size() - kept.size(), ids.size()));
        assertThat(fromStart.covered()).isFalse();
        assertThat(ids(fromStart)).containsExactlyElementsOf(kept);
        assertThat(fromKept.covered()).isTrue();
        assertThat(ids(fromKept)).containsExactlyElementsOf(kept.subList(1, kept.size()));
        assertThat(ids(latest)).containsExactlyElementsOf(ids.subList(ids.size() - 5, ids.size()));
        assertThat(latest.more()).isTrue();
    }

    @Test
    void keepsFramesYoungerThanTheMinimumAgePastTheMaxLenUpToTheHardCap() throws Exception {
        int maxLen = 10;
        Broker broker = started(maxLen, new Recorder());
        AppendOptions young = new AppendOptions(Duration.ZERO).retain(Duration.ofHours(1), 400);
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 250; i++) {
            ids.add(get(broker.append("room:aged", frame("aged #" + i), young)).id());
        }
        HistoryPage all = get(broker.readAfter("room:aged", "0-0", 1000));
        assertThat(all.covered()).as("nothing younger than an hour was trimmed").isTrue();
        assertThat(ids(all)).containsExactlyElementsOf(ids);

        for (int i = 0; i < 750; i++) {
            ids.add(get(broker.append("room:aged", frame("aged #" + (250 + i)), young)).id());
        }
        List<String> kept = ids(get(broker.readBefore("room:aged", null, 2000)));
        assertThat(kept).as("the hard cap bounds it (approximately), the newest kept").hasSizeBetween(400, 999)
                .containsExactlyElementsOf(ids.subList(ids.size() - kept.size(), ids.size()));

        AppendOptions noAge = new AppendOptions(Duration.ZERO).retain(Duration.ofMillis(1), 400);
        Thread.sleep(5); // every frame is older than the minimum age now
        List<String> more = new ArrayList<>();
        for (int i = 0; i < 250; i++) {
            more.add(get(broker.append("room:aged", frame("old enough #" + i), noAge)).id());
        }
        List<String> trimmed = ids(get(broker.readBefore("room:aged", null, 2000)));
        assertThat(trimmed).as("older than the minimum age: back to about the max len").hasSizeBetween(maxLen, 250)
                .containsExactlyElementsOf(more.subList(more.size() - trimmed.size(), more.size()));
    }

    @Test
    void failsReadsAfterAnInvalidIdWithBrokerException() {
        Broker broker = started(10, new Recorder());

        SoftAssertions softly = new SoftAssertions();
        for (String invalid : INVALID_IDS) {
            softly.assertThat(failureOf(() -> broker.readAfter("room:ids", invalid, 10))).as("readAfter %s", invalid)
                    .isInstanceOf(BrokerException.class);
        }
        softly.assertThat(failureOf(() -> broker.readAfter("room:ids", null, 10))).as("readAfter null")
                .isInstanceOf(BrokerException.class);
        softly.assertAll();
    }

    @Test
    void failsReadsBeforeAnInvalidIdWithBrokerException() {
        Broker broker = started(10, new Recorder());

        SoftAssertions softly = new SoftAssertions();
        for (String invalid : INVALID_IDS) {
            softly.assertThat(failureOf(() -> broker.readBefore("room:ids", invalid, 10))).as("readBefore %s", invalid)
                    .isInstanceOf(BrokerException.class);
        }
        softly.assertAll();
    }

    // ---- lifecycle ---------------------------------------------------------------------------

    @Test
    void reportsUpOnceStarted() {
        Recorder listener = new Recorder();
        Broker broker = started(10, listener);

        assertThat(broker.state()).isEqualTo(BrokerState.UP);
        eventually().until(() -> listener.states().contains(BrokerState.UP));
    }

    @Test
    void failsEveryCallBeforeStartWithBrokerException() {
        Broker broker = created(10);
        PresenceStore presence = presenceStore(broker, "gw-1", TTL, SWEEP);

        assertThat(broker.state()).isEqualTo(BrokerState.CONNECTING);
        assertEveryCallFails(broker, presence);
    }

    @Test
    void failsEveryCallAfterCloseWithBrokerException() {
        Broker broker = started(10, new Recorder());
        PresenceStore presence = presenceStore(broker, "gw-1", TTL, SWEEP);

        broker.close();
        broker.close();

        assertThat(broker.state()).isEqualTo(BrokerState.CLOSED);
        assertEveryCallFails(broker, presence);
    }

    private void assertEveryCallFails(Broker broker, PresenceStore presence) {
        Map<String, Callable<CompletionStage<?>>> calls = new LinkedHashMap<>();
        calls.put("subscribe", () -> broker.subscribe("room:x"));
        calls.put("unsubscribe", () -> broker.unsubscribe("room:x"));
        calls.put("append", () -> broker.append("room:x", frame("x")));
        calls.put("publish", () -> broker.publish("room:x", META, "x"));
        calls.put("readAfter", () -> broker.readAfter("room:x", "1-0", 10));
        calls.put("readBefore", () -> broker.readBefore("room:x", null, 10));
        calls.put("readBefore an id", () -> broker.readBefore("room:x", "1-0", 10));
        calls.put("add", () -> presence.add("room:x", "alice", "alice"));
        calls.put("remove", () -> presence.remove("room:x", "alice"));
        calls.put("release", () -> presence.release("room:x", "alice", 100));
        calls.put("refresh", () -> presence.refresh(List.of(new PresenceEntry("room:x", "alice"))));
        calls.put("members", () -> presence.members("room:x"));
        calls.put("known", () -> directory(broker, LONG_TTL).known("alice"));
        calls.put("seen", () -> directory(broker, LONG_TTL).seen("alice"));
        calls.put("sweep", presence::sweep);
        SoftAssertions softly = new SoftAssertions();
        calls.forEach((name, call) -> softly.assertThat(failureOf(call)).as(name).isInstanceOf(BrokerException.class));
        softly.assertAll();
    }

    // ---- idempotent appends, fixed frames, counted sets, single reads ------------------------

    @Test
    void anAppendWithADedupKeyStoresAndDeliversOnceAndAnswersTheFirstIdToRetries() throws Exception {
        Recorder listener = new Recorder();
        Broker broker = started(100, listener);
        get(broker.subscribe("room:dedup"));
        AppendOptions once = AppendOptions.NONE.dedup("alice:c1", Duration.ofMinutes(1));

        Appended first = get(broker.append("room:dedup", frame("hi"), once));
        Appended retry = get(broker.append("room:dedup", frame("hi again"), once));
        Appended other = get(broker.append("room:dedup", frame("other"), AppendOptions.NONE.dedup("alice:c2", Duration.ofMinutes(1))));
        awaitQuiet(broker, listener, "room:dedup");

        assertThat(first.duplicate()).isFalse();
        assertThat(retry.duplicate()).isTrue();
        assertThat(retry.id()).isEqualTo(first.id());
        assertThat(other.id()).isNotEqualTo(first.id());
        assertThat(ids(get(broker.readBefore("room:dedup", null, 10)))).containsExactly(first.id(), other.id());
        assertThat(listener.ids("room:dedup")).containsExactly(first.id(), other.id());
    }

    @Test
    void concurrentAppendsWithOneDedupKeyStoreOneFrame() throws Exception {
        Broker broker = started(100, new Recorder());
        AppendOptions once = AppendOptions.NONE.dedup("bob:race", Duration.ofMinutes(1));
        List<CompletionStage<Appended>> all = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            all.add(broker.append("room:race", frame("n" + i), once));
        }
        Set<String> ids = new HashSet<>();
        for (CompletionStage<Appended> a : all) {
            ids.add(get(a).id());
        }

        assertThat(ids).hasSize(1);
        assertThat(get(broker.readBefore("room:race", null, 100)).frames()).hasSize(1);
    }

    @Test
    void storesAndDeliversAFixedFrameAsIsUnderItsOwnId() throws Exception {
        Recorder listener = new Recorder();
        Broker broker = started(100, listener);
        get(broker.subscribe("user:inbox"));
        String text = "{\"type\":\"message\",\"id\":\"1-7\",\"text\":\"copied\"}";

        String id = get(broker.append("user:inbox", FrameTemplate.fixed(META, text)));
        awaitQuiet(broker, listener, "user:inbox");

        assertThat(id).isNotEqualTo("1-7");
        assertThat(listener.frames("user:inbox").getFirst().frame()).isEqualTo(text);
        assertThat(get(broker.readBefore("user:inbox", null, 10)).frames().getFirst().frame()).isEqualTo(text);
        assertThat(get(broker.readBefore("user:inbox", null, 10)).frames().getFirst().id()).isEqualTo(id);
    }

    @Test
    void countsASetAndPublishesItsSizeOnlyWhenItChanges() throws Exception {
        Recorder listener = new Recorder();
        Broker broker = started(100, listener);
        get(broker.subscribe("room:rx"));
        FrameTemplate head = new FrameTemplate(META, "{\"type\":\"reaction\",\"id\":\"", ",\"emoji\":\"+1\"}");

        Counted a = get(broker.appendCounted("room:rx", PLUS_ONE, "alice", true, head, AppendOptions.NONE));
        Counted again = get(broker.appendCounted("room:rx", PLUS_ONE, "alice", true, head, AppendOptions.NONE));
        Counted b = get(broker.appendCounted("room:rx", PLUS_ONE, "bob", true, head, AppendOptions.NONE));
        Counted off = get(broker.appendCounted("room:rx", PLUS_ONE, "alice", false, head, AppendOptions.NONE));
        awaitQuiet(broker, listener, "room:rx");

        assertThat(List.of(a.count(), again.count(), b.count(), off.count())).containsExactly(1L, 1L, 2L, 1L);
        assertThat(again.id()).isNull();
        assertThat(listener.ids("room:rx")).containsExactly(a.id(), b.id(), off.id());
        String last = get(broker.readBefore("room:rx", null, 10)).frames().getLast().frame();
        assertThat(last).isEqualTo("{\"type\":\"reaction\",\"id\":\"" + off.id() + "\",\"count\":1,\"emoji\":\"+1\"}");
        assertThat(listener.frames("room:rx").getLast().frame()).isEqualTo(last);
    }

    // ---- moderation ---------------------------------------------------------------------------

    @Test
    void keepsBansAndMutesApartListsThemAndForgetsOnesThatEnded() throws Exception {
        Moderation store = moderation(started(100, new Recorder()));
        long now = System.currentTimeMillis();
        get(store.put(new Moderation.Restriction(Moderation.Kind.BAN, "room:mod", "mallory", now, 0, "spam | again")));
        get(store.put(new Moderation.Restriction(Moderation.Kind.BAN, "room:mod", "eve", now, now + 60_000, "")));
        get(store.put(new Moderation.Restriction(Moderation.Kind.BAN, "room:mod", "old", now - 2000, now - 1000, "served")));
        get(store.put(new Moderation.Restriction(Moderation.Kind.MUTE, "room:mod", "bob", now, 0, "shouting")));

        Moderation.Restriction mallory = get(store.find(Moderation.Kind.BAN, "room:mod", "mallory"));
        assertThat(mallory.reason()).isEqualTo("spam | again");
        assertThat(mallory.until()).isZero();
        assertThat(get(store.find(Moderation.Kind.BAN, "room:mod", "old"))).isNull();
        assertThat(get(store.find(Moderation.Kind.BAN, "room:mod", "bob"))).isNull();
        assertThat(get(store.find(Moderation.Kind.MUTE, "room:mod", "bob")).reason()).isEqualTo("shouting");
        assertThat(get(store.find(Moderation.Kind.BAN, "room:other", "mallory"))).isNull();
        assertThat(get(store.list(Moderation.Kind.BAN, "room:mod", 10))).extracting(Moderation.Restriction::user)
                .containsExactly("eve", "mallory");
        assertThat(get(store.list(Moderation.Kind.BAN, "room:mod", 1))).hasSize(1);

        assertThat(get(store.lift(Moderation.Kind.BAN, "room:mod", "mallory"))).isTrue();
        assertThat(get(store.lift(Moderation.Kind.BAN, "room:mod", "mallory"))).isFalse();
        assertThat(get(store.find(Moderation.Kind.BAN, "room:mod", "mallory"))).isNull();
    }

    // ---- event log ----------------------------------------------------------------------------

    @Test
    void handsEachEventToOneConsumerAndAgainToAnotherWhenNotAcknowledgedInTime() throws Exception {
        EventLog log = eventLog(started(100, new Recorder()), 1000);
        for (int i = 0; i < 4; i++) {
            get(log.append("e" + i));
        }

        List<EventLog.Event> a = get(log.next("gw-a", 2));
        List<EventLog.Event> b = get(log.next("gw-b", 10));
        assertThat(a).extracting(EventLog.Event::body).containsExactly("e0", "e1");
        assertThat(b).extracting(EventLog.Event::body).containsExactly("e2", "e3");
        assertThat(a).extracting(EventLog.Event::deliveries).containsOnly(1L);
        assertThat(get(log.next("gw-a", 10))).isEmpty();
        get(log.ack(a.get(0).id()));
        for (EventLog.Event e : b) {
            get(log.ack(e.id()));
        }
        assertThat(get(log.due("gw-b", Duration.ofSeconds(30), Duration.ofMinutes(1), 10))).as("not due yet").isEmpty();

        Thread.sleep(150);
        List<EventLog.Event> retried = get(log.due("gw-b", Duration.ofMillis(100), Duration.ofMinutes(1), 10));
        assertThat(retried).extracting(EventLog.Event::body).containsExactly("e1");
        assertThat(retried.getFirst().deliveries()).isEqualTo(2);
        assertThat(get(log.due("gw-a", Duration.ofMillis(100), Duration.ofMinutes(1), 10))).as("backoff doubled").isEmpty();
        EventLog.Stats mid = get(log.stats());
        assertThat(mid.pending()).isEqualTo(1);
        assertThat(mid.lag()).isZero();

        get(log.deadLetter(retried.getFirst(), "receiver answered 500 twice"));
        EventLog.Stats end = get(log.stats());
        assertThat(end.pending()).isZero();
        assertThat(end.deadLetters()).isEqualTo(1);
        assertThat(get(log.deadLetters(10))).containsExactly("e1");
    }

    @Test
    void countsEventsNotYetHandedOutAsLag() throws Exception {
        EventLog log = eventLog(started(100, new Recorder()), 1000);
        get(log.next("gw-a", 1));
        get(log.append("x"));
        get(log.append("y"));

        EventLog.Stats stats = get(log.stats());

        assertThat(stats.lag()).isEqualTo(2);
        assertThat(stats.pending()).isZero();
        assertThat(get(log.next("gw-a", 10))).extracting(EventLog.Event::body).containsExactly("x", "y");
    }

    private static final CountedSet PLUS_ONE = new CountedSet("1-0", "+1", 3);

    @Test
    void refusesANewSetInAFullGroupUntilOneOfItsSetsEmpties() throws Exception {
        Recorder listener = new Recorder();
        Broker broker = started(100, listener);
        get(broker.subscribe("room:cap"));
        FrameTemplate head = new FrameTemplate(META, "{\"type\":\"reaction\",\"id\":\"", "}");

        for (String emoji : List.of("a", "b")) {
            assertThat(get(broker.appendCounted("room:cap", new CountedSet("5-0", emoji, 2), "alice", true, head,
                    AppendOptions.NONE)).full()).isFalse();
        }
        Counted third = get(broker.appendCounted("room:cap", new CountedSet("5-0", "c", 2), "alice", true, head, AppendOptions.NONE));
        Counted existing = get(broker.appendCounted("room:cap", new CountedSet("5-0", "a", 2), "bob", true, head, AppendOptions.NONE));
        Counted otherMessage = get(broker.appendCounted("room:cap", new CountedSet("6-0", "c", 2), "alice", true, head,
                AppendOptions.NONE));
        get(broker.appendCounted("room:cap", new CountedSet("5-0", "b", 2), "alice", false, head, AppendOptions.NONE));
        Counted afterRemoval = get(broker.appendCounted("room:cap", new CountedSet("5-0", "c", 2), "alice", true, head,
                AppendOptions.NONE));
        awaitQuiet(broker, listener, "room:cap");

        assertThat(third.full()).isTrue();
        assertThat(third.id()).isNull();
        assertThat(existing.full()).isFalse();
        assertThat(existing.count()).isEqualTo(2);
        assertThat(otherMessage.full()).isFalse();
        assertThat(afterRemoval.full()).isFalse();
        assertThat(afterRemoval.count()).isEqualTo(1);
        assertThat(listener.ids("room:cap")).hasSize(6).doesNotContainNull();
    }

    @Test
    void readsOneFrameByIdAndCountsFramesAfterAnIdUpToACap() throws Exception {
        Broker broker = started(100, new Recorder());
        List<String> ids = appendMany(broker, "room:one", 10);

        assertThat(get(broker.read("room:one", ids.get(3))).id()).isEqualTo(ids.get(3));
        assertThat(get(broker.read("room:one", "1-0"))).isNull();
        assertThat(get(broker.read("room:none", ids.get(3)))).isNull();
        assertThat(get(broker.countAfter("room:one", ids.get(3), 100))).isEqualTo(6);
        assertThat(get(broker.countAfter("room:one", ids.get(3), 4))).isEqualTo(4);
        assertThat(get(broker.countAfter("room:one", ids.getLast(), 100))).isZero();
        assertThat(get(broker.countAfter("room:none", "0-0", 100))).isZero();
    }

    // ---- read state --------------------------------------------------------------------------

    @Test
    void movesAReadCursorOnlyForwardAndListsTheCursorsOfAUser() throws Exception {
        Broker broker = started(100, new Recorder());
        ReadState reads = readState(broker);

        assertThat(get(reads.markRead("alice", "r1", "5-0"))).isTrue();
        assertThat(get(reads.markRead("alice", "r1", "4-9"))).as("back").isFalse();
        assertThat(get(reads.markRead("alice", "r1", "5-0"))).as("same").isFalse();
        assertThat(get(reads.markRead("alice", "r1", "10-0"))).as("10 > 5 as numbers").isTrue();
        assertThat(get(reads.markRead("alice", "r2", "3-1"))).isTrue();

        assertThat(get(reads.cursors("alice", List.of("r1", "r2", "r3")))).containsExactly(entry("r1", "10-0"), entry("r2", "3-1"));
        assertThat(get(reads.cursors("bob", List.of("r1")))).isEmpty();
    }

    @Test
    void keepsTheReadReceiptsOfARoom() throws Exception {
        Broker broker = started(100, new Recorder());
        ReadState reads = readState(broker);

        get(reads.receipt("room:small", "alice", "7-0"));
        get(reads.receipt("room:small", "bob", "6-2"));
        get(reads.receipt("room:small", "alice", "8-0"));

        assertThat(get(reads.receipts("room:small"))).containsOnly(entry("alice", "8-0"), entry("bob", "6-2"));
        assertThat(get(reads.receipts("room:other"))).isEmpty();
    }

    // ---- retention and known users -----------------------------------------------------------

    @Test
    void dropsATopicsHistoryOnceItWasIdleForItsTtl() throws Exception {
        Broker broker = started(100, new Recorder());
        get(broker.append("room:idle", frame("old"), new AppendOptions(Duration.ofMillis(400))));
        get(broker.append("room:kept", frame("kept"), AppendOptions.NONE));

        await().atMost(Duration.ofSeconds(5)).until(() -> get(broker.readBefore("room:idle", null, 10)).frames().isEmpty());
        assertThat(get(broker.readBefore("room:kept", null, 10)).frames()).hasSize(1);
    }

    @Test
    void anAppendRenewsTheIdleTtl() throws Exception {
        Broker broker = started(100, new Recorder());
        AppendOptions ttl = new AppendOptions(Duration.ofMillis(1500));
        get(broker.append("room:busy", frame("a"), ttl));
        Thread.sleep(900);
        get(broker.append("room:busy", frame("b"), ttl));
        Thread.sleep(900);

        assertThat(get(broker.readBefore("room:busy", null, 10)).frames()).as("1.8 s after the first, 0.9 s after the last").hasSize(2);
    }

    @Test
    void knowsAUserFromItsConnectionUntilTheRetentionPasses() throws Exception {
        Broker broker = started(100, new Recorder());
        UserDirectory users = directory(broker, Duration.ofMillis(500));

        assertThat(get(users.known("alice"))).isFalse();
        get(users.seen("alice"));
        assertThat(get(users.known("alice"))).isTrue();
        assertThat(get(users.known("bob"))).isFalse();
        await().atMost(Duration.ofSeconds(5)).until(() -> !get(users.known("alice")));
    }

    // ---- presence ----------------------------------------------------------------------------

    @Test
    void countsAMemberPresentOnTwoNodesOnce() throws Exception {
        PresenceStore a = node("gw-a", LONG_TTL);
        PresenceStore b = node("gw-b", LONG_TTL);

        assertThat(get(a.add("room:p", "alice", "alice"))).isTrue();
        assertThat(get(b.add("room:p", "alice", "alice"))).isFalse();

        assertThat(ids(get(a.members("room:p")))).containsExactly("alice");
        assertThat(ids(get(b.members("room:p")))).containsExactly("alice");
    }

    @Test
    void keepsAMemberPresentWhileAnotherNodeHoldsIt() throws Exception {
        PresenceStore a = node("gw-a", LONG_TTL);
        PresenceStore b = node("gw-b", LONG_TTL);
        get(a.add("room:p", "alice", "alice"));
        get(b.add("room:p", "alice", "alice"));

        assertThat(get(a.remove("room:p", "alice"))).isFalse();
        assertThat(ids(get(a.members("room:p")))).containsExactly("alice");

        assertThat(get(b.remove("room:p", "alice"))).isTrue();
        assertThat(ids(get(a.members("room:p")))).isEmpty();
    }

    @Test
    void listsMembersSortedAndPerTopic() throws Exception {
        PresenceStore a = node("gw-a", LONG_TTL);
        PresenceStore b = node("gw-b", LONG_TTL);
        List<String> topics = topics("room:list", 3);
        get(a.add(topics.get(0), "carol", "carol"));
        get(a.add(topics.get(0), "alice", "alice"));
        get(b.add(topics.get(0), "bob", "bob"));
        get(b.add(topics.get(0), "alice", "alice"));
        get(b.add(topics.get(1), "dave", "dave"));

        assertThat(ids(get(a.members(topics.get(0))))).containsExactly("alice", "bob", "carol");
        assertThat(get(b.count(topics.get(0)))).isEqualTo(3L);
        assertThat(get(a.count(topics.get(2)))).isZero();
        assertThat(ids(get(b.members(topics.get(1))))).containsExactly("dave");
        assertThat(ids(get(a.members(topics.get(2))))).isEmpty();
    }

    @Test
    void pagesMembersInIdOrderAndDropsThoseWhoLeftOrExpired() throws Exception {
        PresenceStore a = node("gw-a", LONG_TTL);
        PresenceStore b = node("gw-b", LONG_TTL);
        PresenceStore shortLived = node("gw-c", TTL);
        String topic = "room:pages";
        for (String m : List.of("m05", "m01", "m04", "m02", "m03", "m06", "m07")) {
            get(a.add(topic, m, "name " + m));
        }
        get(b.add(topic, "m02", "name m02"));

        List<PresenceEntry> first = get(a.members(topic, null, 3));
        assertThat(ids(first)).containsExactly("m01", "m02", "m03");
        assertThat(first.get(1).name()).isEqualTo("name m02");
        assertThat(ids(get(b.members(topic, "m03", 3)))).containsExactly("m04", "m05", "m06");
        assertThat(ids(get(a.members(topic, "m06", 3)))).containsExactly("m07");
        assertThat(get(a.members(topic, "m07", 3))).isEmpty();

        get(a.remove(topic, "m04"));
        get(a.remove(topic, "m02")); // still present on gw-b
        assertThat(ids(get(a.members(topic, "m01", 3)))).containsExactly("m02", "m03", "m05");

        // gw-c stops refreshing: its member expires and the sweep takes it out of the pages
        get(shortLived.add(topic, "m08", "name m08"));
        assertThat(ids(get(a.members(topic, "m07", 3)))).containsExactly("m08");
        eventually().untilAsserted(() -> {
            get(a.sweep());
            assertThat(get(a.members(topic, "m07", 10))).isEmpty();
        });
        assertThat(get(a.count(topic))).isEqualTo(6L);
    }

    @Test
    void keepsEachMembersLatestDisplayNameAndReportsItWhenTheMemberIsGone() throws Exception {
        PresenceStore a = node("gw-a", LONG_TTL);
        PresenceStore b = node("gw-b", LONG_TTL);
        get(a.add("room:n", "u1", "Alice A."));
        get(b.add("room:n", "u1", "Alice B."));
        get(a.add("room:n", "u2", "Bob"));

        assertThat(get(a.members("room:n"))).containsExactly(
                new PresenceEntry("room:n", "u1", "Alice B."), new PresenceEntry("room:n", "u2", "Bob"));
        get(a.remove("room:n", "u1"));
        get(b.remove("room:n", "u1"));
        assertThat(get(a.members("room:n"))).containsExactly(new PresenceEntry("room:n", "u2", "Bob"));
    }

    @Test
    void addReportsOnlyTheFirstEntryAnywhere() throws Exception {
        PresenceStore a = node("gw-a", LONG_TTL);
        PresenceStore b = node("gw-b", LONG_TTL);

        assertThat(get(a.add("room:p", "alice", "alice"))).as("first entry").isTrue();
        assertThat(get(a.add("room:p", "alice", "alice"))).as("renewed on the same node").isFalse();
        assertThat(get(b.add("room:p", "alice", "alice"))).as("second node").isFalse();
        assertThat(get(a.add("room:q", "alice", "alice"))).as("another topic").isTrue();
        assertThat(get(a.remove("room:p", "alice"))).isFalse();
        assertThat(get(b.remove("room:p", "alice"))).isTrue();
        assertThat(get(b.add("room:p", "alice", "alice"))).as("first entry again once all were gone").isTrue();
    }

    @Test
    void removeReportsOnlyTheLastEntryGoing() throws Exception {
        PresenceStore a = node("gw-a", LONG_TTL);
        PresenceStore b = node("gw-b", LONG_TTL);

        assertThat(get(a.remove("room:p", "nobody"))).as("never added").isFalse();
        get(a.add("room:p", "alice", "alice"));
        get(b.add("room:p", "alice", "alice"));
        assertThat(get(a.remove("room:p", "alice"))).isFalse();
        assertThat(get(a.remove("room:p", "alice"))).as("removed twice").isFalse();
        assertThat(ids(get(a.members("room:p")))).containsExactly("alice");
        assertThat(get(b.remove("room:p", "alice"))).as("the last entry").isTrue();
        assertThat(get(b.remove("room:p", "alice"))).isFalse();
        assertThat(ids(get(a.members("room:p")))).isEmpty();
    }

    @Test
    void sweepsExpiredEntriesAndReportsOnlyMembersGoneEverywhere() throws Exception {
        PresenceStore dying = node("gw-dying", TTL);
        PresenceStore live = node("gw-live", LONG_TTL);
        List<String> topics = topics("room:sweep", 3);
        for (String topic : topics) {
            get(dying.add(topic, "alice", "alice"));
            get(dying.add(topic, "bob", "bob"));
            get(live.add(topic, "bob", "bob"));
        }
        assertThat(ids(get(live.members(topics.getFirst())))).as("listed until swept").containsExactly("alice", "bob");

        List<PresenceEntry> gone = sweepUntil(live, 3);

        assertThat(gone).containsExactlyInAnyOrderElementsOf(topics.stream().map(t -> new PresenceEntry(t, "alice")).toList());
        for (String topic : topics) {
            assertThat(ids(get(live.members(topic)))).containsExactly("bob");
        }
        assertThat(get(live.add(topics.getFirst(), "alice", "alice"))).as("present on no node any more").isTrue();
    }

    @Test
    void listsExpiredMembersUntilASweepRemovesThem() throws Exception {
        PresenceStore a = node("gw-a", LONG_TTL);
        get(a.add("room:exp", "alice", "alice"));

        get(a.release("room:exp", "alice", 1));

        await().during(Duration.ofMillis(100)).atMost(WAIT).pollInterval(Duration.ofMillis(20))
                .until(() -> ids(get(a.members("room:exp"))).equals(List.of("alice")));
        assertThat(sweepUntil(a, 1)).containsExactly(new PresenceEntry("room:exp", "alice"));
        assertThat(ids(get(a.members("room:exp")))).isEmpty();
    }

    @Test
    void sweepsEveryExpiredEntryOfABigTopic() throws Exception {
        PresenceStore a = node("gw-a", LONG_TTL);
        PresenceStore b = node("gw-b", LONG_TTL);
        List<String> members = new ArrayList<>();
        for (int i = 0; i < 1200; i++) {
            members.add(String.format("user-%04d", i));
        }
        getAll(members.stream().map(m -> a.add("room:big", m, m)).toList());
        get(b.add("room:big", "user-0000", "user-0000"));
        getAll(members.stream().map(m -> a.release("room:big", m, 1)).toList());

        List<PresenceEntry> gone = sweepUntil(b, members.size() - 1);

        assertThat(gone).doesNotHaveDuplicates().hasSize(members.size() - 1)
                .containsExactlyInAnyOrderElementsOf(members.subList(1, members.size()).stream()
                        .map(m -> new PresenceEntry("room:big", m)).toList());
        assertThat(ids(get(b.members("room:big")))).containsExactly("user-0000");
    }

    @Test
    void refreshKeepsEntriesAlive() throws Exception {
        PresenceStore a = node("gw-a", TTL);
        PresenceStore sweeper = node("gw-sweeper", LONG_TTL);
        List<PresenceEntry> held = List.of(new PresenceEntry("room:r", "alice"), new PresenceEntry("room:s", "alice"));
        for (PresenceEntry e : held) {
            get(a.add(e.topic(), e.member(), e.member()));
        }
        List<PresenceEntry> gone = new CopyOnWriteArrayList<>();

        await().during(Duration.ofMillis(4 * TTL.toMillis())).atMost(WAIT).pollInterval(Duration.ofMillis(50)).until(() -> {
            List<PresenceEntry> back = get(a.refresh(held));
            gone.addAll(get(sweeper.sweep()));
            return back.isEmpty() && gone.isEmpty();
        });

        assertThat(ids(get(a.members("room:r")))).containsExactly("alice");
        assertThat(ids(get(a.members("room:s")))).containsExactly("alice");
    }

    @Test
    void refreshRecreatesSweptEntriesAndReturnsTheMembersThatWereGone() throws Exception {
        PresenceStore a = node("gw-a", TTL);
        PresenceStore b = node("gw-b", LONG_TTL);
        List<String> topics = topics("room:back", 2);
        for (String topic : topics) {
            get(a.add(topic, "alice", "alice"));
            get(a.add(topic, "bob", "bob"));
            get(b.add(topic, "bob", "bob"));
        }
        assertThat(sweepUntil(b, 2)).containsExactlyInAnyOrder(
                new PresenceEntry(topics.get(0), "alice"), new PresenceEntry(topics.get(1), "alice"));
        assertThat(ids(get(a.members(topics.getFirst())))).containsExactly("bob");

        List<PresenceEntry> held = new ArrayList<>();
        for (String topic : topics) {
            held.add(new PresenceEntry(topic, "alice"));
            held.add(new PresenceEntry(topic, "bob"));
        }
        List<PresenceEntry> back = get(a.refresh(held));

        assertThat(back).as("only members present on no node before").containsExactlyInAnyOrder(
                new PresenceEntry(topics.get(0), "alice"), new PresenceEntry(topics.get(1), "alice"));
        assertThat(ids(get(a.members(topics.get(1))))).containsExactly("alice", "bob");
        assertThat(get(a.refresh(held))).as("nothing was gone this time").isEmpty();
        assertThat(get(b.remove(topics.getFirst(), "bob"))).as("a's entry of bob is back too").isFalse();
        assertThat(get(a.remove(topics.getFirst(), "bob"))).isTrue();
        assertThat(get(a.remove(topics.getFirst(), "alice"))).as("a's entry of alice was recreated").isTrue();
    }

    @Test
    void releaseLetsTheSweepReportTheMemberGoneAfterTheGrace() throws Exception {
        PresenceStore a = node("gw-a", LONG_TTL);
        get(a.add("room:rel", "alice", "alice"));
        get(a.add("room:rel", "bob", "bob"));

        get(a.release("room:rel", "alice", 300));

        assertThat(get(a.sweep())).as("not before the grace").isEmpty();
        assertThat(ids(get(a.members("room:rel")))).as("still listed during the grace").containsExactly("alice", "bob");
        assertThat(sweepUntil(a, 1)).containsExactly(new PresenceEntry("room:rel", "alice"));
        assertThat(ids(get(a.members("room:rel")))).containsExactly("bob");
    }

    @Test
    void releaseReportsNothingWhileAnotherNodeHoldsTheMember() throws Exception {
        PresenceStore a = node("gw-a", LONG_TTL);
        PresenceStore b = node("gw-b", LONG_TTL);
        get(a.add("room:rel", "alice", "alice"));
        get(b.add("room:rel", "alice", "alice"));
        get(a.add("room:rel", "marker", "marker"));

        get(a.release("room:rel", "alice", 1));
        get(a.release("room:rel", "marker", 100));

        assertThat(sweepUntil(b, 1)).as("only the marker, released later, is reported")
                .containsExactly(new PresenceEntry("room:rel", "marker"));
        assertThat(ids(get(b.members("room:rel")))).containsExactly("alice");
        assertThat(get(b.remove("room:rel", "alice"))).as("a's entry was swept: b's was the last").isTrue();
    }

    @Test
    void releaseReportsNothingWhenTheMemberIsAddedAgainWithinTheGrace() throws Exception {
        PresenceStore a = node("gw-a", LONG_TTL);
        get(a.add("room:rel", "alice", "alice"));
        get(a.add("room:rel", "marker", "marker"));

        get(a.release("room:rel", "alice", 500));
        assertThat(get(a.add("room:rel", "alice", "alice"))).as("came back: not a new join").isFalse();
        get(a.release("room:rel", "marker", 600));

        assertThat(sweepUntil(a, 1)).containsExactly(new PresenceEntry("room:rel", "marker"));
        assertThat(ids(get(a.members("room:rel")))).containsExactly("alice");
    }

    @Test
    void releaseOfAnEntryTheNodeDoesNotHoldChangesNothing() throws Exception {
        PresenceStore a = node("gw-a", LONG_TTL);
        PresenceStore b = node("gw-b", LONG_TTL);
        get(b.add("room:rel", "alice", "alice"));

        get(a.release("room:rel", "alice", 1));
        get(a.release("room:none", "bob", 1));

        assertThat(ids(get(a.members("room:none")))).isEmpty();
        assertThat(get(b.remove("room:rel", "alice"))).as("no entry of a was created: b's was the only one").isTrue();
    }

    @Test
    void letsOneNodeSweepAtATime() throws Exception {
        PresenceStore a = node("gw-a", LONG_TTL);
        PresenceStore b = node("gw-b", LONG_TTL);
        List<String> topics = topics("room:lock", 6);
        List<PresenceEntry> expected = new ArrayList<>();
        for (String topic : topics) {
            get(a.add(topic, "alice", "alice"));
            get(b.add(topic, "bob", "bob"));
            expected.add(new PresenceEntry(topic, "alice"));
            expected.add(new PresenceEntry(topic, "bob"));
        }
        for (String topic : topics) {
            get(a.release(topic, "alice", 1));
            get(b.release(topic, "bob", 1));
        }
        List<PresenceEntry> gone = new ArrayList<>();
        List<String> rounds = new ArrayList<>();

        // the first sweeps only after the 1 ms grace surely ended, so that one sweep finds everything
        eventually().pollDelay(Duration.ofMillis(50)).pollInterval(Duration.ofMillis(25)).until(() -> {
            CompletableFuture<List<PresenceEntry>> byA = a.sweep().toCompletableFuture();
            CompletableFuture<List<PresenceEntry>> byB = b.sweep().toCompletableFuture();
            List<PresenceEntry> ofA = get(byA);
            List<PresenceEntry> ofB = get(byB);
            if (!ofA.isEmpty() || !ofB.isEmpty()) {
                rounds.add("a=" + ofA + " b=" + ofB);
            }
            gone.addAll(ofA);
            gone.addAll(ofB);
            return gone.size() >= expected.size();
        });

        // the lock is per sweep bucket: two nodes sweeping at once may each take some buckets, but
        // a topic's entries are reported by exactly one node, once
        assertThat(gone).as("sweeps: %s", rounds).containsExactlyInAnyOrderElementsOf(expected);
        Map<String, Set<String>> sweepersOfTopic = new HashMap<>();
        for (String round : rounds) {
            String[] halves = round.split(" b=", 2);
            for (String topic : topics) {
                if (halves[0].contains("topic=" + topic + ",")) {
                    sweepersOfTopic.computeIfAbsent(topic, t -> new HashSet<>()).add("a");
                }
                if (halves[1].contains("topic=" + topic + ",")) {
                    sweepersOfTopic.computeIfAbsent(topic, t -> new HashSet<>()).add("b");
                }
            }
        }
        assertThat(sweepersOfTopic.values()).as("the nodes that swept each topic: %s", rounds).allMatch(s -> s.size() == 1);
    }

    @Test
    void countsMembersAtomicallyWithEachJoinAndLeaveSoThatOneChangeOccupiesAndOneVacates() throws Exception {
        PresenceStore a = node("gw-a", LONG_TTL);
        PresenceStore b = node("gw-b", LONG_TTL);
        for (String topic : topics("room:occ", 20)) {
            CompletableFuture<PresenceStore.Change> joinA = a.join(topic, "alice", "alice").toCompletableFuture();
            CompletableFuture<PresenceStore.Change> joinB = b.join(topic, "bob", "bob").toCompletableFuture();
            List<PresenceStore.Change> joins = List.of(get(joinA), get(joinB));
            CompletableFuture<PresenceStore.Change> leaveA = a.leave(topic, "alice").toCompletableFuture();
            CompletableFuture<PresenceStore.Change> leaveB = b.leave(topic, "bob").toCompletableFuture();
            List<PresenceStore.Change> leaves = List.of(get(leaveA), get(leaveB));

            assertThat(joins).as("joins of %s", topic).allMatch(PresenceStore.Change::changed)
                    .extracting(PresenceStore.Change::members).containsExactlyInAnyOrder(1L, 2L);
            assertThat(leaves).as("leaves of %s", topic).allMatch(PresenceStore.Change::changed)
                    .extracting(PresenceStore.Change::members).containsExactlyInAnyOrder(1L, 0L);
        }
        get(a.join("room:occ-twice", "carol", "carol"));
        assertThat(get(b.join("room:occ-twice", "carol", "carol"))).as("a second node's entry of a present member")
                .isEqualTo(new PresenceStore.Change(false, 1));
        assertThat(get(a.leave("room:occ-twice", "carol"))).as("still present on b").isEqualTo(new PresenceStore.Change(false, 1));
        assertThat(get(a.leave("room:occ-none", "nobody"))).isEqualTo(new PresenceStore.Change(false, 0));
    }

    @Test
    void namesTheTopicsASweepEmptiedAndNotThoseEmptiedByALeave() throws Exception {
        PresenceStore a = node("gw-a", LONG_TTL);
        PresenceStore b = node("gw-b", LONG_TTL);
        get(a.add("room:swept", "alice", "alice"));
        get(b.add("room:swept", "bob", "bob"));
        get(a.add("room:half", "alice", "alice"));
        get(b.add("room:half", "bob", "bob"));
        get(a.add("room:left", "alice", "alice"));
        get(a.release("room:swept", "alice", 1));
        get(b.release("room:swept", "bob", 1));
        get(a.release("room:half", "alice", 1));
        get(a.leave("room:left", "alice"));
        List<PresenceStore.Sweep> sweeps = new ArrayList<>();

        eventually().pollDelay(Duration.ofMillis(50)).pollInterval(Duration.ofMillis(25)).until(() -> {
            sweeps.add(get(a.sweepTopics()));
            sweeps.add(get(b.sweepTopics()));
            return sweeps.stream().mapToInt(w -> w.gone().size()).sum() >= 3;
        });

        assertThat(sweeps.stream().flatMap(w -> w.emptied().stream()).toList()).as("emptied, over all sweeps")
                .containsExactly("room:swept");
        assertThat(ids(get(a.members("room:half")))).containsExactly("bob");
    }

    @Test
    void sweepsMembersThatJoinedWhileASweepEmptiedTheirTopic() throws Exception {
        PresenceStore leaving = node("gw-leaving", LONG_TTL);
        PresenceStore dying = node("gw-dying", TTL);
        List<String> topics = topics("room:race", 300);
        List<PresenceEntry> expected = new ArrayList<>();
        for (String topic : topics) {
            expected.add(new PresenceEntry(topic, "old"));
            expected.add(new PresenceEntry(topic, "new"));
        }
        getAll(topics.stream().map(t -> leaving.add(t, "old", "old")).toList());
        getAll(topics.stream().map(t -> leaving.release(t, "old", 1)).toList());
        List<PresenceEntry> gone = new CopyOnWriteArrayList<>();

        // another node joins every topic while a sweep is emptying them: in waves a round trip
        // apart, so that some land while the sweep goes through the topics, whatever its pace
        CompletableFuture<List<PresenceEntry>> sweep = leaving.sweep().toCompletableFuture();
        List<CompletionStage<Boolean>> joins = new ArrayList<>();
        int waves = 5;
        for (int wave = 0; wave < waves; wave++) {
            for (int i = wave; i < topics.size(); i += waves) {
                joins.add(dying.add(topics.get(i), "new", "new"));
            }
            ids(get(dying.members(topics.getFirst())));
        }
        gone.addAll(get(sweep));
        getAll(joins);

        // the joining node dies (never refreshes): its entries must be swept all the same
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(50)).untilAsserted(() -> {
            gone.addAll(get(leaving.sweep()));
            assertThat(gone).as("members reported gone").containsAll(expected);
        });
        assertThat(gone).doesNotHaveDuplicates();
    }

    private static void getAll(List<? extends CompletionStage<?>> stages) throws Exception {
        for (CompletionStage<?> stage : stages) {
            get(stage);
        }
    }

    /**
     * Sweeps, as often as the sweep lock lets one node, until at least {@code count} members were
     * reported gone.
     */
    private static List<PresenceEntry> sweepUntil(PresenceStore sweeper, int count) {
        List<PresenceEntry> gone = new CopyOnWriteArrayList<>();
        await().atMost(WAIT).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(50)).until(() -> {
            gone.addAll(get(sweeper.sweep()));
            return gone.size() >= count;
        });
        return List.copyOf(gone);
    }

    // ---- listener ----------------------------------------------------------------------------

    /** Records what a broker delivers, and on which threads. */
    public static final class Recorder implements BrokerListener {
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

        /** Every frame delivered, in delivery order. */
        public List<StoredFrame> frames() {
            return List.copyOf(frames);
        }

        /** The frames delivered for one topic, in delivery order. */
        public List<StoredFrame> frames(String topic) {
            return frames.stream().filter(f -> f.topic().equals(topic)).toList();
        }

        /** The ids of the stored frames delivered for one topic, in delivery order. */
        public List<String> ids(String topic) {
            return frames(topic).stream().filter(f -> !f.ephemeral()).map(StoredFrame::id).toList();
        }

        /** Whether a stored frame was delivered. */
        public boolean has(String topic, String id) {
            return frames.stream().anyMatch(f -> f.topic().equals(topic) && id.equals(f.id()));
        }

        /** The threads that made the frame callbacks. */
        public List<Thread> threads() {
            return List.copyOf(threads);
        }

        /** The states reported, in order. */
        public List<BrokerState> states() {
            return List.copyOf(states);
        }
    }
}
