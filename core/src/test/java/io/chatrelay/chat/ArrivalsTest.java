package io.chatrelay.chat;

import com.fasterxml.jackson.databind.JsonNode;
import io.chatrelay.chat.TestCore.Client;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The pacing of arrivals: sessions opening and joining take turns, a session whose turn does not
 * come in time is closed with 1013 and counts nowhere, and a session waiting for its client to
 * read (or for the application's hook) does not hold the turn of others.
 */
class ArrivalsTest {
    private static final Duration QUIET = Duration.ofMillis(300);
    private TestCore chat;

    @AfterEach
    void close() {
        if (chat != null) {
            chat.close();
        }
    }

    private static ChatSettings paced(int arrivals, Duration wait, int pageBytes) {
        ChatSettings base = TestCore.settings(100, pageBytes);
        ChatSettings.Limits l = base.limits();
        return new ChatSettings(base.nodeId(), base.defaultRoom(),
                new ChatSettings.Limits(l.maxText(), l.maxRooms(), l.maxConnections(), l.maxPerUser(), arrivals, wait),
                base.history(), base.presence(), base.messages(), base.brokerTimeout());
    }

    /** A session opening on its own thread, with its recipient made beforehand. */
    private record Opening(RecordingRecipient out, Session session, CompletableFuture<Boolean> admitted) {
    }

    private Opening open(String user, RecordingRecipient out) {
        Session session = new Session("s-" + user, new Identity(user, false), out, 1);
        CompletableFuture<Boolean> admitted = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> admitted.complete(chat.core().open(session, Map.of())));
        return new Opening(out, session, admitted);
    }

    /** Opens a session that stops inside its turn, at its welcome, until {@code release}. */
    private Opening openHeld(String user, CountDownLatch release) throws InterruptedException {
        RecordingRecipient out = new RecordingRecipient();
        CountDownLatch held = new CountDownLatch(1);
        out.beforeNextReply(() -> {
            held.countDown();
            await(release);
        });
        Opening o = open(user, out);
        assertThat(held.await(5, TimeUnit.SECONDS)).as("the first session reached its welcome").isTrue();
        return o;
    }

    /** A core with one turn, taken by a session held at its welcome until {@code release}. */
    private Opening oneTurnTakenBy(String user, Duration wait, CountDownLatch release) throws InterruptedException {
        chat = new TestCore(paced(1, wait, 262_144));
        return openHeld(user, release);
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void aSessionArrivingWhileTheTurnsAreTakenWaitsAndIsServedWhenOneEnds() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        Opening first = oneTurnTakenBy("first", Duration.ofSeconds(5), release);

        Opening second = open("second", new RecordingRecipient());
        assertThat(second.out().poll(f -> true, QUIET)).as("nothing for the second while the first has the only turn").isNull();

        release.countDown();
        assertThat(first.admitted().get(5, TimeUnit.SECONDS)).isTrue();
        assertThat(second.admitted().get(5, TimeUnit.SECONDS)).isTrue();
        assertThat(second.out().next("welcome").path("user").asText()).isEqualTo("second");
        assertThat(second.out().next("joined").path("room").asText()).isEqualTo("lobby");
        assertThat(second.out().closed()).isNull();
    }

    @Test
    void aSessionWhoseTurnDoesNotComeInTimeIsClosedWith1013AndCountsNowhere() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        Opening first = oneTurnTakenBy("first", Duration.ofMillis(200), release);

        Opening second = open("second", new RecordingRecipient());
        assertThat(second.admitted().get(5, TimeUnit.SECONDS)).as("refused after its wait").isFalse();
        assertThat(second.out().closed()).isEqualTo(CloseCode.OVERLOAD);
        assertThat(second.out().frames()).as("no welcome, no room").isEmpty();
        assertThat(chat.core().sessions().count()).as("only the first is a session").isEqualTo(1);

        release.countDown();
        assertThat(first.admitted().get(5, TimeUnit.SECONDS)).isTrue();
        Client third = chat.connect("third");
        assertThat(third.admitted()).isTrue();
        assertThat(third.out().next("joined").path("room").asText()).isEqualTo("lobby");
    }

    @Test
    void aJoinWhoseTurnDoesNotComeInTimeClosesWith1013AndJoinsNothing() throws Exception {
        chat = new TestCore(paced(1, Duration.ofMillis(200), 262_144));
        Client holder = chat.connect("holder");
        holder.out().next("joined");
        Client early = chat.connect("early");
        early.out().next("joined");
        // the holder's join stops inside its turn, at its joined
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch held = new CountDownLatch(1);
        holder.out().beforeNextReply(() -> {
            held.countDown();
            await(release);
        });
        Thread joining = Thread.ofVirtual().start(() -> holder.send(chat.core(), "{\"type\":\"join\",\"room\":\"first\"}"));
        assertThat(held.await(5, TimeUnit.SECONDS)).isTrue();

        early.send(chat.core(), "{\"type\":\"join\",\"room\":\"later\"}");

        assertThat(early.out().closed()).isEqualTo(CloseCode.OVERLOAD);
        assertThat(chat.core().rooms().roomCount(early.session())).as("still only in the lobby").isEqualTo(1);
        release.countDown();
        joining.join(5_000);
        assertThat(holder.out().next("joined").path("room").asText()).isEqualTo("first");
    }

    @Test
    void aWelcomedSessionJoinsWithoutWaitingBehindSessionsThatArriveAfterIt() throws Exception {
        chat = new TestCore(paced(1, Duration.ofSeconds(5), 262_144));
        Client welcomed = chat.connect("welcomed");
        welcomed.out().next("joined");
        CountDownLatch release = new CountDownLatch(1);
        Opening later = openHeld("later", release);

        welcomed.send(chat.core(), "{\"type\":\"join\",\"room\":\"next\"}");

        assertThat(welcomed.out().next(f -> "joined".equals(f.path("type").asText()), QUIET).path("room").asText())
                .as("joined while a later arrival holds the one turn to open").isEqualTo("next");
        release.countDown();
        assertThat(later.admitted().get(5, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void aRecoveryWaitingForItsClientToReadDoesNotHoldTheTurnOfOthers() throws Exception {
        chat = new TestCore(paced(1, Duration.ofSeconds(5), 1024));
        Client writer = chat.connect("writer");
        writer.out().next("joined");
        writer.send(chat.core(), "{\"type\":\"send\",\"room\":\"lobby\",\"text\":\"start\"}");
        String since = writer.out().next("ack").path("id").asText();
        for (int i = 0; i < 20; i++) {
            writer.send(chat.core(), "{\"type\":\"send\",\"room\":\"lobby\",\"text\":\"m" + i + "-" + "z".repeat(150) + "\"}");
            writer.out().next("ack");
        }
        Client reader = chat.connect("reader");
        reader.out().next("joined");
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch waiting = new CountDownLatch(1);
        reader.out().beforeNextAwaitRoom(() -> {
            waiting.countDown();
            await(release);
        });
        Thread recovering = Thread.ofVirtual().start(() ->
                reader.send(chat.core(), "{\"type\":\"join\",\"room\":\"lobby\",\"since\":\"" + since + "\"}"));
        assertThat(waiting.await(5, TimeUnit.SECONDS)).as("the recovery waits for its client to read").isTrue();

        Opening other = open("other", new RecordingRecipient());
        assertThat(other.admitted().get(3, TimeUnit.SECONDS)).as("served while the recovery waits").isTrue();
        assertThat(other.out().next("joined").path("room").asText()).isEqualTo("lobby");

        release.countDown();
        recovering.join(5_000);
        assertThat(recovering.isAlive()).isFalse();
        JsonNode joined = reader.out().next("joined");
        int got = joined.path("messages").size();
        while (got < 20) {
            reader.out().next("message");
            got++;
        }
        assertThat(reader.out().closed()).isNull();
    }

    @Test
    void turnsAreGivenInArrivalOrder() throws Exception {
        Arrivals arrivals = new Arrivals(1, Duration.ofSeconds(5));
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch inside = new CountDownLatch(1);
        Thread holder = Thread.ofVirtual().start(() -> arrivals.inTurn(Arrivals.Lane.OPEN, () -> {
            inside.countDown();
            await(release);
        }));
        assertThat(inside.await(5, TimeUnit.SECONDS)).isTrue();
        List<Integer> served = new CopyOnWriteArrayList<>();
        AtomicInteger refused = new AtomicInteger();
        Thread[] waiters = new Thread[5];
        for (int i = 0; i < waiters.length; i++) {
            int n = i;
            waiters[i] = Thread.ofVirtual().start(() -> {
                if (!arrivals.inTurn(Arrivals.Lane.OPEN, () -> served.add(n))) {
                    refused.incrementAndGet();
                }
            });
            // the next one arrives once this one is in line
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (arrivals.waiting() < n + 1 && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
        }
        assertThat(served).isEmpty();
        release.countDown();
        holder.join(5_000);
        for (Thread t : waiters) {
            t.join(5_000);
        }
        assertThat(served).containsExactly(0, 1, 2, 3, 4);
        assertThat(refused).hasValue(0);
    }
}
