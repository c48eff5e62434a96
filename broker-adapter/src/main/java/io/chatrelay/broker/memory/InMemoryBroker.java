package io.chatrelay.broker.memory;

import io.chatrelay.broker.AppendOptions;
import io.chatrelay.broker.Appended;
import io.chatrelay.broker.Broker;
import io.chatrelay.broker.Counted;
import io.chatrelay.broker.EventLog;
import io.chatrelay.broker.Moderation;
import io.chatrelay.broker.CountedSet;
import io.chatrelay.broker.ReadState;
import io.chatrelay.broker.BrokerException;
import io.chatrelay.broker.BrokerListener;
import io.chatrelay.broker.BrokerState;
import io.chatrelay.broker.FrameMeta;
import io.chatrelay.broker.FrameTemplate;
import io.chatrelay.broker.HistoryPage;
import io.chatrelay.broker.StoredFrame;
import io.chatrelay.broker.StreamId;
import io.chatrelay.broker.UserDirectory;

import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * A {@link Broker} inside one JVM: the embedded default when no Redis is configured. It keeps the
 * same guarantees as the Redis broker for a single gateway: ids in stream form, capped history,
 * callbacks on one dispatcher thread in append order. Its presence half is
 * {@link #presenceStore}.
 */
public final class InMemoryBroker implements Broker {
    private final ConcurrentHashMap<String, TopicLog> logs = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Long> expiries = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Dedup> dedups = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, java.util.Set<String>> sets = new ConcurrentHashMap<>();

    private record Dedup(String id, long until) {
    }
    private final java.util.concurrent.atomic.AtomicLong appends = new java.util.concurrent.atomic.AtomicLong();
    /** Expired topics and users are dropped when touched, and all of them every this many calls. */
    private static final int PURGE_EVERY = 1024;
    private final Set<String> subscriptions = ConcurrentHashMap.newKeySet();
    private final InMemoryPresence presence;
    private final int historyMaxLen;
    private final LongSupplier clock;
    private final Moderation moderation;
    private final ExecutorService dispatcher =
            Executors.newSingleThreadExecutor(Thread.ofPlatform().daemon().name("memory-broker-dispatch").factory());
    private volatile BrokerListener listener;
    private volatile BrokerState state = BrokerState.CONNECTING;

    /**
     * Creates a broker.
     *
     * @param historyMaxLen frames kept per topic
     */
    public InMemoryBroker(int historyMaxLen) {
        this(historyMaxLen, System::currentTimeMillis);
    }

    /**
     * Creates a broker with a given clock (for tests).
     *
     * @param historyMaxLen frames kept per topic
     * @param clock         epoch milliseconds
     */
    public InMemoryBroker(int historyMaxLen, LongSupplier clock) {
        if (historyMaxLen < 1) {
            throw new IllegalArgumentException("historyMaxLen must be >= 1");
        }
        this.historyMaxLen = historyMaxLen;
        this.clock = clock;
        this.moderation = new InMemoryModeration(clock);
        this.presence = new InMemoryPresence(clock);
    }

    /**
     * A node's presence store on this broker's presence table.
     *
     * @param node  the node id
     * @param ttl   life of an entry without refresh
     * @param sweep how often nodes sweep (one sweep per period among all nodes)
     * @return the store
     */
    public InMemoryPresenceStore presenceStore(String node, Duration ttl, Duration sweep) {
        return new InMemoryPresenceStore(this, presence, node, ttl, sweep);
    }

    @Override
    public void start(BrokerListener listener) {
        this.listener = Objects.requireNonNull(listener, "listener");
        changeState(BrokerState.UP);
    }

    @Override
    public BrokerState state() {
        return state;
    }

    @Override
    public CompletionStage<Void> subscribe(String topic) {
        return run(() -> {
            subscriptions.add(topic);
            return null;
        });
    }

    @Override
    public CompletionStage<Void> unsubscribe(String topic) {
        return run(() -> {
            subscriptions.remove(topic);
            return null;
        });
    }

    @Override
    public CompletionStage<Appended> append(String topic, FrameTemplate frame, AppendOptions options) {
        return run(() -> {
            long now = clock.getAsLong();
            String dedupKey = options.dedupKey() == null ? null : topic + "\n" + options.dedupKey();
            TopicLog log = log(topic);
            Appended appended = log.locked(() -> {
                if (dedupKey != null) {
                    Dedup earlier = dedups.get(dedupKey);
                    if (earlier != null && earlier.until() > now) {
                        return new Appended(earlier.id(), true);
                    }
                }
                String id = log.append(frame, this::deliver, options);
                if (dedupKey != null) {
                    dedups.put(dedupKey, new Dedup(id, now + options.dedupWindow().toMillis()));
                }
                return new Appended(id, false);
            });
            if (appended.duplicate()) {
                return appended;
            }
            expiries.put(topic, options.idleTtl().isZero() ? Long.MAX_VALUE : now + options.idleTtl().toMillis());
            if (appends.incrementAndGet() % PURGE_EVERY == 0) {
                expiries.forEach((t, until) -> {
                    if (until <= now && expiries.remove(t, until)) {
                        drop(t);
                    }
                });
                dedups.values().removeIf(d -> d.until() <= now);
            }
            return appended;
        });
    }

    @Override
    public CompletionStage<Counted> appendCounted(String topic, CountedSet set, String member, boolean add, FrameTemplate frame,
                                                  AppendOptions options) {
        return run(() -> {
            TopicLog log = log(topic);
            return log.locked(() -> {
                java.util.Set<String> group = sets.computeIfAbsent(topic + "\ng\n" + set.group(), k -> ConcurrentHashMap.newKeySet());
                java.util.Set<String> members = sets.computeIfAbsent(topic + "\n" + set.key(), k -> ConcurrentHashMap.newKeySet());
                if (add && members.isEmpty() && group.size() >= set.groupCap()) {
                    return Counted.groupFull();
                }
                boolean changed = add ? members.add(member) : members.remove(member);
                if (!changed) {
                    return new Counted(null, members.size());
                }
                if (members.isEmpty()) {
                    group.remove(set.name());
                } else {
                    group.add(set.name());
                }
                FrameTemplate counted = new FrameTemplate(frame.meta(), frame.head(), "\",\"count\":" + members.size() + frame.tail());
                String id = log.append(counted, this::deliver, options);
                expiries.put(topic, options.idleTtl().isZero() ? Long.MAX_VALUE : clock.getAsLong() + options.idleTtl().toMillis());
                return new Counted(id, members.size());
            });
        });
    }

    @Override
    public CompletionStage<StoredFrame> read(String topic, String id) {
        return run(() -> log(topic).find(StreamId.parse(id)));
    }

    @Override
    public CompletionStage<Integer> countAfter(String topic, String afterId, int cap) {
        return run(() -> log(topic).countAfter(StreamId.parse(afterId), positive(cap)));
    }

    /**
     * Read cursors and receipts of this process.
     *
     * @return the read state
     */
    public ReadState readState() {
        return newReadState();
    }

    /**
     * Bans and mutes of this process.
     *
     * @return the store
     */
    public Moderation moderation() {
        return moderation;
    }

    /**
     * The event log of this process.
     *
     * @param maxLen the most events kept
     * @return the log
     */
    public EventLog eventLog(int maxLen) {
        return new InMemoryEventLog(maxLen, clock);
    }

    private ReadState newReadState() {
        ConcurrentHashMap<String, ConcurrentHashMap<String, String>> cursors = new ConcurrentHashMap<>();
        ConcurrentHashMap<String, ConcurrentHashMap<String, String>> receipts = new ConcurrentHashMap<>();
        return new ReadState() {
            @Override
            public CompletionStage<Boolean> markRead(String user, String room, String id) {
                return run(() -> {
                    StreamId next = StreamId.parse(id);
                    boolean[] moved = new boolean[1];
                    cursors.computeIfAbsent(user, u -> new ConcurrentHashMap<>()).compute(room, (r, current) -> {
                        moved[0] = current == null || StreamId.parse(current).compareTo(next) < 0;
                        return moved[0] ? next.toString() : current;
                    });
                    return moved[0];
                });
            }

            @Override
            public CompletionStage<java.util.Map<String, String>> cursors(String user, java.util.Collection<String> rooms) {
                return run(() -> {
                    java.util.Map<String, String> of = cursors.getOrDefault(user, new ConcurrentHashMap<>());
                    java.util.Map<String, String> map = new java.util.LinkedHashMap<>();
                    rooms.forEach(r -> {
                        if (of.containsKey(r)) {
                            map.put(r, of.get(r));
                        }
                    });
                    return map;
                });
            }

            @Override
            public CompletionStage<Void> receipt(String room, String user, String id) {
                return run(() -> {
                    receipts.computeIfAbsent(room, r -> new ConcurrentHashMap<>()).put(user, StreamId.parse(id).toString());
                    return null;
                });
            }

            @Override
            public CompletionStage<java.util.Map<String, String>> receipts(String room) {
                return run(() -> java.util.Map.copyOf(receipts.getOrDefault(room, new ConcurrentHashMap<>())));
            }
        };
    }

    /**
     * The directory of known users of this process.
     *
     * @param retention how long a user stays known after connecting
     * @return the directory
     */
    public UserDirectory userDirectory(Duration retention) {
        ConcurrentHashMap<String, Long> seen = new ConcurrentHashMap<>();
        java.util.concurrent.atomic.AtomicLong calls = new java.util.concurrent.atomic.AtomicLong();
        return new UserDirectory() {
            @Override
            public CompletionStage<Void> seen(String user) {
                return run(() -> {
                    long now = clock.getAsLong();
                    if (calls.incrementAndGet() % PURGE_EVERY == 0) {
                        seen.values().removeIf(until -> until <= now);
                    }
                    seen.put(user, now + retention.toMillis());
                    return null;
                });
            }

            @Override
            public CompletionStage<Boolean> known(String user) {
                return run(() -> seen.getOrDefault(user, 0L) > clock.getAsLong());
            }
        };
    }

    @Override
    public CompletionStage<Void> publish(String topic, FrameMeta meta, String frame) {
        return run(() -> {
            deliver(new StoredFrame(topic, null, meta, frame));
            return null;
        });
    }

    @Override
    public CompletionStage<HistoryPage> readAfter(String topic, String afterId, int limit) {
        return run(() -> log(topic).after(StreamId.parse(afterId), positive(limit)));
    }

    @Override
    public CompletionStage<HistoryPage> readBefore(String topic, String beforeId, int limit) {
        return run(() -> log(topic).before(beforeId == null ? null : StreamId.parse(beforeId), positive(limit)));
    }

    @Override
    public void close() {
        if (state != BrokerState.CLOSED) {
            changeState(BrokerState.CLOSED);
            dispatcher.shutdown();
        }
    }

    private static int positive(int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be >= 1");
        }
        return limit;
    }

    /** Forgets an expired topic: its history and its counted sets. */
    private void drop(String topic) {
        logs.remove(topic);
        sets.keySet().removeIf(k -> k.startsWith(topic + "\n"));
    }

    /** A topic's log; one whose idle time-to-live passed is dropped first (history expired). */
    private TopicLog log(String topic) {
        Long until = expiries.get(topic);
        if (until != null && until <= clock.getAsLong()) {
            expiries.remove(topic);
            drop(topic);
        }
        return logs.computeIfAbsent(topic, t -> new TopicLog(t, historyMaxLen, clock));
    }

    private void deliver(StoredFrame frame) {
        if (subscriptions.contains(frame.topic())) {
            BrokerListener target = listener;
            dispatcher.execute(() -> target.onFrame(frame));
        }
    }

    private void changeState(BrokerState next) {
        state = next;
        BrokerListener target = listener;
        if (target != null && !dispatcher.isShutdown()) {
            dispatcher.execute(() -> target.onStateChange(next));
        }
    }

    /** Runs an operation if the broker is up; its failures become {@link BrokerException}s. */
    <T> CompletionStage<T> run(Supplier<T> action) {
        if (state != BrokerState.UP) {
            return CompletableFuture.failedFuture(new BrokerException("broker is " + state));
        }
        try {
            return CompletableFuture.completedFuture(action.get());
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(new BrokerException("in-memory broker failed: " + e.getMessage(), e));
        }
    }
}
