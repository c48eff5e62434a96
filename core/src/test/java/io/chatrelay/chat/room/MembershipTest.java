package io.chatrelay.chat.room;

import io.chatrelay.broker.FrameMeta;
import io.chatrelay.broker.StoredFrame;
import io.chatrelay.chat.Identity;
import io.chatrelay.chat.RecordingRecipient;
import io.chatrelay.chat.Session;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class MembershipTest {
    private static final String ROOM = "room:r";
    private static final FrameMeta META = new FrameMeta("message", "bob", 1);

    private final RecordingRecipient out = new RecordingRecipient();
    private final Membership membership = new Membership(ROOM, new Session("s1", new Identity("alice", false), out, 1));

    private static StoredFrame stored(String id) {
        return new StoredFrame(ROOM, id, META, "{\"type\":\"message\",\"id\":\"" + id + "\"}");
    }

    private static StoredFrame ephemeral(String type) {
        return new StoredFrame(ROOM, null, new FrameMeta(type, "bob", 1), "{\"type\":\"" + type + "\"}");
    }

    private List<String> ids() {
        return out.drain().stream().map(f -> f.has("id") ? f.path("id").asText() : f.path("type").asText()).toList();
    }

    @Test
    void dropsLiveCopiesOfMessagesTheReplayAlreadySent() {
        membership.goLive("2-0");
        membership.deliver(stored("1-5"));
        membership.deliver(stored("2-0"));
        membership.deliver(ephemeral("typing"));
        membership.deliver(stored("2-1"));
        membership.deliver(stored("3-0"));

        assertThat(ids()).containsExactly("typing", "2-1", "3-0");
    }

    @Test
    void buffersLiveFramesWhileReplaying() {
        membership.deliver(stored("1-0"));
        membership.deliver(ephemeral("typing"));

        assertThat(out.frames()).isEmpty();
    }

    @Test
    void releasesOnlyBufferedFramesNewerThanTheReplayAndEphemeralOnes() {
        membership.deliver(stored("1-0"));
        membership.deliver(stored("2-0"));
        membership.deliver(ephemeral("typing"));
        membership.deliver(stored("2-1"));
        membership.deliver(stored("3-0"));

        membership.goLive("2-0");

        assertThat(ids()).containsExactly("typing", "2-1", "3-0");
    }

    @Test
    void comparesIdsAsStreamIdsNotAsText() {
        membership.deliver(stored("9-5"));
        membership.deliver(stored("10-0"));
        membership.deliver(stored("9-10"));

        membership.goLive("9-6");

        assertThat(ids()).containsExactly("10-0", "9-10");
    }

    @Test
    void releasesEverythingBufferedWhenTheReplaySentNothing() {
        membership.deliver(stored("1-0"));
        membership.deliver(stored("2-0"));

        membership.goLive(null);

        assertThat(ids()).containsExactly("1-0", "2-0");
    }

    @Test
    void aReplayAgainBuffersAnewAndGuardsAgainstTheNewReplay() {
        membership.goLive("1-0");
        membership.deliver(stored("2-0"));
        membership.replayAgain();
        membership.deliver(stored("3-0"));
        membership.deliver(stored("4-0"));

        membership.goLive("3-0");
        membership.deliver(stored("3-0"));
        membership.deliver(stored("5-0"));

        assertThat(ids()).containsExactly("2-0", "4-0", "5-0");
    }

    @Test
    void anOverflowingReplayBufferIsEmptiedAndMovesTheEpochInsteadOfClosing() {
        int before = membership.epoch();
        for (int i = 1; i <= Membership.MAX_BUFFERED + 10; i++) {
            membership.deliver(stored(i + "-0"));
        }

        assertThat(membership.epoch()).isEqualTo(before + 1);
        assertThat(out.closed()).isNull();
        membership.goLive((Membership.MAX_BUFFERED) + "-0");
        assertThat(ids()).as("only what came after the overflow is still buffered")
                .hasSize(10).first().isEqualTo((Membership.MAX_BUFFERED + 1) + "-0");
    }

    @Test
    void overflowsOnBufferedCharactersToo() {
        String big = "x".repeat((int) (Membership.MAX_BUFFERED_CHARS / 4));
        int before = membership.epoch();
        for (int i = 1; i <= 5; i++) {
            membership.deliver(new StoredFrame(ROOM, i + "-0", META, "{\"id\":\"" + i + "-0\",\"t\":\"" + big + "\"}"));
        }

        assertThat(membership.epoch()).isEqualTo(before + 1);
    }

    @Test
    void marksDirectMessagesFromAnInboxAsNotDroppable() {
        RecordingRecipient inboxOut = new RecordingRecipient();
        Membership inbox = new Membership(Topics.inbox("alice"), new Session("s2", new Identity("alice", false), inboxOut, 1));
        inbox.goLive(null);

        inbox.deliver(new StoredFrame(Topics.inbox("alice"), null, new FrameMeta("direct", "bob", 1), "{\"type\":\"message\"}"));
        membership.goLive(null);
        membership.deliver(ephemeral("presence"));

        assertThat(inboxOut.next("message")).isNotNull();
        assertThat(out.next("presence")).isNotNull();
    }

    @Test
    void goingLiveWhileFramesArriveLosesAndDuplicatesNothing() throws Exception {
        ExecutorService pool = Executors.newSingleThreadExecutor();
        CountDownLatch started = new CountDownLatch(1);
        try {
            Future<?> feeder = pool.submit(() -> {
                started.countDown();
                for (int i = 1; i <= 1000; i++) {
                    membership.deliver(stored(i + "-0"));
                }
            });
            started.await(5, TimeUnit.SECONDS);
            membership.goLive("0-0");
            feeder.get(5, TimeUnit.SECONDS);
        } finally {
            pool.shutdownNow();
        }

        List<String> got = out.all("message", Duration.ZERO).stream().map(f -> f.path("id").asText()).toList();
        assertThat(got).hasSize(1000).doesNotHaveDuplicates();
        for (int i = 0; i < got.size(); i++) {
            assertThat(got.get(i)).isEqualTo((i + 1) + "-0");
        }
    }
}
