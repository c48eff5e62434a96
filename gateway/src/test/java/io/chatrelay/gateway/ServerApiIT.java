package io.chatrelay.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.chatrelay.gateway.api.ServerApi;
import io.chatrelay.gateway.support.TestGateways;
import io.chatrelay.testkit.ChatClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The server API on a running gateway (in memory): keys, every route through HTTP, effects seen
 * by WebSocket clients, the OpenAPI document in step with the routes, and the admin listener kept
 * apart from the public one.
 */
class ServerApiIT {
    private static final String KEY = "test-api-key-0123456789abcdef";
    private static final String OLD_KEY = "old-api-key-0123456789abcdef";
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Gateway gateway;
    private static Gateway noKeys;

    @BeforeAll
    static void start() {
        gateway = TestGateways.start("api-gw", Map.of("CHAT_API_KEYS", KEY + "," + OLD_KEY));
        noKeys = TestGateways.start("api-off", Map.of());
    }

    @AfterAll
    static void stop() {
        gateway.close();
        noKeys.close();
    }

    private static HttpResponse<String> call(Gateway g, String key, String method, String path, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + g.adminPort() + ServerApi.BASE + path))
                .timeout(Duration.ofSeconds(10))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        if (key != null) {
            b.header("Authorization", "Bearer " + key);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    private static HttpResponse<String> call(String method, String path, String body) throws Exception {
        return call(gateway, KEY, method, path, body);
    }

    private static JsonNode json(HttpResponse<String> res) throws IOException {
        return JSON.readTree(res.body());
    }

    private static ChatClient inLobby(String name) {
        ChatClient c = ChatClient.connect(gateway.port(), name);
        c.next("joined");
        return c;
    }

    // ---- keys ---------------------------------------------------------------------------------

    @Test
    void refusesRequestsWithoutOrWithAWrongKeyAndAcceptsEveryConfiguredKey() throws Exception {
        assertThat(call(gateway, null, "GET", "/node", null).statusCode()).isEqualTo(401);
        assertThat(call(gateway, "wrong-key-0123456789abcdefgh", "GET", "/node", null).statusCode()).isEqualTo(401);
        assertThat(json(call(gateway, null, "GET", "/node", null)).path("code").asText()).isEqualTo("unauthorized");
        assertThat(call(gateway, KEY, "GET", "/node", null).statusCode()).isEqualTo(200);
        assertThat(call(gateway, OLD_KEY, "GET", "/node", null).statusCode()).as("a key being rotated out").isEqualTo(200);
        assertThat(call(noKeys, KEY, "GET", "/node", null).statusCode()).as("no keys configured: API off").isEqualTo(404);
    }

    @Test
    void servesTheApiOnlyOnTheAdminListenerAndThePublicOneKnowsNothingOfIt() throws Exception {
        HttpResponse<String> pub = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + "/api/v1/node"))
                .header("Authorization", "Bearer " + KEY).build(), HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> metrics = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port()
                + "/observe/metrics")).build(), HttpResponse.BodyHandlers.ofString());

        assertThat(pub.statusCode()).isEqualTo(404);
        assertThat(metrics.statusCode()).isEqualTo(404);
        assertThat(TestGateways.get(gateway.adminPort(), "/observe/metrics").body()).contains("chat_sessions");
        assertThat(TestGateways.ready(gateway)).isTrue();
    }

    // ---- messages -----------------------------------------------------------------------------

    @Test
    void publishesAsTheBackendsSenderAndARetryWithTheSameCidIsNotStoredTwice() throws Exception {
        ChatClient alice = inLobby("alice");
        String body = "{\"from\":\"system\",\"name\":\"Shop\",\"text\":\"order 7 shipped\",\"cid\":\"order-7\"}";

        HttpResponse<String> first = call("POST", "/rooms/lobby/messages", body);
        HttpResponse<String> retry = call("POST", "/rooms/lobby/messages", body);

        assertThat(first.statusCode()).isEqualTo(201);
        assertThat(retry.statusCode()).isEqualTo(200);
        assertThat(json(retry).path("id").asText()).isEqualTo(json(first).path("id").asText());
        assertThat(json(retry).path("duplicate").asBoolean()).isTrue();
        JsonNode m = alice.next(f -> "message".equals(f.path("type").asText()) && "order 7 shipped".equals(f.path("text").asText()));
        assertThat(m.path("from").asText()).isEqualTo("system");
        assertThat(m.path("id").asText()).isEqualTo(json(first).path("id").asText());
        JsonNode history = json(call("GET", "/rooms/lobby/messages?limit=100", null));
        assertThat(history.path("messages").findValuesAsText("text").stream().filter("order 7 shipped"::equals)).hasSize(1);
        alice.close();
    }

    @Test
    void answersBadInputWith400AndItsCodeAndStoresNothing() throws Exception {
        HttpResponse<String> badRoom = call("POST", "/rooms/bad%20room/messages", "{\"from\":\"system\",\"text\":\"x\"}");
        HttpResponse<String> notJson = call("POST", "/rooms/quiet/messages", "{not json");
        HttpResponse<String> noText = call("POST", "/rooms/quiet/messages", "{\"from\":\"system\"}");
        HttpResponse<String> textNumber = call("POST", "/rooms/quiet/messages", "{\"from\":\"system\",\"text\":5}");
        HttpResponse<String> tooLong = call("POST", "/rooms/quiet/messages", "{\"from\":\"system\",\"text\":\"" + "\u00e9".repeat(2100) + "\"}");
        HttpResponse<String> unknownUser = call("POST", "/users/nobody-ever/messages", "{\"from\":\"system\",\"text\":\"hi\"}");
        HttpResponse<String> badLimit = call("GET", "/rooms/quiet/messages?limit=abc", null);

        assertThat(badRoom.statusCode()).isEqualTo(400);
        assertThat(json(badRoom).path("code").asText()).isEqualTo("bad_room");
        assertThat(json(notJson).path("code").asText()).isEqualTo("bad_json");
        assertThat(json(noText).path("code").asText()).isEqualTo("bad_text");
        assertThat(json(textNumber).path("code").asText()).isEqualTo("bad_frame");
        assertThat(json(tooLong).path("code").asText()).as("2100 two-byte characters are 4200 bytes").isEqualTo("text_too_long");
        assertThat(unknownUser.statusCode()).isEqualTo(404);
        assertThat(json(unknownUser).path("code").asText()).isEqualTo("unknown_user");
        assertThat(badLimit.statusCode()).isEqualTo(400);
        assertThat(json(call("GET", "/rooms/quiet/messages", null)).path("messages")).isEmpty();
    }

    @Test
    void sendsADirectMessageAndEditsAndDeletesAsAModerator() throws Exception {
        ChatClient bob = inLobby("bob");
        String user = bob.user();

        HttpResponse<String> dm = call("POST", "/users/" + user + "/messages", "{\"from\":\"system\",\"text\":\"your code: 1234\"}");
        assertThat(dm.statusCode()).isEqualTo(201);
        assertThat(bob.next(f -> "message".equals(f.path("type").asText()) && user.equals(f.path("to").asText()))
                .path("text").asText()).isEqualTo("your code: 1234");

        String id = bob.sendAcked("lobby", "something rude");
        HttpResponse<String> edit = call("PATCH", "/rooms/lobby/messages/" + id, "{\"text\":\"[removed]\",\"by\":\"mod-1\"}");
        HttpResponse<String> delete = call("DELETE", "/rooms/lobby/messages/" + id + "?by=mod-1", null);

        assertThat(edit.statusCode()).isEqualTo(201);
        assertThat(delete.statusCode()).isEqualTo(201);
        assertThat(call("DELETE", "/rooms/lobby/messages/1-0", null).statusCode()).as("no such message").isEqualTo(400);
        bob.close();
    }

    // ---- moderation ---------------------------------------------------------------------------

    @Test
    void disconnectsEveryConnectionOfAUserWith4403() throws Exception {
        ChatClient mallory = inLobby("mallory");

        HttpResponse<String> res = call("POST", "/users/" + mallory.user() + "/disconnect", "{\"reason\":\"spam\"}");

        assertThat(res.statusCode()).isEqualTo(202);
        assertThat(mallory.awaitClose(Duration.ofSeconds(2))).isEqualTo(4403);
    }

    @Test
    void bansRemovesAndRefusesTheUserUntilLiftedAndListsTheBan() throws Exception {
        ChatClient eve = inLobby("eve");
        String room = "bannable";
        eve.join(room);

        HttpResponse<String> ban = call("PUT", "/rooms/" + room + "/bans/" + eve.user(), "{\"duration\":\"PT1H\",\"reason\":\"flooding\"}");

        assertThat(ban.statusCode()).isEqualTo(200);
        assertThat(json(ban).path("until").asLong()).isGreaterThan(System.currentTimeMillis());
        JsonNode left = eve.next(f -> "left".equals(f.path("type").asText()) && room.equals(f.path("room").asText()));
        assertThat(left.path("reason").asText()).isEqualTo("flooding");
        eve.send("type", "join", "room", room, "ref", "again");
        JsonNode refused = eve.next(f -> "again".equals(f.path("ref").asText()));
        assertThat(refused.path("code").asText()).isEqualTo("forbidden");
        assertThat(json(call("GET", "/rooms/" + room + "/bans", null)).path("bans").findValuesAsText("user")).containsExactly(eve.user());

        assertThat(json(call("DELETE", "/rooms/" + room + "/bans/" + eve.user(), null)).path("lifted").asBoolean()).isTrue();
        assertThat(eve.join(room).path("type").asText()).isEqualTo("joined");
        eve.close();
    }

    @Test
    void mutesAndUnmutesAndRemovesAUserFromARoom() throws Exception {
        ChatClient carol = inLobby("carol");

        assertThat(call("PUT", "/rooms/lobby/mutes/" + carol.user(), "{}").statusCode()).isEqualTo(200);
        carol.send("type", "send", "room", "lobby", "text", "hello?", "ref", "m1");
        assertThat(carol.next(f -> "m1".equals(f.path("ref").asText())).path("code").asText()).isEqualTo("forbidden");
        assertThat(json(call("GET", "/rooms/lobby/mutes", null)).path("mutes").findValuesAsText("user")).contains(carol.user());
        call("DELETE", "/rooms/lobby/mutes/" + carol.user(), null);
        java.util.concurrent.atomic.AtomicInteger attempt = new java.util.concurrent.atomic.AtomicInteger();
        await().atMost(Duration.ofSeconds(3)).untilAsserted(() -> {
            String ref = "m2-" + attempt.incrementAndGet();
            carol.send("type", "send", "room", "lobby", "text", "back", "ref", ref);
            assertThat(carol.next(f -> ref.equals(f.path("ref").asText())).path("type").asText()).isEqualTo("ack");
        });

        assertThat(call("DELETE", "/rooms/lobby/members/" + carol.user() + "?reason=bye", null).statusCode()).isEqualTo(202);
        assertThat(carol.next(f -> "left".equals(f.path("type").asText())).path("removed").asBoolean()).isTrue();
        carol.close();
    }

    // ---- reading ------------------------------------------------------------------------------

    @Test
    void answersPresenceRoomStatsNodesAndWebhookBacklog() throws Exception {
        ChatClient dave = inLobby("dave");
        dave.join("stats-room");

        JsonNode presence = json(call("GET", "/rooms/stats-room/presence", null));
        JsonNode stats = json(call("GET", "/rooms/stats-room", null));
        JsonNode node = json(call("GET", "/node", null));
        JsonNode hooks = json(call("GET", "/webhooks", null));

        assertThat(presence.path("members").findValuesAsText("user")).containsExactly(dave.user());
        assertThat(presence.path("members").findValuesAsText("name")).containsExactly("dave");
        assertThat(stats.path("members").asInt()).isEqualTo(1);
        assertThat(stats.path("connections").asInt()).isEqualTo(1);
        assertThat(node.path("node").asText()).isEqualTo("api-gw");
        assertThat(node.path("top_rooms").has("stats-room")).isTrue();
        assertThat(hooks.has("pending")).isTrue();
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                assertThat(json(call("GET", "/nodes", null)).path("nodes").findValuesAsText("node")).contains("api-gw"));
        dave.close();
    }

    // ---- the document -------------------------------------------------------------------------

    @Test
    void theOpenApiDocumentListsExactlyTheRoutesTheGatewayServes() throws Exception {
        HttpResponse<String> doc = call(gateway, null, "GET", "/openapi.yaml", null);
        assertThat(doc.statusCode()).as("the document needs no key").isEqualTo(200);
        JsonNode paths = new YAMLMapper().readTree(doc.body()).path("paths");

        Set<String> documented = new HashSet<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = paths.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> path = it.next();
            for (Iterator<String> methods = path.getValue().fieldNames(); methods.hasNext(); ) {
                String method = methods.next();
                if (!method.equals("parameters")) {
                    documented.add(method.toUpperCase() + " " + path.getKey());
                }
            }
        }
        List<String> served = new ArrayList<>();
        gateway.api().routes().forEach(served::add);

        assertThat(documented).containsExactlyInAnyOrderElementsOf(served);
        for (String route : served) {
            String method = route.substring(0, route.indexOf(' '));
            String path = route.substring(route.indexOf(' ') + 1).replace("{room}", "doc-room").replace("{user}", "doc-user")
                    .replace("{id}", "1-0");
            HttpResponse<String> res = call(method, path, method.equals("GET") || method.equals("DELETE") ? null : "{}");
            assertThat(res.statusCode()).as("%s answers as a route", route).isNotEqualTo(405);
            assertThat(res.body()).as("%s answers as a route (its own JSON error at most)", route).startsWith("{");
        }
    }
}
