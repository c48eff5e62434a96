package io.chatrelay.broker.memory;

import io.chatrelay.broker.FrameTemplate;
import io.chatrelay.broker.HistoryPage;
import io.chatrelay.broker.StoredFrame;
import io.chatrelay.broker.StreamId;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/** The capped history of one topic, with stream-form ids. Thread-safe. */
final class TopicLog {
    private final String topic;
    private final int maxLen;
    private final LongSupplier clock;
    private final ArrayDeque<Entry> entries = new ArrayDeque<>();
    private final ReentrantLock lock = new ReentrantLock();
    private StreamId last = new StreamId(0, 0);
    /** The newest id trimmed away so far, or {@code null}. */
    private StreamId lastTrimmed;

    TopicLog(String topic, int maxLen, LongSupplier clock) {
        this.topic = topic;
        this.maxLen = maxLen;
        this.clock = clock;
    }

    /**
     * Assigns an id, stores the frame and hands it to {@code publisher} while still ordered; then
     * trims the oldest frames as {@code retention} says.
     */
    String append(FrameTemplate template, Consumer<StoredFrame> publisher, io.chatrelay.broker.AppendOptions retention) {
        lock.lock();
        try {
            long now = clock.getAsLong();
            last = now > last.millis() ? new StreamId(now, 0) : new StreamId(last.millis(), last.sequence() + 1);
            String id = last.toString();
            StoredFrame frame = template.stored(topic, id);
            entries.addLast(new Entry(last, frame));
            while (retention.trims(entries.size(), maxLen, entries.getFirst().id().millis(), now)) {
                lastTrimmed = entries.removeFirst().id();
            }
            publisher.accept(frame);
            return id;
        } finally {
            lock.unlock();
        }
    }

    /** Runs an action under this log's lock (reentrant: it may append). */
    <T> T locked(java.util.function.Supplier<T> action) {
        lock.lock();
        try {
            return action.get();
        } finally {
            lock.unlock();
        }
    }

    StoredFrame find(StreamId id) {
        lock.lock();
        try {
            for (Entry e : entries) {
                int c = e.id().compareTo(id);
                if (c == 0) {
                    return e.frame();
                }
                if (c > 0) {
                    return null;
                }
            }
            return null;
        } finally {
            lock.unlock();
        }
    }

    int countAfter(StreamId after, int cap) {
        lock.lock();
        try {
            int n = 0;
            Iterator<Entry> newestFirst = entries.descendingIterator();
            while (newestFirst.hasNext() && n < cap && newestFirst.next().id().compareTo(after) > 0) {
                n++;
            }
            return n;
        } finally {
            lock.unlock();
        }
    }

    HistoryPage after(StreamId after, int limit) {
        lock.lock();
        try {
            boolean covered = lastTrimmed == null || lastTrimmed.compareTo(after) <= 0;
            List<StoredFrame> page = new ArrayList<>();
            boolean more = false;
            for (Entry e : entries) {
                if (e.id().compareTo(after) > 0) {
                    if (page.size() == limit) {
                        more = true;
                        break;
                    }
                    page.add(e.frame());
                }
            }
            return new HistoryPage(page, covered, more);
        } finally {
            lock.unlock();
        }
    }

    HistoryPage before(StreamId before, int limit) {
        lock.lock();
        try {
            ArrayDeque<StoredFrame> page = new ArrayDeque<>();
            boolean more = false;
            Iterator<Entry> newestFirst = entries.descendingIterator();
            while (newestFirst.hasNext()) {
                Entry e = newestFirst.next();
                if (before == null || e.id().compareTo(before) < 0) {
                    if (page.size() == limit) {
                        more = true;
                        break;
                    }
                    page.addFirst(e.frame());
                }
            }
            return new HistoryPage(new ArrayList<>(page), true, more);
        } finally {
            lock.unlock();
        }
    }

    private record Entry(StreamId id, StoredFrame frame) {
    }
}
