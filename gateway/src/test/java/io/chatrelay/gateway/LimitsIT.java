package io.chatrelay.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import io.chatrelay.chat.Session;
import io.chatrelay.gateway.support.TestGateways;
import io.chatrelay.testkit.ChatClient;
import io.chatrelay.testkit.RawWsClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Heartbeats, size and rate limits, slow consumers and the connection cap on one gateway. */
class LimitsIT {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static Gateway gateway;
    private static int port;

    @BeforeAll
    static void start() {
        gateway = TestGateways.start("gw-limits", Map.of(
                "CHAT_HEARTBEAT_INTERVAL", "PT0.3S", "CHAT_HEARTBEAT_TIMEOUT", "PT1.5S",
                "CHAT_MAX_FRAME", "2048", "CHAT_MAX_TEXT", "1000", "CHAT_MAX_CONNECTIONS", "40",
                "CHAT_OUTBOUND_FRAMES", "64", "CHAT_OUTBOUND_BYTES", "65536",
                "CHAT_RATE_PER_SECOND", "20", "CHAT_RATE_BURST", "40"));
        port = gateway.port();
    }

    @AfterAll
    static void stop() {
        gateway.close();
    }

    @Test
    void pingsClientsAndClosesThoseThatNeverAnswer() throws Exception {
        try (RawWsClient mute = RawWsClient.connect(port, "/ws?name=mute")) {
            assertThat(mute.status()).isEqualTo(101);
            assertThat(mute.readUntil(RawWsClient.PING, WAIT)).as("server ping").isNotNull();
            RawWsClient.Frame close = mute.readUntil(RawWsClient.CLOSE, WAIT);
            assertThat(close).as("close after missed pongs").isNotNull();
            assertThat(close.closeCode()).isEqualTo(1001);
        }
    }

