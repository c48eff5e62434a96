package io.chatrelay.bench.floor;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The floor servers speak the part of chat-relay's wire the generator uses, the same on both
 * WebSocket layers, and keep the bounds of their inputs.
 */
class FloorTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private Floor.Server server;

    /** Starts a floor server for this test (stopped after it) and returns its port. */
    private int start(String transport) throws InterruptedException {
        server = Floor.start(transport, 0, 2);
        return server.port();
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"helidon", "netty"})
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void roomsFanOutToMembersOnlyAndAck(String transport) throws Exception {
        int port = start(transport);
        Client a = Client.open(port);
        Client b = Client.open(port);
        Client outsider = Client.open(port);
        assertThat(a.next()).isEqualTo("{\"type\":\"welcome\"}");
        assertThat(b.next()).isEqualTo("{\"type\":\"welcome\"}");
        assertThat(outsider.next()).isEqualTo("{\"type\":\"welcome\"}");

        a.send("{\"type\":\"join\",\"room\":\"r1\"}");
        assertThat(a.next()).isEqualTo("{\"type\":\"joined\",\"room\":\"r1\"}");
        b.send("{\"type\":\"join\",\"room\":\"r1\"}");
        assertThat(b.next()).isEqualTo("{\"type\":\"joined\",\"room\":\"r1\"}");

        // a room one is not in: refused, nothing delivered
        outsider.send("{\"type\":\"send\",\"room\":\"r1\",\"text\":\"sneak\",\"ref\":\"1\"}");
        assertThat(outsider.next()).isEqualTo("{\"type\":\"error\",\"code\":\"not_a_member\"}");

        a.send("{\"type\":\"send\",\"room\":\"r1\",\"text\":\"m|1|hi \\\"there\\\"\",\"ref\":\"7\"}");
        String message = "{\"type\":\"message\",\"room\":\"r1\",\"text\":\"m|1|hi \\\"there\\\"\"}";
        assertThat(a.next()).isEqualTo(message);
        assertThat(a.next()).isEqualTo("{\"type\":\"ack\",\"ref\":\"7\"}");
        assertThat(b.next()).isEqualTo(message);

        outsider.send("not json");
        assertThat(outsider.next()).isEqualTo("{\"type\":\"error\",\"code\":\"bad_json\"}");
        outsider.send("{\"type\":\"join\",\"room\":\"" + "x".repeat(Rooms.MAX_ROOM + 1) + "\"}");
        assertThat(outsider.next()).isEqualTo("{\"type\":\"error\",\"code\":\"bad_room\"}");
        for (int i = 0; i < Rooms.MAX_ROOMS_PER_PEER; i++) {
            outsider.send("{\"type\":\"join\",\"room\":\"q" + i + "\"}");
            assertThat(outsider.next()).startsWith("{\"type\":\"joined\"");
        }
        outsider.send("{\"type\":\"join\",\"room\":\"one-too-many\"}");
        assertThat(outsider.next()).isEqualTo("{\"type\":\"error\",\"code\":\"too_many_rooms\"}");

        // nothing else reached the outsider or b
        assertThat(outsider.frames.poll(200, TimeUnit.MILLISECONDS)).isNull();
        assertThat(b.frames.poll(10, TimeUnit.MILLISECONDS)).isNull();

        // a frame over the limit closes the connection; the others keep going
        outsider.send("{\"type\":\"send\",\"text\":\"" + "y".repeat(Rooms.MAX_FRAME) + "\"}");
        assertThat(outsider.closed.get(10, TimeUnit.SECONDS)).isIn(1009, 1006);
        b.send("{\"type\":\"send\",\"room\":\"r1\",\"text\":\"after\",\"ref\":\"8\"}");
        assertThat(a.next()).isEqualTo("{\"type\":\"message\",\"room\":\"r1\",\"text\":\"after\"}");
    }

    @ParameterizedTest
    @ValueSource(strings = {"helidon", "netty"})
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void aClosedMemberLeavesItsRooms(String transport) throws Exception {
        int port = start(transport);
        Client a = Client.open(port);
        Client b = Client.open(port);
        a.next();
        b.next();
        a.send("{\"type\":\"join\",\"room\":\"r\"}");
        b.send("{\"type\":\"join\",\"room\":\"r\"}");
        a.next();
        b.next();
        b.ws.sendClose(1000, "bye").get(5, TimeUnit.SECONDS);
        assertThat(b.closed.get(5, TimeUnit.SECONDS)).isEqualTo(1000);
        // the room still works for the member left, and the gone one is not written to
        for (int i = 0; i < 20; i++) {
            a.send("{\"type\":\"send\",\"room\":\"r\",\"text\":\"t" + i + "\",\"ref\":\"" + i + "\"}");
            assertThat(a.next()).isEqualTo("{\"type\":\"message\",\"room\":\"r\",\"text\":\"t" + i + "\"}");
            assertThat(a.next()).isEqualTo("{\"type\":\"ack\",\"ref\":\"" + i + "\"}");
        }
    }

    @org.junit.jupiter.api.Test
    void helidonFramesCarryTheirLength() {
        assertThat(HelidonFloor.frame("ab")).containsExactly(0x81, 2, 'a', 'b');
        byte[] longer = HelidonFloor.frame("z".repeat(300));
        assertThat(longer).hasSize(304);
        assertThat(new int[] {longer[0] & 0xff, longer[1] & 0xff, longer[2] & 0xff, longer[3] & 0xff})
                .containsExactly(0x81, 126, 1, 44);
        assertThat(longer[303]).isEqualTo((byte) 'z');
    }

    /** A JDK WebSocket client that queues every text frame it receives. */
    private static final class Client implements WebSocket.Listener {
        final BlockingQueue<String> frames = new LinkedBlockingQueue<>();
        final CompletableFuture<Integer> closed = new CompletableFuture<>();
        private final StringBuilder partial = new StringBuilder();
        WebSocket ws;

        static Client open(int port) throws Exception {
            Client c = new Client();
            c.ws = HTTP.newWebSocketBuilder().buildAsync(URI.create("ws://127.0.0.1:" + port + "/ws"), c)
                    .get(10, TimeUnit.SECONDS);
            return c;
        }

        void send(String text) throws Exception {
            ws.sendText(text, true).get(10, TimeUnit.SECONDS);
        }

        String next() throws InterruptedException {
            String f = frames.poll(10, TimeUnit.SECONDS);
            assertThat(f).as("a frame within 10 s").isNotNull();
            return f;
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                frames.add(partial.toString());
                partial.setLength(0);
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            closed.complete(statusCode);
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            closed.complete(1006);
        }
    }
}
