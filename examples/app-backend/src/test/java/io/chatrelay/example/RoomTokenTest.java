package io.chatrelay.example;

import com.nimbusds.jwt.JWTClaimsSet;
import io.chatrelay.example.support.TestBackend;
import io.chatrelay.example.support.Verify;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

import static io.chatrelay.example.support.TestBackend.SECRET;
import static org.assertj.core.api.Assertions.assertThat;

class RoomTokenTest {
    @ParameterizedTest(name = "{0} may enter {1}")
    @CsvSource({
            "alice, alice-demo-password, private:launch",
            "carol, carol-demo-password, private:launch",
            "alice, alice-demo-password, private:team-red.general",
            "bob, bob-demo-password, private:team-blue.ops"})
    void issuesARoomTokenWhenTheAppsRuleAllows(String user, String password, String room) throws Exception {
        try (TestBackend app = TestBackend.withSecret()) {
            String token = app.login(user, password).get("token").asText();

            HttpResponse<String> r = app.post("/rooms/" + room + "/token", null, token);

            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            JWTClaimsSet claims = Verify.withSecret(TestBackend.json(r).get("token").asText(), SECRET);
            assertThat(claims.getSubject()).isEqualTo(user);
            assertThat(claims.getStringClaim("room")).isEqualTo(room);
            assertThat(claims.getClaim("rooms")).isNull();
            assertThat(claims.getExpirationTime().toInstant()).isEqualTo(app.clock().instant().plus(Duration.ofMinutes(5)));
            assertThat(TestBackend.json(r).get("expires").asLong()).isEqualTo(claims.getExpirationTime().toInstant().getEpochSecond());
        }
    }

    @ParameterizedTest(name = "{0} may not enter {1}")
    @CsvSource({
            "bob, bob-demo-password, private:launch",
            "dave, dave-demo-password, private:team-red.general",
            "carol, carol-demo-password, private:team-red.general",
            "alice, alice-demo-password, private:team-redder.general",
            "alice, alice-demo-password, lobby"})
    void refusesARoomTokenWhenTheAppsRuleDoesNotAllow(String user, String password, String room) {
        try (TestBackend app = TestBackend.withSecret()) {
            String token = app.login(user, password).get("token").asText();

            HttpResponse<String> r = app.post("/rooms/" + room + "/token", null, token);

            assertThat(r.statusCode()).as(r.body()).isEqualTo(403);
            assertThat(TestBackend.json(r).get("error").asText()).isEqualTo("forbidden");
            assertThat(r.body()).doesNotContain("token\"");
        }
    }

    @Test
    void acceptsAPercentEncodedRoomName() throws Exception {
        try (TestBackend app = TestBackend.withSecret()) {
            HttpResponse<String> r = app.post("/rooms/private%3Alaunch/token", null, app.aliceToken());

            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            assertThat(Verify.withSecret(TestBackend.json(r).get("token").asText(), SECRET).getStringClaim("room"))
                    .isEqualTo("private:launch");
        }
    }

    @Test
    void refusesAMalformedRoomNameWith400() {
        try (TestBackend app = TestBackend.withSecret()) {
            HttpResponse<String> r = app.post("/rooms/bad%20room/token", null, app.aliceToken());

            assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
        }
    }

    @Test
    void refusesWithoutAValidConnectionTokenWith401() {
        try (TestBackend app = TestBackend.withSecret();
             TestBackend other = TestBackend.start(Map.of("APP_JWT_ALGORITHM", "HS256",
                     "CHAT_AUTH_JWT_SECRET", SECRET + "-of-another-app"))) {
            String room = "/rooms/private:launch/token";
            String roomToken = TestBackend.json(app.post(room, null, app.aliceToken())).get("token").asText();

            assertThat(app.post(room, null, null).statusCode()).isEqualTo(401);
            assertThat(app.post(room, null, "not-a-jwt").statusCode()).isEqualTo(401);
            assertThat(app.post(room, null, other.aliceToken()).statusCode()).as("signed with another secret").isEqualTo(401);
            assertThat(app.post(room, null, roomToken).statusCode()).as("a room token is no connection token").isEqualTo(401);
        }
    }

    @Test
    void refusesAnExpiredConnectionToken() {
        try (TestBackend app = TestBackend.withSecret()) {
            String token = app.aliceToken();
            app.clock().advance(Duration.ofMinutes(15));

            HttpResponse<String> r = app.post("/rooms/private:launch/token", null, token);

            assertThat(r.statusCode()).isEqualTo(401);
            assertThat(TestBackend.json(r).get("message").asText()).isEqualTo("invalid or expired token");
        }
    }

    @Test
    void refusesATokenOfAnotherIssuer() {
        try (TestBackend app = TestBackend.start(Map.of("APP_JWT_ALGORITHM", "HS256", "CHAT_AUTH_JWT_SECRET", SECRET,
                "CHAT_AUTH_ISSUER", "https://app.example"));
             TestBackend other = TestBackend.start(Map.of("APP_JWT_ALGORITHM", "HS256", "CHAT_AUTH_JWT_SECRET", SECRET,
                     "CHAT_AUTH_ISSUER", "https://other.example"))) {
            assertThat(app.post("/rooms/private:launch/token", null, other.aliceToken()).statusCode()).isEqualTo(401);
            assertThat(app.post("/rooms/private:launch/token", null, app.aliceToken()).statusCode()).isEqualTo(200);
        }
    }
}
