package io.chatrelay.gateway.ws;

import io.helidon.common.buffers.BufferData;
import io.helidon.common.socket.SocketContext;
import io.helidon.websocket.WsSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The per-connection writer: one write at a time, in order, bounded, and it ends exactly once. */
class OutboundTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    private final RecordingSession ws = new RecordingSession();
    private final AtomicInteger terminated = new AtomicInteger();
    private final AtomicInteger dropped = new AtomicInteger();
    private final AtomicInteger slow = new AtomicInteger();
    private final Outbound out = new Outbound(ws, ws::write, "t", 8, 1_000, new Outbound.Listener() {
        @Override
        public void dropped() {
            dropped.incrementAndGet();
        }

        @Override
        public void slowConsumer() {
            slow.incrementAndGet();
        }
    }, terminated::incrementAndGet);

    @AfterEach
    void release() {
        ws.gate.countDown();
        out.stop();
    }

    @Test
    void framesFromManyThreadsAreWrittenOneAtATimeInEachSendersOrder() throws Exception {
        ws.gate.countDown();
        Outbound wide = new Outbound(ws, ws::write, "wide", 100_000, 100_000_000, new Outbound.Listener() {
        }, terminated::incrementAndGet);
        List<Thread> senders = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            int sender = t;
            senders.add(Thread.ofPlatform().start(() -> {
                for (int i = 0; i < 2_000; i++) {
                    assertThat(wide.offer(sender + ":" + i, Outbound.Kind.CHAT)).isTrue();
                }
            }));
        }
        for (Thread t : senders) {
            assertThat(t.join(WAIT)).isTrue();
        }

        await().atMost(WAIT).until(() -> ws.frames.size() == 8_000);
        assertThat(ws.overlaps).as("sends that overlapped").hasValue(0);
        for (int t = 0; t < 4; t++) {
            String prefix = t + ":";
            assertThat(ws.frames.stream().filter(f -> f.startsWith(prefix)).map(f -> Integer.parseInt(f.substring(2))).toList())
                    .isSorted().hasSize(2_000);
        }
        assertThat(wide.queued()).isZero();
    }

    @Test
    void anIdleConnectionHoldsNoWriterAndItsNextFrameStartsOne() {
        ws.gate.countDown();
        out.offer("first", Outbound.Kind.CHAT);
        await().atMost(WAIT).until(() -> ws.frames.size() == 1 && !out.draining());
        out.offer("second", Outbound.Kind.REPLY);

        await().atMost(WAIT).until(() -> ws.frames.size() == 2);
        assertThat(ws.frames).containsExactly("first", "second");
    }

    @Test
    void aBurstOfferedRightAfterAWriteIsWrittenWholeAndInOrder() {
        ws.gate.countDown();
        out.offer("first", Outbound.Kind.CHAT);
        await().atMost(WAIT).until(() -> ws.frames.size() == 1);
        for (int i = 0; i < 7; i++) { // within the bound of 8 queued frames
            assertThat(out.offer("more-" + i, Outbound.Kind.CHAT)).isTrue();
        }

        await().atMost(WAIT).until(() -> ws.frames.size() == 8);
        assertThat(ws.overlaps).hasValue(0);
        assertThat(ws.frames).containsExactly("first", "more-0", "more-1", "more-2", "more-3", "more-4", "more-5", "more-6");
    }

    @Test
    void framesQueuedBehindABlockedWriteGoOutTogetherInOneSocketWrite() {
        out.offer("blocks", Outbound.Kind.CHAT);
        await().atMost(WAIT).until(() -> ws.inSend.get() == 1);
        for (int i = 0; i < 5; i++) {
            assertThat(out.offer("queued-" + i, Outbound.Kind.CHAT)).isTrue();
        }
        assertThat(out.offer("a reply", Outbound.Kind.REPLY)).isTrue();

        ws.gate.countDown();
        await().atMost(WAIT).until(() -> ws.frames.size() == 7);
        assertThat(ws.frames).containsExactly("blocks", "queued-0", "queued-1", "queued-2", "queued-3", "queued-4", "a reply");
        assertThat(ws.writes).as("the blocked write, then one for the six queued behind it").hasValue(2);
        assertThat(out.queued()).isZero();
    }

    @Test
    void oneEncodedFrameServesEveryConnectionItIsOfferedTo() {
        WsFrames.Cache cache = new WsFrames.Cache();
        String text = "{\"type\":\"message\",\"text\":\"h\u00e9\"}";
        byte[] first = cache.of(text);
        assertThat(cache.of(text)).isSameAs(first);
        assertThat(WsFrames.payload(first, 0)).isEqualTo(text);
        assertThat(cache.of(new String(text))).as("another string: encoded again").isNotSameAs(first).isEqualTo(first);
        String big = "x".repeat(70_000);
        byte[] large = WsFrames.text(big);
        assertThat(WsFrames.length(large, 0)).isEqualTo(large.length).isEqualTo(70_010);
        assertThat(WsFrames.payload(large, 0)).isEqualTo(big);
        assertThat(WsFrames.length(WsFrames.text("y".repeat(300)), 0)).isEqualTo(304);
    }

    @Test
    void aSlowConsumerLosesTypingFirstThenIsClosedWith1013() {
        out.offer("blocks", Outbound.Kind.CHAT);
        await().atMost(WAIT).until(() -> ws.inSend.get() == 1);
        for (int i = 0; i < 4; i++) {
            assertThat(out.offer("chat-" + i, Outbound.Kind.CHAT)).isTrue();
        }
        assertThat(out.offer("typing", Outbound.Kind.EPHEMERAL)).as("dropped at half full").isFalse();
        for (int i = 4; i < 8; i++) {
            assertThat(out.offer("chat-" + i, Outbound.Kind.CHAT)).isTrue();
        }
        assertThat(out.offer("one too many", Outbound.Kind.CHAT)).isFalse();

        ws.gate.countDown();
        await().atMost(WAIT).until(() -> ws.closes.size() == 1);
        assertThat(ws.closes).containsExactly(1013);
        assertThat(ws.frames).containsExactly("blocks");
        assertThat(dropped).hasValue(1);
        assertThat(slow).hasValue(1);
        assertThat(out.offer("after close", Outbound.Kind.REPLY)).isFalse();
        out.stop();
        await().atMost(WAIT).until(() -> terminated.get() == 1);
    }

    @Test
    void aGracefulCloseWritesWhatIsQueuedFirst() {
        ws.gate.countDown();
        out.offer("a", Outbound.Kind.CHAT);
        out.offer("b", Outbound.Kind.REPLY);
        out.close(1012, "gateway restarting", false);

        await().atMost(WAIT).until(() -> ws.closes.size() == 1);
        assertThat(ws.closes).containsExactly(1012);
        assertThat(ws.frames).containsExactly("a", "b");
        assertThat(terminated).as("waits for the client's close reply").hasValue(0);
        out.stop(); // Helidon reports the close handshake done
        await().atMost(WAIT).until(() -> terminated.get() == 1);
    }

    @Test
    void aFailedWriteEndsTheWriterOnceAndRefusesMore() {
        ws.gate.countDown();
        ws.fail = true;
        out.offer("lost with the socket", Outbound.Kind.CHAT);

        await().atMost(WAIT).until(() -> terminated.get() == 1);
        assertThat(out.closing()).isTrue();
        assertThat(out.offer("more", Outbound.Kind.CHAT)).isFalse();
        out.stop();
        out.close(1000, "bye", false);
        await().during(Duration.ofMillis(200)).atMost(WAIT).until(() -> terminated.get() == 1);
    }

    @Test
    void pingsAndPongsGoThroughTheSameWriter() {
        ws.gate.countDown();
        out.ping();
        out.pong(BufferData.create("p"));

        await().atMost(WAIT).until(() -> ws.controls.size() == 2);
        assertThat(ws.controls).containsExactly("ping", "pong");
    }

    /** Records writes; {@code send} waits for {@link #gate} (a client that does not read) and detects overlap. */
    private static final class RecordingSession implements WsSession {
        final CountDownLatch gate = new CountDownLatch(1);
        final List<String> frames = new CopyOnWriteArrayList<>();
        final List<Integer> closes = new CopyOnWriteArrayList<>();
        final List<String> controls = new CopyOnWriteArrayList<>();
        final AtomicInteger inSend = new AtomicInteger();
        final AtomicInteger writes = new AtomicInteger();
        final AtomicInteger overlaps = new AtomicInteger();
        volatile boolean fail;

        /** The socket write of the gateway's writer: whole encoded frames, one call per batch. */
        void write(byte[] bytes, int offset, int length) {
            gated(() -> {
                writes.incrementAndGet();
                for (int at = offset; at < offset + length; at += WsFrames.length(bytes, at)) {
                    assertThat(bytes[at] & 0xff).as("FIN + text opcode").isEqualTo(0x81);
                    frames.add(WsFrames.payload(bytes, at));
                }
            });
        }

        @Override
        public WsSession send(String text, boolean last) {
            gated(() -> frames.add(text));
            return this;
        }

        /** Waits for the gate, detects overlapping writes, fails when told to. */
        private void gated(Runnable write) {
            if (inSend.incrementAndGet() > 1) {
                overlaps.incrementAndGet();
            }
            try {
                if (!gate.await(30, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("test gate never opened");
                }
                if (fail) {
                    throw new java.io.UncheckedIOException(new java.io.IOException("broken pipe"));
                }
                write.run();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            } finally {
                inSend.decrementAndGet();
            }
        }

        @Override
        public WsSession send(BufferData bufferData, boolean last) {
            throw new UnsupportedOperationException("the gateway sends text frames only");
        }

        @Override
        public WsSession ping(BufferData bufferData) {
            controls.add("ping");
            return this;
        }

        @Override
        public WsSession pong(BufferData bufferData) {
            controls.add("pong");
            return this;
        }

        @Override
        public WsSession close(int code, String reason) {
            closes.add(code);
            return this;
        }

        @Override
        public WsSession terminate() {
            return this;
        }

        @Override
        public SocketContext socketContext() {
            throw new UnsupportedOperationException();
        }
    }
}
