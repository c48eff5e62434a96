package io.chatrelay.gateway;

import io.chatrelay.gateway.support.TestGateways;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The server's pings are spread over the heartbeat interval. Sent to every connection at once,
 * they were a burst of a write and a pong per connection every interval, and the messages queued
 * behind it waited: with 1,000 connections per gateway, 20-50 ms every 30 s (docs/benchmarks.md,
 * What limits chat-relay, 6).
 */
class HeartbeatIT {
    private static final int CONNECTIONS = 40;
    private static final Duration INTERVAL = Duration.ofSeconds(2);
    private static Gateway gateway;

    @BeforeAll
    static void start() {
        gateway = TestGateways.start("gw-heartbeat", Map.of("CHAT_HEARTBEAT_INTERVAL", "PT2S", "CHAT_HEARTBEAT_TIMEOUT", "PT60S",
                "CHAT_MAX_CONNECTIONS_PER_ADDRESS", "100"));
    }

    @AfterAll
    static void stop() {
        gateway.close();
    }

    @Test
    void everyConnectionIsPingedOncePerIntervalAndThePingsAreSpreadOverIt() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        List<Pings> clients = new ArrayList<>();
        List<WebSocket> sockets = new ArrayList<>();
        try {
            for (int i = 0; i < CONNECTIONS; i++) {
                Pings pings = new Pings();
                clients.add(pings);
                sockets.add(http.newWebSocketBuilder()
                        .buildAsync(URI.create("ws://127.0.0.1:" + gateway.port() + "/ws?name=hb" + i), pings)
                        .get(10, TimeUnit.SECONDS));
            }
            long opened = System.nanoTime();
            await("every connection pinged three times").atMost(Duration.ofSeconds(15))
                    .until(() -> clients.stream().allMatch(c -> c.times.size() >= 3));
            long elapsed = System.nanoTime() - opened;

            List<Long> first = clients.stream().map(c -> c.times.peek()).sorted().toList();
            long spread = first.getLast() - first.getFirst();
            assertThat(Duration.ofNanos(spread)).as("first pings of %d connections spread over the 2 s interval", CONNECTIONS)
                    .isGreaterThan(INTERVAL.dividedBy(2));

            for (Pings c : clients) {
                List<Long> t = new ArrayList<>(c.times);
                for (int i = 1; i < t.size(); i++) {
                    assertThat(Duration.ofNanos(t.get(i) - t.get(i - 1))).as("time between two pings of one connection")
                            .isBetween(INTERVAL.minusMillis(400), INTERVAL.plusMillis(800));
                }
                assertThat(t.size()).as("pings in %d ms", TimeUnit.NANOSECONDS.toMillis(elapsed))
                        .isLessThanOrEqualTo((int) (elapsed / INTERVAL.toNanos()) + 2);
            }
        } finally {
            for (WebSocket s : sockets) {
                s.abort();
            }
        }
    }

    /** Records when pings arrive (the JDK client answers them itself). */
    private static final class Pings implements WebSocket.Listener {
        final ConcurrentLinkedQueue<Long> times = new ConcurrentLinkedQueue<>();

        @Override
        public CompletionStage<?> onPing(WebSocket webSocket, ByteBuffer message) {
            times.add(System.nanoTime());
            return WebSocket.Listener.super.onPing(webSocket, message);
        }
    }
}
