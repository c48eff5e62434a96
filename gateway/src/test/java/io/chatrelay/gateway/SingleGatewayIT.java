package io.chatrelay.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import io.chatrelay.gateway.support.TestGateways;
import io.chatrelay.testkit.ChatClient;
import io.chatrelay.testkit.Frames;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** One gateway on the in-memory broker (no CHAT_REDIS_URI), driven over real WebSockets. */
class SingleGatewayIT {
    /** A guest's id: its own namespace, which no token subject can be in. */
    static final String GUEST_ID = "guest:[a-z2-9]{12}";
    private static Gateway gateway;
    private static int port;

    @BeforeAll
    static void start() {
        gateway = TestGateways.start("gw-single", Map.of("CHAT_MAX_TEXT", "100"));
        port = gateway.port();
    }

    @AfterAll
    static void stop() {
        gateway.close();
    }

    @Test
    void welcomesAGuestWithAnIdOfItsOwnAndThePickedNameThenJoinsLobby() {
        try (ChatClient alice = ChatClient.connect(port, "alice")) {
            assertThat(alice.welcome().get("protocol").asInt()).isEqualTo(1);
            assertThat(alice.subprotocol()).isEmpty();
            assertThat(alice.user()).matches(GUEST_ID).isNotEqualTo("alice");
            assertThat(alice.name()).isEqualTo("alice");
            assertThat(alice.guestToken()).isNotBlank();
            assertThat(alice.node()).isEqualTo("gw-single");
            JsonNode joined = alice.next("joined");
            assertThat(joined.get("room").asText()).isEqualTo("lobby");
            assertThat(Frames.members(joined)).contains(alice.user());
            assertThat(Frames.memberNames(joined)).containsEntry(alice.user(), "alice");
        }
    }

    @Test
    void generatesADisplayNameForAGuestWithoutOne() {
        try (ChatClient guest = ChatClient.connect(port, null)) {
            assertThat(guest.user()).matches(GUEST_ID);
            assertThat(guest.name()).matches("guest-[a-z2-9]{4}");
            assertThat(guest.guestToken()).isNotBlank();
        }
    }

