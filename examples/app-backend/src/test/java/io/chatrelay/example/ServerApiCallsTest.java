package io.chatrelay.example;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.chatrelay.example.support.TestBackend;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The app calling chat-relay's server API (a stand-in API here, recording what it was asked):
 * announcements, kicks and bans with the API key; support greetings once per joining member, with
 * the event's id as the message's cid.
 */
class ServerApiCallsTest {
    private static final String WEBHOOK_SECRET = "webhook-secret-for-tests-0123456789ab";
    private static final String API_KEY = "api-key-for-tests-0123456789";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A request the stand-in API received. */
    private record Call(String method, String path, String authorization, JsonNode body) {
    }

    private final List<Call> calls = new CopyOnWriteArrayList<>();
    private final HttpServer api = startApi();
    private final TestBackend app = TestBackend.start(Map.of("CHAT_WEBHOOK_SECRET", WEBHOOK_SECRET,
            "CHAT_API_URL", "http://127.0.0.1:" + api.getAddress().getPort() + "/api/v1", "CHAT_API_KEY", API_KEY));

    private HttpServer startApi() {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            server.createContext("/api/v1/", exchange -> {
                String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
                calls.add(new Call(exchange.getRequestMethod(), exchange.getRequestURI().getRawPath(),
                        exchange.getRequestHeaders().getFirst("Authorization"), body.isEmpty() ? null : JSON.readTree(body)));
                byte[] answer = "{\"id\":\"1732291234567-0\"}".getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().add("Content-Type", "application/json");
                exchange.sendResponseHeaders(201, answer.length);
                exchange.getResponseBody().write(answer);
                exchange.close();
            });
            server.start();
            return server;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @AfterEach
    void stop() {
        app.close();
        api.stop(0);
    }

    private HttpResponse<String> webhook(String id, String type, String room) {
        String event = "{\"id\":\"" + id + "\",\"type\":\"" + type + "\",\"ts\":1,\"node\":\"gw-1\",\"room\":\"" + room
                + "\",\"user\":\"bob\",\"name\":\"Bob B.\"}";
        return app.signedPost("/chat/webhooks", event, WEBHOOK_SECRET, "Chat-Relay-Node", "gw-1", "Chat-Relay-Attempt", "1");
    }

    @Test
    void greetsAMemberWhoJoinsASupportRoomOnceEvenWhenTheWebhookComesTwice() {
        webhook("ev-1", "member.joined", "support:red");
        webhook("ev-1", "member.joined", "support:red");
        webhook("ev-2", "member.joined", "lobby");
        webhook("ev-3", "member.left", "support:red");

        await().atMost(Duration.ofSeconds(5)).until(() -> !calls.isEmpty());
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2)).until(() -> calls.size() == 1);
        Call greeting = calls.getFirst();
        assertThat(greeting.method()).isEqualTo("POST");
        assertThat(greeting.path()).isEqualTo("/api/v1/rooms/support%3Ared/messages");
        assertThat(greeting.authorization()).isEqualTo("Bearer " + API_KEY);
        assertThat(greeting.body().path("from").asText()).isEqualTo("support-bot");
        assertThat(greeting.body().path("text").asText()).isEqualTo("Hi Bob B., an agent will be with you shortly.");
        assertThat(greeting.body().path("cid").asText()).isEqualTo("greet-ev-1");
    }

    @Test
    void announcesKicksAndBansThroughTheApiForTheAdminOnly() {
        HttpResponse<String> refused = app.post("/admin/announce", "{\"room\":\"lobby\",\"text\":\"maintenance at 5\"}", "wrong-key-0123456789");
        HttpResponse<String> announced = app.post("/admin/announce", "{\"room\":\"lobby\",\"text\":\"maintenance at 5\",\"id\":\"m5\"}",
                TestBackend.ADMIN_KEY);
        HttpResponse<String> kicked = app.post("/admin/kick", "{\"user\":\"mallory\",\"reason\":\"spam\"}", TestBackend.ADMIN_KEY);
        HttpResponse<String> banned = app.post("/admin/ban", "{\"room\":\"lobby\",\"user\":\"mallory\",\"duration\":\"PT1H\"}",
                TestBackend.ADMIN_KEY);

        assertThat(refused.statusCode()).isEqualTo(401);
        assertThat(announced.statusCode()).isEqualTo(200);
        assertThat(TestBackend.json(announced).path("status").asInt()).isEqualTo(201);
        assertThat(kicked.statusCode()).isEqualTo(200);
        assertThat(banned.statusCode()).isEqualTo(200);
        assertThat(calls).extracting(c -> c.method() + " " + c.path()).containsExactly(
                "POST /api/v1/rooms/lobby/messages", "POST /api/v1/users/mallory/disconnect", "PUT /api/v1/rooms/lobby/bans/mallory");
        assertThat(calls.get(0).body().path("cid").asText()).isEqualTo("announce-m5");
        assertThat(calls.get(0).body().path("from").asText()).isEqualTo("system");
        assertThat(calls.get(1).body().path("reason").asText()).isEqualTo("spam");
        assertThat(calls.get(2).body().path("duration").asText()).isEqualTo("PT1H");
        assertThat(calls).allSatisfy(c -> assertThat(c.authorization()).isEqualTo("Bearer " + API_KEY));
    }

    @Test
    void withoutAnApiUrlTheAdminCallsAreNotThere() {
        try (TestBackend plain = TestBackend.start(Map.of())) {
            assertThat(plain.post("/admin/kick", "{\"user\":\"x\"}", TestBackend.ADMIN_KEY).statusCode()).isEqualTo(404);
        }
        assertThat(calls).isEmpty();
    }
}
