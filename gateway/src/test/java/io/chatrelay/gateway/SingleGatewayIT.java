package io.chatrelay.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import io.chatrelay.broker.memory.InMemoryBroker;
import io.chatrelay.gateway.support.TestGateways;
import io.chatrelay.gateway.support.WsClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** One gateway on the in-memory broker, driven over real WebSockets. */
class SingleGatewayIT {
    private static Gateway gateway;
    private static int port;

    @BeforeAll
    static void start() {
        gateway = Gateway.start(TestGateways.config("gw-single", Map.of("CHAT_MAX_TEXT", "100")), new InMemoryBroker(1000));
        port = gateway.port();
    }

    @AfterAll
    static void stop() {
        gateway.close();
    }

    @Test
    void welcomesThenJoinsLobby() throws Exception {
        try (WsClient alice = WsClient.connect(port, "alice")) {
            assertThat(alice.welcome().get("protocol").asInt()).isEqualTo(1);
            assertThat(alice.user()).isEqualTo("alice");
            assertThat(alice.node()).isEqualTo("gw-single");
            JsonNode joined = alice.next("joined");
            assertThat(joined.get("room").asText()).isEqualTo("lobby");
            assertThat(joined.get("members").toString()).contains("alice");
        }
    }

    @Test
    void generatesGuestNameWithoutOne() throws Exception {
        try (WsClient guest = WsClient.connect(port, null)) {
            assertThat(guest.user()).matches("guest-[a-z0-9]{6}");
        }
    }

    @Test
    void plainTextFromTheSeedClientIsAMessageToLobby() throws Exception {
        try (WsClient seed = WsClient.connect(URI.create("ws://127.0.0.1:" + port + "/ws"));
             WsClient other = WsClient.connect(port, "other")) {
            seed.next("joined");
            other.next("joined");
            seed.sendText("Connection open!");
            JsonNode msg = other.next(f -> "Connection open!".equals(f.path("text").asText()));
            assertThat(msg.get("type").asText()).isEqualTo("message");
            assertThat(msg.get("room").asText()).isEqualTo("lobby");
            assertThat(msg.get("from").asText()).isEqualTo(seed.user());
            assertThat(seed.next("message").get("text").asText()).isEqualTo("Connection open!");
        }
    }

    @Test
    void deliversToEveryMemberAndAcksTheSender() throws Exception {
        try (WsClient alice = WsClient.connect(port, "alice"); WsClient bob = WsClient.connect(port, "bob")) {
            alice.join("r1");
            bob.join("r1");
            alice.send("type", "send", "room", "r1", "text", "hi <b>bob</b>", "ref", "c1");
            JsonNode ack = alice.next("ack");
            assertThat(ack.get("ref").asText()).isEqualTo("c1");
            JsonNode atBob = bob.next(f -> "message".equals(f.path("type").asText()) && "r1".equals(f.path("room").asText()));
            JsonNode atAlice = alice.next(f -> "message".equals(f.path("type").asText()) && "r1".equals(f.path("room").asText()));
            assertThat(atBob).isEqualTo(atAlice);
            assertThat(atBob.get("id").asText()).isEqualTo(ack.get("id").asText());
            assertThat(atBob.get("from").asText()).isEqualTo("alice");
            assertThat(atBob.get("text").asText()).isEqualTo("hi <b>bob</b>");
            assertThat(atBob.get("ts").asLong()).isPositive();
        }
    }

    @Test
    void badFramesGetErrorsAndTheConnectionStaysOpen() throws Exception {
        try (WsClient alice = WsClient.connect(port, "alice")) {
            alice.next("joined");
            alice.sendText("{not json");
            assertThat(alice.next("error").get("code").asText()).isEqualTo("bad_json");
            alice.send("type", "dance", "ref", "r9");
            JsonNode unknown = alice.next("error");
            assertThat(unknown.get("code").asText()).isEqualTo("unknown_type");
            assertThat(unknown.get("ref").asText()).isEqualTo("r9");
            alice.send("type", "join", "room", "bad room");
            assertThat(alice.next("error").get("code").asText()).isEqualTo("bad_room");
            alice.send("type", "send", "room", "lobby", "text", "");
            assertThat(alice.next("error").get("code").asText()).isEqualTo("bad_text");
            alice.send("type", "send", "room", "lobby", "text", "x".repeat(101));
            assertThat(alice.next("error").get("code").asText()).isEqualTo("text_too_long");
            alice.send("type", "send", "room", "elsewhere", "text", "hi");
            assertThat(alice.next("error").get("code").asText()).isEqualTo("not_member");
            alice.sendBinary(new byte[] {1, 2, 3});
            assertThat(alice.next("error").get("code").asText()).isEqualTo("binary_unsupported");
            alice.send("type", "ping");
            assertThat(alice.next("pong")).isNotNull();
            assertThat(alice.isOpen()).isTrue();
        }
    }

    @Test
    void statusReportsNodeConnectionsAndBroker() throws Exception {
        try (WsClient alice = WsClient.connect(port, "alice")) {
            alice.send("type", "status");
            JsonNode status = alice.next("status");
            assertThat(status.get("node").asText()).isEqualTo("gw-single");
            assertThat(status.get("connections").asInt()).isGreaterThanOrEqualTo(1);
            assertThat(status.get("broker").asText()).isEqualTo("UP");
        }
    }

    @Test
    void closedConnectionsLeaveNothingBehind() throws Exception {
        await().atMost(Duration.ofSeconds(10)).until(() -> gateway.connections().sessions().count() == 0);
        List<WsClient> clients = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            clients.add(WsClient.connect(port, "leaky" + i));
        }
        assertThat(gateway.connections().sessions().count()).isEqualTo(20);
        clients.forEach(WsClient::close);
        await().atMost(Duration.ofSeconds(10)).until(() -> gateway.connections().sessions().count() == 0);
        assertThat(metric("chat_sessions")).isEqualTo("0.0");
    }

    @Test
    void servesTheClientAtRootAndClientAndRefusesPlainGetOnWs() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        for (String path : List.of("/", "/client")) {
            HttpResponse<String> page = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(page.statusCode()).isEqualTo(200);
            assertThat(page.body()).containsIgnoringCase("<html");
        }
        HttpResponse<String> ws = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/ws")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(ws.statusCode()).isEqualTo(426);
        HttpResponse<String> health = http.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + port + "/observe/health/ready")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(health.statusCode()).isEqualTo(200);
    }

    @Test
    void refusesForeignOriginsAtTheHandshake() {
        URI uri = URI.create("ws://127.0.0.1:" + port + "/ws?name=eve");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> WsClient.connect(uri, "http://evil.example"))
                .hasStackTraceContaining("403");
    }

    static String metric(String name) throws Exception {
        HttpResponse<String> res = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + port + "/observe/metrics")).header("Accept", "text/plain").build(),
                HttpResponse.BodyHandlers.ofString());
        return res.body().lines().filter(l -> l.startsWith(name + "{") && l.contains("gw-single"))
                .map(l -> l.substring(l.lastIndexOf(' ') + 1)).findFirst().orElse("missing");
    }
}
