package io.chatrelay.gateway.room;

import io.chatrelay.broker.StoredFrame;
import io.chatrelay.gateway.room.RecordingRecipient.Delivery;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class MembershipTest {
    private static final String ROOM = "room:r";

    private final RecordingRecipient recipient = new RecordingRecipient("alice");
    private final Membership membership = new Membership(ROOM, recipient);

    @Test
    void dropsLiveCopiesOfMessagesTheAnswerAlreadyCarried() {
        membership.goLive("answer", "2-0");
        membership.deliver(stored("1-5"));
        membership.deliver(stored("2-0"));
        membership.deliver(ephemeral("typing"));
        membership.deliver(stored("2-1"));
        membership.deliver(stored("3-0"));

        assertThat(recipient.frames()).containsExactly("answer", "typing", "frame 2-1", "frame 3-0");
    }

    @Test
    void buffersLiveFramesWhileReplaying() {
        membership.deliver(stored("1-0"));
        membership.deliver(ephemeral("typing"));

        assertThat(recipient.deliveries()).isEmpty();
        assertThat(recipient.overflows()).isZero();
    }

    @Test
    void sendsTheAnswerFirstThenOnlyBufferedFramesNewerThanTheAnswer() {
        membership.deliver(stored("1-0"));
        membership.deliver(stored("2-0"));
        membership.deliver(ephemeral("typing"));
        membership.deliver(stored("2-1"));
        membership.deliver(stored("3-0"));

        membership.goLive("answer", "2-0");

        assertThat(recipient.deliveries()).containsExactly(
                new Delivery("answer", false),
                new Delivery("typing", true),
                new Delivery("frame 2-1", false),
                new Delivery("frame 3-0", false));
    }

    @Test
    void keepsEphemeralFramesBufferedBeforeTheAnswersLastId() {
        membership.deliver(ephemeral("presence"));
        membership.deliver(stored("1-0"));

        membership.goLive("answer", "5-0");

        assertThat(recipient.frames()).containsExactly("answer", "presence");
    }

    @Test
    void comparesIdsAsStreamIdsNotAsText() {
        membership.deliver(stored("9-5"));
        membership.deliver(stored("10-0"));
        membership.deliver(stored("9-10"));

        membership.goLive("answer", "9-6");

        assertThat(recipient.frames()).containsExactly("answer", "frame 10-0", "frame 9-10");
    }

    @Test
    void sendsEveryBufferedFrameWhenTheAnswerCarriedNoMessage() {
        membership.deliver(stored("1-0"));
        membership.deliver(stored("2-0"));

        membership.goLive("answer", null);

        assertThat(recipient.frames()).containsExactly("answer", "frame 1-0", "frame 2-0");
    }

    @Test
    void goesLiveWithoutAnAnswer() {
        membership.deliver(stored("1-0"));

        membership.goLive(null, null);

        assertThat(recipient.frames()).containsExactly("frame 1-0");
    }

    @Test
    void deliversDirectlyOnTheCallersThreadOnceLive() {
        membership.goLive("answer", null);

        membership.deliver(stored("1-0"));
        membership.deliver(ephemeral("typing"));
        membership.deliver(stored("2-0"));

        assertThat(recipient.deliveries()).containsExactly(
                new Delivery("answer", false),
                new Delivery("frame 1-0", false),
                new Delivery("typing", true),
                new Delivery("frame 2-0", false));
    }

    @Test
    void doesNotReplayTheBufferTwice() {
        membership.deliver(stored("1-0"));
        membership.goLive("answer", null);

        membership.deliver(stored("2-0"));

        assertThat(recipient.frames()).containsExactly("answer", "frame 1-0", "frame 2-0");
    }

    @Test
    void marksUnstoredFramesOfAnInboxAsNotDroppable() {
        RecordingRecipient bob = new RecordingRecipient("bob");
        Membership inbox = new Membership(Topics.inbox("bob"), bob);

        inbox.deliver(ephemeral("dm while replaying"));
        inbox.goLive(null, null);
        inbox.deliver(ephemeral("dm while live"));

        assertThat(bob.deliveries()).containsExactly(
                new Delivery("dm while replaying", false),
                new Delivery("dm while live", false));
    }

    @Test
    void buffersUpToTheLimitWithoutOverflow() {
        for (int i = 0; i < Membership.MAX_BUFFERED; i++) {
            membership.deliver(stored(i + "-0"));
        }

        membership.goLive("answer", null);

        assertThat(recipient.overflows()).isZero();
        assertThat(recipient.frames()).hasSize(Membership.MAX_BUFFERED + 1).startsWith("answer", "frame 0-0")
                .endsWith("frame " + (Membership.MAX_BUFFERED - 1) + "-0");
    }

    @Test
    void reportsOverflowOnceWhenTheBufferIsFull() {
        for (int i = 0; i < Membership.MAX_BUFFERED + 500; i++) {
            membership.deliver(stored(i + "-0"));
        }

        assertThat(recipient.overflows()).isEqualTo(1);
        assertThat(recipient.deliveries()).isEmpty();

        membership.goLive("answer", null);

        assertThat(recipient.overflows()).isEqualTo(1);
        assertThat(recipient.frames()).doesNotContain("frame 0-0");
    }

    @Test
    void exposesTopicAndRecipient() {
        assertThat(membership.topic()).isEqualTo(ROOM);
        assertThat(membership.recipient()).isSameAs(recipient);
    }

    /**
     * The broker's dispatcher keeps delivering while the session thread goes live: every frame
     * after the answer's last id arrives exactly once and in order, whether it was buffered or
     * delivered live.
     */
    @RepeatedTest(20)
    void losesAndDuplicatesNothingWhenGoingLiveDuringDelivery() throws Exception {
        int beforeLive = 1000;
        int total = 3000; // stays below MAX_BUFFERED even if nothing goes live
        int lastInAnswer = 500;
        CountDownLatch firstPart = new CountDownLatch(1);

        try (ExecutorService dispatcher = Executors.newSingleThreadExecutor()) {
            Future<?> producer = dispatcher.submit(() -> {
                for (int i = 1; i <= total; i++) {
                    membership.deliver(stored(i + "-0"));
                    if (i == beforeLive) {
                        firstPart.countDown();
                    }
                }
            });
            assertThat(firstPart.await(5, TimeUnit.SECONDS)).isTrue();

            membership.goLive("answer", lastInAnswer + "-0");

            producer.get(5, TimeUnit.SECONDS);
        }

        List<String> expected = new ArrayList<>();
        expected.add("answer");
        for (int i = lastInAnswer + 1; i <= total; i++) {
            expected.add("frame " + i + "-0");
        }
        assertThat(recipient.frames()).containsExactlyElementsOf(expected);
    }

    private static StoredFrame stored(String id) {
        return new StoredFrame(ROOM, id, "frame " + id);
    }

    private static StoredFrame ephemeral(String text) {
        return new StoredFrame(ROOM, null, text);
    }
}
