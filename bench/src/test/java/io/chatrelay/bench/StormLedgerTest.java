package io.chatrelay.bench;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class StormLedgerTest {
    private static long id(String text) {
        return StormLedger.id(text);
    }

    @Test
    void idsOrderByMillisecondsThenSequence() {
        assertThat(id("1732291234567-0")).isLessThan(id("1732291234567-1"));
        assertThat(id("1732291234567-9")).isLessThan(id("1732291234567-10"));
        assertThat(id("1732291234567-999")).isLessThan(id("1732291234568-0"));
        assertThat(StormLedger.text(id("1732291234567-12"))).isEqualTo("1732291234567-12");
        assertThatThrownBy(() -> id("1732291234567")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> id("a-1")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> id("1-")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> id(null)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void receivedCountsDuplicatesAndLateIds() {
        StormLedger.Received r = new StormLedger.Received();
        assertThat(r.record(id("10-0"), 100)).isEqualTo(StormLedger.Outcome.NEW);
        assertThat(r.record(id("12-0"), 120)).isEqualTo(StormLedger.Outcome.NEW);
        assertThat(r.record(id("12-0"), 130)).isEqualTo(StormLedger.Outcome.DUPLICATE);
        assertThat(r.record(id("11-0"), 140)).isEqualTo(StormLedger.Outcome.OUT_OF_ORDER);
        assertThat(r.count()).isEqualTo(3);
        assertThat(r.duplicates()).isEqualTo(1);
        assertThat(r.outOfOrder()).isEqualTo(1);
        assertThat(r.last()).isEqualTo(id("12-0"));
        assertThat(r.timeOf(id("12-0"))).as("the first arrival counts").isEqualTo(120);
        assertThat(r.timeOf(id("11-0"))).isEqualTo(140);
        assertThat(r.timeOf(id("13-0"))).isEqualTo(-1);
    }

    @Test
    void receivedGrowsPastItsFirstArray() {
        StormLedger.Received r = new StormLedger.Received();
        for (int i = 1000; i > 0; i -= 2) {
            r.record(id(i + "-0"), i);
        }
        for (int i = 1; i < 1000; i += 2) {
            r.record(id(i + "-0"), i);
        }
        assertThat(r.count()).isEqualTo(1000);
        for (int i = 1; i <= 1000; i++) {
            assertThat(r.timeOf(id(i + "-0"))).isEqualTo(i);
        }
    }

    @Test
    void roomLogSplitsAcksAtTheKill() {
        StormLedger.RoomLog log = new StormLedger.RoomLog();
        log.acked(id("5-0"), 50);
        log.acked(id("3-0"), 70); // acked later than a newer id: another publisher's ack came later
        log.acked(id("7-0"), 90);
        log.acked(id("5-0"), 95); // acked twice: the first time stays
        assertThat(log.all()).containsExactly(id("3-0"), id("5-0"), id("7-0"));
        assertThat(log.ackedBefore(80)).containsExactly(id("3-0"), id("5-0"));
        assertThat(log.ackedBefore(70)).containsExactly(id("5-0"));
        assertThat(log.ackedBefore(10)).isEmpty();
    }

    @Test
    void recoveryIsTheLaterOfRejoinAndTheLastMissingArrival() {
        StormLedger.Received r = new StormLedger.Received();
        r.record(id("1-0"), 10);
        r.record(id("2-0"), 20);
        long[] mustHave = {id("1-0"), id("2-0"), id("3-0")};
        long kill = 25;

        assertThat(StormLedger.recoveredAt(r, -1, mustHave)).as("not re-joined").isEqualTo(-1);
        assertThat(StormLedger.recoveredAt(r, 300, mustHave)).as("3-0 (lost at the kill) still missing").isEqualTo(-1);

        r.record(id("3-0"), 310); // recovered with since, after the joined
        assertThat(StormLedger.recoveredAt(r, 300, mustHave)).isEqualTo(310);
        assertThat(StormLedger.recoveredAt(r, 400, mustHave)).as("had it all before the re-join").isEqualTo(400);
        assertThat(StormLedger.recoveredAt(r, 400, new long[0])).isEqualTo(400);
        assertThat(StormLedger.recoveredAt(r, 300, mustHave) - kill).isEqualTo(285);
    }

    @Test
    void lossCountsAckedIdsAfterTheBaselineThatNeverCame() {
        StormLedger.Received r = new StormLedger.Received();
        long baseline = id("2-0"); // the newest id of its first joined page
        r.record(id("1-0"), 1);
        r.record(id("2-0"), 2);
        r.record(id("3-0"), 3);
        r.record(id("5-0"), 5);
        long[] acked = {id("1-0"), id("2-0"), id("3-0"), id("4-0"), id("5-0"), id("6-0")};
        assertThat(StormLedger.expected(baseline, acked)).isEqualTo(4);
        assertThat(StormLedger.missing(r, baseline, acked)).as("4-0 and 6-0").isEqualTo(2);
        assertThat(StormLedger.missing(r, id("9-0"), acked)).as("all older than the baseline").isZero();
        assertThat(StormLedger.missing(new StormLedger.Received(), -1, acked))
                .as("a member that never joined lost everything").isEqualTo(6);
        // ids received that nobody acked (a send whose ack was lost) are not loss
        r.record(id("4-0"), 4);
        r.record(id("6-0"), 6);
        r.record(id("7-0"), 7);
        assertThat(StormLedger.missing(r, baseline, acked)).isZero();
    }

    @Test
    void backoffDoublesFromHalfASecondToFifteenWithThirtyPercentJitter() {
        Random low = new Random() {
            @Override
            public double nextDouble() {
                return 0.0;
            }
        };
        Random high = new Random() {
            @Override
            public double nextDouble() {
                return 1.0;
            }
        };
        assertThat(StormLink.backoffMs(0, low)).isEqualTo(350);
        assertThat(StormLink.backoffMs(0, high)).isEqualTo(650);
        assertThat(StormLink.backoffMs(1, low)).isEqualTo(700);
        assertThat(StormLink.backoffMs(5, high)).isEqualTo(15_000 * 13 / 10);
        assertThat(StormLink.backoffMs(100, low)).isEqualTo(10_500);
    }

    @Test
    void failureReasonsAddUpWithoutExceptionNames() {
        assertThat(StormLink.Stats.reason("java.io.IOException: handshake refused: HTTP/1.1 503 Service Unavailable"))
                .isEqualTo("handshake refused: HTTP/1.1 503 Service Unavailable");
        assertThat(StormLink.Stats.reason("java.net.ConnectException: Connection refused"))
                .isEqualTo("Connection refused");
    }
}
