package io.chatrelay.broker.memory;

import io.chatrelay.broker.Broker;
import io.chatrelay.broker.BrokerContract;
import io.chatrelay.broker.BrokerState;
import io.chatrelay.broker.HistoryPage;
import io.chatrelay.broker.PresenceEntry;
import io.chatrelay.broker.PresenceStore;
import io.chatrelay.broker.EventLog;
import io.chatrelay.broker.Moderation;
import io.chatrelay.broker.ReadState;
import io.chatrelay.broker.UserDirectory;
import io.chatrelay.broker.StoredFrame;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * {@link InMemoryBroker} against the {@link BrokerContract}, plus what only a broker with an
 * injectable clock can show: ids when the clock stands still or goes backwards, exact trimming,
 * and presence expiry to the millisecond.
 */
class InMemoryBrokerTest extends BrokerContract {
    private final AtomicLong now = new AtomicLong(1_000_000L);
    private final Recorder listener = new Recorder();
    private InMemoryBroker clocked;

    @Override
    protected Broker newBroker(int historyMaxLen) {
        return new InMemoryBroker(historyMaxLen);
    }

    @Override
    protected ReadState readState(Broker broker) {
        return ((InMemoryBroker) broker).readState();
    }

    @Override
    protected Moderation moderation(Broker broker) {
        return ((InMemoryBroker) broker).moderation();
    }

    @Override
    protected EventLog eventLog(Broker broker, int maxLen) {
        return ((InMemoryBroker) broker).eventLog(maxLen);
    }

    @Override
    protected UserDirectory directory(Broker broker, Duration retention) {
        return ((InMemoryBroker) broker).userDirectory(retention);
    }

    @Override
    protected PresenceStore presenceStore(Broker broker, String node, Duration ttl, Duration sweep) {
        return ((InMemoryBroker) broker).presenceStore(node, ttl, sweep);
    }

    @Override
    protected boolean brokersShareTheStore() {
        return false;
    }

    /** A started broker on the test's clock ({@link #now}). */
    private InMemoryBroker clocked(int historyMaxLen) {
        clocked = new InMemoryBroker(historyMaxLen, now::get);
        clocked.start(listener);
        return clocked;
    }

    @AfterEach
    void closeClocked() {
        if (clocked != null) {
            clocked.close();
        }
    }

    // ---- ids ---------------------------------------------------------------------------------

    @Test
    void assignsStrictlyIncreasingIdsWhenTheClockStandsStill() throws Exception {
        InMemoryBroker broker = clocked(100);

        List<String> ids = appendMany(broker, "t", 50);

        assertThat(ids.getFirst()).isEqualTo("1000000-0");
        assertThat(ids.get(1)).isEqualTo("1000000-1");
        assertThat(ids.getLast()).isEqualTo("1000000-49");
    }

    @Test
    void keepsIdsIncreasingWhenTheClockGoesBackwards() throws Exception {
        InMemoryBroker broker = clocked(100);
        List<String> ids = new ArrayList<>();

        now.set(2_000);
        ids.add(get(broker.append("t", frame("1"))));
        now.set(1_500);
        ids.add(get(broker.append("t", frame("2"))));
        now.set(3_000);
        ids.add(get(broker.append("t", frame("3"))));

        assertThat(ids).containsExactly("2000-0", "2000-1", "3000-0");
    }

    @Test
    void restartsTheSequenceWhenTheClockMovesOn() throws Exception {
        InMemoryBroker broker = clocked(100);
        appendMany(broker, "t", 2);

        now.addAndGet(1);

        assertThat(get(broker.append("t", frame("next")))).isEqualTo("1000001-0");
    }

    @Test
    void numbersEachTopicOnItsOwn() throws Exception {
        InMemoryBroker broker = clocked(100);

        appendMany(broker, "a", 3);

        assertThat(get(broker.append("b", frame("b")))).isEqualTo("1000000-0");
        assertThat(get(broker.append("a", frame("a")))).isEqualTo("1000000-3");
    }

    // ---- history -----------------------------------------------------------------------------

    @Test
    void capsHistoryAtExactlyMaxLenKeepingTheNewest() throws Exception {
        InMemoryBroker broker = clocked(3);
        List<String> ids = appendMany(broker, "t", 6);

        HistoryPage page = get(broker.readBefore("t", null, 100));
        HistoryPage trimmed = get(broker.readAfter("t", ids.get(1), 100));
        HistoryPage lastTrimmed = get(broker.readAfter("t", ids.get(2), 100));
        HistoryPage kept = get(broker.readAfter("t", ids.get(3), 100));

        assertThat(page.frames()).extracting(StoredFrame::id).containsExactlyElementsOf(ids.subList(3, 6));
        assertThat(page.more()).isFalse();
        assertThat(trimmed.covered()).as("ids[2] is gone").isFalse();
        assertThat(lastTrimmed.covered()).as("nothing after ids[2] is missing").isTrue();
        assertThat(kept.covered()).isTrue();
    }

    @Test
    void refusesANonPositiveHistoryLength() {
        assertThatIllegalArgumentException().isThrownBy(() -> new InMemoryBroker(0));
    }

    // ---- presence on the test's clock ----------------------------------------------------------

    @Test
    void keepsEntriesUntilTheirTtlEndsToTheMillisecond() throws Exception {
        PresenceStore a = clocked(10).presenceStore("gw-a", Duration.ofSeconds(1), Duration.ofMillis(1));
        get(a.add("room:r", "alice", "alice"));

        now.addAndGet(999);
        assertThat(get(a.sweep())).isEmpty();

        now.addAndGet(1);
        assertThat(get(a.sweep())).containsExactly(new PresenceEntry("room:r", "alice"));
    }

    @Test
    void holdsTheSweepLockForOneSweepPeriod() throws Exception {
        InMemoryBroker broker = clocked(10);
        PresenceStore a = broker.presenceStore("gw-a", Duration.ofSeconds(1), Duration.ofSeconds(5));
        PresenceStore b = broker.presenceStore("gw-b", Duration.ofSeconds(1), Duration.ofSeconds(5));
        get(a.add("room:r", "alice", "alice"));

        assertThat(get(a.sweep())).as("a takes the lock, nothing expired yet").isEmpty();
        now.addAndGet(4_999);
        assertThat(get(b.sweep())).as("alice expired, but a still holds the lock").isEmpty();
        now.addAndGet(1);
        assertThat(get(b.sweep())).containsExactly(new PresenceEntry("room:r", "alice"));
    }

    @Test
    void releaseShortensTheEntryToTheGraceExactly() throws Exception {
        PresenceStore a = clocked(10).presenceStore("gw-a", Duration.ofMinutes(1), Duration.ofMillis(1));
        get(a.add("room:r", "alice", "alice"));

        get(a.release("room:r", "alice", 2_000));
        now.addAndGet(1_999);
        assertThat(get(a.sweep())).isEmpty();
        now.addAndGet(1);
        assertThat(get(a.sweep())).containsExactly(new PresenceEntry("room:r", "alice"));
    }

    // ---- lifecycle -----------------------------------------------------------------------------

    @Test
    void reportsClosedToTheListenerOnClose() {
        InMemoryBroker broker = clocked(10);

        broker.close();

        assertThat(broker.state()).isEqualTo(BrokerState.CLOSED);
        eventually().until(() -> listener.states().equals(List.of(BrokerState.UP, BrokerState.CLOSED)));
    }
}