    @Test
    void plainTextFromTheSeedClientIsAMessageToLobby() {
        try (ChatClient seed = ChatClient.connect(URI.create("ws://127.0.0.1:" + port + "/ws"));
             ChatClient other = ChatClient.connect(port, "other")) {
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
    void deliversToEveryMemberAndAcksTheSender() {
        try (ChatClient alice = ChatClient.connect(port, "alice"); ChatClient bob = ChatClient.connect(port, "bob")) {
            alice.join("r1");
            bob.join("r1");
            alice.send("type", "send", "room", "r1", "text", "hi <b>bob</b>", "ref", "c1");
            JsonNode ack = alice.next("ack");
            assertThat(ack.get("ref").asText()).isEqualTo("c1");
            JsonNode atBob = bob.next(Frames.message("r1"));
            JsonNode atAlice = alice.next(Frames.message("r1"));
            assertThat(atBob).isEqualTo(atAlice);
            assertThat(atBob.get("id").asText()).isEqualTo(ack.get("id").asText());
            assertThat(atBob.get("from").asText()).isEqualTo(alice.user());
            assertThat(atBob.get("name").asText()).isEqualTo("alice");
            assertThat(atBob.get("text").asText()).isEqualTo("hi <b>bob</b>");
            assertThat(atBob.get("ts").asLong()).isPositive();
        }
    }

    @Test
    void badFramesGetErrorsAndTheConnectionStaysOpen() {
        try (ChatClient alice = ChatClient.connect(port, "alice")) {
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
    void statusReportsNodeConnectionsAndBroker() {
        try (ChatClient alice = ChatClient.connect(port, "alice")) {
            alice.send("type", "status");
            JsonNode status = alice.next("status");
            assertThat(status.get("node").asText()).isEqualTo("gw-single");
            assertThat(status.get("connections").asInt()).isGreaterThanOrEqualTo(1);
            assertThat(status.get("broker").asText()).isEqualTo("UP");
        }
    }

    @Test
    void closedConnectionsLeaveNothingBehind() throws Exception {
        await().atMost(Duration.ofSeconds(10)).until(() -> gateway.core().sessions().count() == 0);
        List<ChatClient> clients = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            clients.add(ChatClient.connect(port, "leaky" + i));
        }
        assertThat(gateway.core().sessions().count()).isEqualTo(20);
        clients.forEach(ChatClient::close);
        await().atMost(Duration.ofSeconds(10)).until(() -> gateway.core().sessions().count() == 0);
        await().atMost(Duration.ofSeconds(10)).until(() -> gateway.core().rooms().roomCount() == 0);
        assertThat(TestGateways.metric(gateway.adminPort(), "chat_sessions", "gw-single")).isEqualTo(0.0);
        assertThat(TestGateways.metricLines(gateway.adminPort(), "chat_sessions")).as("the gauge is served").isNotEmpty();
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
                URI.create("http://127.0.0.1:" + gateway.adminPort() + "/observe/health/ready")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(health.statusCode()).isEqualTo(200);
    }

    /**
     * The page, its scripts and styles and the SDK come with a Content-Security-Policy that allows
     * only the page's own origin (no inline script would run) and forbids framing, and with the
     * frame, sniffing and referrer headers; so do unknown paths. The admin listener's paths are
     * not on this port at all.
     */
    @Test
    void servesThePageAndItsFilesWithSecurityHeaders() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        Map<String, Integer> paths = new LinkedHashMap<>();
        List.of("/", "/client", "/main.js", "/style.css", "/sdk/index.js").forEach(p -> paths.put(p, 200));
        List.of("/no-such-file", "/observe/metrics", "/observe/health/ready", "/api/v1/nodes", "/admin/").forEach(p -> paths.put(p, 404));
        for (Map.Entry<String, Integer> e : paths.entrySet()) {
            String path = e.getKey();
            HttpResponse<String> res = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(res.statusCode()).as("GET %s on the public port", path).isEqualTo(e.getValue());
            assertThat(res.headers().firstValue("Content-Security-Policy")).as("CSP of %s", path).hasValueSatisfying(csp -> {
                assertThat(csp).contains("default-src 'self'", "script-src 'self'", "style-src 'self'", "connect-src 'self'",
                        "frame-ancestors 'none'", "object-src 'none'", "base-uri 'none'");
                assertThat(csp).doesNotContain("unsafe-inline", "unsafe-eval", "*");
            });
            assertThat(res.headers().firstValue("X-Frame-Options")).as("X-Frame-Options of %s", path).hasValue("DENY");
            assertThat(res.headers().firstValue("X-Content-Type-Options")).as("nosniff of %s", path).hasValue("nosniff");
            assertThat(res.headers().firstValue("Referrer-Policy")).as("Referrer-Policy of %s", path).hasValue("no-referrer");
        }
    }

    @Test
    void refusesForeignOriginsAtTheHandshake() {
        URI uri = URI.create("ws://127.0.0.1:" + port + "/ws?name=eve");
        assertThatThrownBy(() -> ChatClient.to(uri).origin("http://evil.example").connect())
                .hasStackTraceContaining("403");
    }

    /** protocol.md: with CHAT_ORIGINS empty, localhost and 127.0.0.1 are allowed on any port, and the same origin. */
    @Test
    void acceptsLocalhostOriginsOnAnyPortAndTheSameOrigin() {
        URI uri = ChatClient.local(port, "local-origin");
        for (String origin : List.of("http://127.0.0.1:" + port, "http://localhost:3000", "http://127.0.0.1:5173")) {
            assertThatCode(() -> {
                try (ChatClient c = ChatClient.to(uri).origin(origin).connect()) {
                    assertThat(c.name()).isEqualTo("local-origin");
                }
            }).as("a connection with Origin: %s", origin).doesNotThrowAnyException();
        }
    }

    /** README, CHAT_ORIGINS: the listed origins are allowed, and only they. */
    @Test
    void acceptsTheOriginsListedInChatOrigins() {
        try (Gateway listed = TestGateways.start("gw-origins", Map.of("CHAT_ORIGINS", "https://chat.example,https://app.example"))) {
            URI uri = ChatClient.local(listed.port(), "listed");
            assertThatCode(() -> {
                try (ChatClient c = ChatClient.to(uri).origin("https://app.example").connect()) {
                    assertThat(c.name()).isEqualTo("listed");
                }
            }).as("a connection with Origin: https://app.example").doesNotThrowAnyException();
            assertThatThrownBy(() -> ChatClient.to(uri).origin("https://evil.example").connect()).hasStackTraceContaining("403");
        }
    }

    /** protocol.md: a join of a room the connection is already in replays in place and answers joined again. */
    @Test
    void aRepeatedJoinReplaysInPlaceWithoutPresenceEvents() {
        try (ChatClient alice = ChatClient.connect(port, "alice-again"); ChatClient bob = ChatClient.connect(port, "bob-again")) {
            alice.join("again");
            alice.next(Frames.presence("lobby", alice.user(), "join"));
            alice.next(Frames.presence("again", alice.user(), "join"));
            bob.join("again");
            assertThat(alice.next(Frames.presence("again", bob.user(), "join")).path("name").asText()).isEqualTo("bob-again");
            int aliceSaw = alice.seen(Frames.presenceOf(alice.user())).size();
            String first = alice.sendAcked("again", "one");
            String second = alice.sendAcked("again", "two");
            alice.next(Frames.message("again", "one"));
            alice.next(Frames.message("again", "two"));
            bob.next(Frames.message("again", "two"));

            JsonNode plain = alice.join("again");
            assertThat(plain.has("recovered")).isFalse();
            assertThat(Frames.messageIds(plain)).endsWith(first, second);
            assertThat(Frames.members(plain)).contains(alice.user(), bob.user());
            assertThat(Frames.memberNames(plain)).containsEntry(alice.user(), "alice-again").containsEntry(bob.user(), "bob-again");
            JsonNode recovered = alice.join("again", first);
            assertThat(recovered.path("recovered").asBoolean()).isTrue();
            assertThat(Frames.messageIds(recovered)).containsExactly(second);

            // still a member, live: the next message arrives once, and nobody saw alice leave or join
            String third = bob.sendAcked("again", "three");
            assertThat(alice.next(Frames.message("again")).path("id").asText()).isEqualTo(third);
            alice.send(Frames.frame("ping"));
            alice.next("pong");
            assertThat(alice.seen(Frames.message("again"))).extracting(f -> f.path("id").asText())
                    .containsExactly(first, second, third);
            assertThat(alice.seen(Frames.ofType("left"))).isEmpty();
            assertThat(bob.seen(Frames.presenceOf(alice.user()))).isEmpty();
            assertThat(alice.seen(Frames.presenceOf(alice.user()))).as("her own joins, before the rejoins only").hasSize(aliceSaw);
        }
    }

    @Test
    void protocolTwoHelloResumesTheListedRoomsAndTheDefaultRoom() {
        String earlier;
        String missed;
        try (ChatClient writer = ChatClient.connect(port, "writer-v2")) {
            writer.join("v2-room");
            earlier = writer.sendAcked("v2-room", "earlier");
            missed = writer.sendAcked("v2-room", "missed");
        }
        Map<String, String> rooms = new LinkedHashMap<>();
        rooms.put("v2-room", earlier);
        rooms.put("v2-fresh", null);
        try (ChatClient carol = ChatClient.to(ChatClient.local(port, null)).hello("carol-v2", null, rooms).connect()) {
            assertThat(carol.subprotocol()).isEqualTo(ChatClient.SUBPROTOCOL_V2);
            assertThat(carol.protocol()).isEqualTo(2);
            assertThat(carol.user()).matches(GUEST_ID);
            assertThat(carol.name()).isEqualTo("carol-v2");
            assertThat(carol.node()).isEqualTo("gw-single");
            JsonNode resumed = carol.next(Frames.joined("v2-room"));
            assertThat(resumed.path("recovered").asBoolean()).isTrue();
            assertThat(Frames.messageIds(resumed)).containsExactly(missed);
            JsonNode fresh = carol.next(Frames.joined("v2-fresh"));
            assertThat(fresh.has("recovered")).isFalse();
            JsonNode lobby = carol.next(Frames.joined("lobby"));
            assertThat(Frames.members(lobby)).contains(carol.user());
            assertThat(Frames.memberNames(lobby)).containsEntry(carol.user(), "carol-v2");
            assertThat(carol.seen(Frames.ofType("joined"))).extracting(f -> f.path("room").asText())
                    .containsExactly("v2-room", "v2-fresh", "lobby");
        }
    }

    @Test
    void protocolTwoClosesWith4400WhenTheFirstFrameIsNotAHello() {
        try (ChatClient early = ChatClient.to(ChatClient.local(port, "early")).hello(Frames.frame("ping"))
                .awaitWelcome(false).connect()) {
            assertThat(early.awaitClose(Duration.ofSeconds(10))).isEqualTo(4400);
            assertThat(early.seen(Frames.ofType("welcome"))).isEmpty();
        }
    }

    @Test
    void protocolTwoClosesWith4400WithoutAHelloWithinTenSeconds() {
        try (ChatClient silent = ChatClient.to(ChatClient.local(port, "silent")).subprotocol(ChatClient.SUBPROTOCOL_V2)
                .awaitWelcome(false).connect()) {
            assertThat(silent.subprotocol()).isEqualTo(ChatClient.SUBPROTOCOL_V2);
            assertThat(silent.awaitClose(Duration.ofSeconds(20))).isEqualTo(4400);
            assertThat(silent.seen()).isEmpty();
        }
    }
}