    @Test
    void keepsClientsThatAnswerPings() throws Exception {
        try (ChatClient alive = ChatClient.connect(port, "alive")) {
            await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5)).until(alive::isOpen);
            alive.send("type", "ping");
            assertThat(alive.next("pong")).isNotNull();
        }
    }

    @Test
    void answersClientPingsWithPongs() throws Exception {
        try (RawWsClient pinger = RawWsClient.connect(port, "/ws?name=pinger")) {
            pinger.send(RawWsClient.PING, "are-you-there".getBytes(StandardCharsets.UTF_8), true);
            RawWsClient.Frame pong = pinger.readUntil(RawWsClient.PONG, WAIT);
            assertThat(pong).isNotNull();
            assertThat(pong.text()).isEqualTo("are-you-there");
        }
    }

    @Test
    void closesWith1009OnAFrameOverTheLimit() throws Exception {
        try (RawWsClient big = RawWsClient.connect(port, "/ws?name=big")) {
            big.readTextContaining("\"joined\"", WAIT);
            big.sendText("{\"type\":\"send\",\"room\":\"lobby\",\"text\":\"" + "x".repeat(3000) + "\"}");
            RawWsClient.Frame close = big.readUntil(RawWsClient.CLOSE, WAIT);
            assertThat(close).isNotNull();
            assertThat(close.closeCode()).isEqualTo(1009);
        }
    }

    @Test
    void closesWith1009WhenFragmentsAddUpOverTheLimit() throws Exception {
        try (RawWsClient frag = RawWsClient.connect(port, "/ws?name=frag")) {
            frag.readTextContaining("\"joined\"", WAIT);
            byte[] part = "y".repeat(1000).getBytes(StandardCharsets.UTF_8);
            frag.send(RawWsClient.TEXT, part, false);
            frag.send(RawWsClient.CONTINUATION, part, false);
            frag.send(RawWsClient.CONTINUATION, part, true);
            RawWsClient.Frame close = frag.readUntil(RawWsClient.CLOSE, WAIT);
            assertThat(close).isNotNull();
            assertThat(close.closeCode()).isEqualTo(1009);
        }
    }

    @Test
    void acceptsFragmentedMessagesWithinTheLimit() throws Exception {
        try (RawWsClient frag = RawWsClient.connect(port, "/ws?name=frag2")) {
            frag.readTextContaining("\"joined\"", WAIT);
            frag.send(RawWsClient.TEXT, "{\"type\":".getBytes(StandardCharsets.UTF_8), false);
            frag.send(RawWsClient.CONTINUATION, "\"ping\"}".getBytes(StandardCharsets.UTF_8), true);
            assertThat(frag.readTextContaining("\"pong\"", WAIT)).isNotNull();
        }
    }

    @Test
    void rateLimitsThenClosesSustainedFloods() throws Exception {
        try (RawWsClient flood = RawWsClient.connect(port, "/ws?name=flood")) {
            flood.readTextContaining("\"joined\"", WAIT);
            for (int i = 0; i < 45; i++) {
                flood.sendText("{\"type\":\"ping\"}");
            }
            assertThat(flood.readTextContaining("rate_limited", WAIT)).isNotNull();
            for (int i = 0; i < 100; i++) {
                flood.sendText("{\"type\":\"ping\"}");
            }
            RawWsClient.Frame close = flood.readUntil(RawWsClient.CLOSE, WAIT);
            assertThat(close).isNotNull();
            assertThat(close.closeCode()).isEqualTo(1008);
        }
    }

    @Test
    void closesASlowConsumerWith1013WithoutDelayingOthers() throws Exception {
        try (Gateway roomy = TestGateways.start("gw-slow", Map.of(
                "CHAT_OUTBOUND_FRAMES", "256", "CHAT_OUTBOUND_BYTES", "1048576", "CHAT_HISTORY_MAX_LEN", "100",
                "CHAT_RATE_PER_SECOND", "100000", "CHAT_RATE_BURST", "100000"));
             RawWsClient slow = RawWsClient.connect(roomy.port(), "/ws?name=slow", 4096);
             ChatClient fast = ChatClient.connect(roomy.port(), "fast");
             ChatClient sender = ChatClient.connect(roomy.port(), "sender")) {
            slow.readTextContaining("\"joined\"", WAIT);
            fast.next("joined");
            sender.next("joined");
            String text = "z".repeat(4000);
            int sent = 3000;
            for (int i = 0; i < sent; i++) {
                sender.send("type", "send", "room", "lobby", "text", text, "ref", "s" + i);
                if (i % 50 == 49) {
                    String ref = "s" + i;
                    sender.next(f -> "ack".equals(f.path("type").asText()) && ref.equals(f.path("ref").asText()));
                }
            }
            for (int i = 0; i < sent; i++) {
                JsonNode m = fast.next(f -> "message".equals(f.path("type").asText()));
                assertThat(m.get("text").asText()).hasSize(4000);
            }
            RawWsClient.Frame close = slow.readUntil(RawWsClient.CLOSE, Duration.ofSeconds(20));
            assertThat(close).as("slow consumer cut off").isNotNull();
            assertThat(close.closeCode()).isEqualTo(1013);
            assertThat(TestGateways.metric(roomy.adminPort(), "chat_slow_consumer_closes_total", "gw-slow"))
                    .isGreaterThanOrEqualTo(1.0);
        }
    }

    @Test
    void refusesConnectionsOverTheCapWith1013() throws Exception {
        await().atMost(WAIT).untilAsserted(() -> assertThat(gateway.core().sessions().snapshot())
                .extracting(Session::user).isEmpty());
        List<ChatClient> clients = new ArrayList<>();
        try {
            for (int i = 0; i < 40; i++) {
                clients.add(ChatClient.connect(port, "cap" + i));
            }
            try (RawWsClient extra = RawWsClient.connect(port, "/ws?name=extra")) {
                RawWsClient.Frame close = extra.readUntil(RawWsClient.CLOSE, WAIT);
                assertThat(close).isNotNull();
                assertThat(close.closeCode()).isEqualTo(1013);
            }
        } finally {
            clients.forEach(ChatClient::close);
        }
    }
}
