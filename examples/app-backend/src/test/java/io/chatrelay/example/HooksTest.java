package io.chatrelay.example;

import com.fasterxml.jackson.databind.JsonNode;
import io.chatrelay.example.support.TestBackend;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The app's answers to the gateway's join and publish hooks, and their signature check. */
class HooksTest {
    private static final String SECRET = "hook-secret-for-tests-0123456789abcdef";
    private final TestBackend app = TestBackend.start(Map.of("CHAT_HOOK_SECRET", SECRET));

    @AfterEach
    void stop() {
        app.close();
    }

    private JsonNode join(String user, String room) {
        HttpResponse<String> r = app.signedPost("/chat/hooks/join",
                "{\"user\":\"" + user + "\",\"name\":\"N\",\"guest\":false,\"room\":\"" + room + "\"}", SECRET);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return TestBackend.json(r);
    }

    private JsonNode publish(String text) {
        HttpResponse<String> r = app.signedPost("/chat/hooks/publish",
                "{\"user\":\"alice\",\"name\":\"Alice\",\"guest\":false,\"room\":\"support:red\",\"text\":\"" + text + "\"}", SECRET);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return TestBackend.json(r);
    }

    @ParameterizedTest
    @CsvSource({"alice, support:red, true", "bob, support:blue, true", "bob, support:red, true", "carol, support:red, false",
            "dave, support:red, false", "guest:abcdefgh2345, support:red, false", "alice, support:green, false",
            "alice, support:, false", "alice, other:red, false"})
    void letsTheTeamsMembersIntoTheirSupportRoom(String user, String room, boolean allowed) {
        JsonNode answer = join(user, room);

        assertThat(answer.path("allow").asBoolean(!allowed)).isEqualTo(allowed);
        if (!allowed) {
            assertThat(answer.path("reason").asText()).isNotBlank();
        }
    }

    @Test
    void tellsTheRefusedWhyInWordsTheClientCanShow() {
        assertThat(join("carol", "support:red").path("reason").asText()).isEqualTo("support:red is for the red team");
        assertThat(join("alice", "lobby:red").path("reason").asText()).isEqualTo("no such room");
    }

    @Test
    void refusesBlockedWordsMasksOthersAndKeepsTheRest() {
        JsonNode refused = publish("buy SPAM today");
        JsonNode masked = publish("oh darn, Heck and darned");
        JsonNode kept = publish("hello there");

        assertThat(refused.path("allow").asBoolean(true)).isFalse();
        assertThat(refused.path("reason").asText()).isEqualTo("messages with \"spam\" are not allowed here");
        assertThat(masked.path("allow").asBoolean()).isTrue();
        assertThat(masked.path("text").asText()).isEqualTo("oh d**n, H**k and darned");
        assertThat(kept.path("allow").asBoolean()).isTrue();
        assertThat(kept.has("text")).isFalse();
    }

    @Test
    void refusesARequestWithoutTheGatewaysSignature() {
        String body = "{\"user\":\"alice\",\"name\":\"A\",\"guest\":false,\"room\":\"support:red\"}";

        HttpResponse<String> unsigned = app.post("/chat/hooks/join", body, null);
        HttpResponse<String> forged = app.signedPost("/chat/hooks/join", body, SECRET + "-not-the-gateways");

        assertThat(unsigned.statusCode()).isEqualTo(401);
        assertThat(forged.statusCode()).isEqualTo(401);
        assertThat(TestBackend.json(forged).path("error").asText()).isEqualTo("unauthorized");
    }

    @Test
    void refusesASignatureOlderThanTheTolerance() {
        String body = "{\"user\":\"alice\",\"name\":\"A\",\"guest\":false,\"room\":\"support:red\",\"text\":\"hi\"}";
        app.clock().advance(Duration.ofMinutes(-6)); // signed six minutes ago
        io.chatrelay.example.chat.SignatureCheck signer = new io.chatrelay.example.chat.SignatureCheck(SECRET, Duration.ofMinutes(5),
                app.clock());
        String old = signer.sign(app.clock().instant().getEpochSecond(), body.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        app.clock().advance(Duration.ofMinutes(6));

        HttpResponse<String> r = app.send(java.net.http.HttpRequest.newBuilder(app.uri("/chat/hooks/publish"))
                .header("Content-Type", "application/json").header("Chat-Relay-Signature", old)
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString(body)).build());

        assertThat(r.statusCode()).isEqualTo(401);
    }

    @Test
    void offersNoHooksWithoutASecret() {
        try (TestBackend plain = TestBackend.start(Map.of())) {
            assertThat(plain.signedPost("/chat/hooks/join", "{}", SECRET).statusCode()).isEqualTo(404);
        }
    }
}
