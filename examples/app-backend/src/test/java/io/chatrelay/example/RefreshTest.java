package io.chatrelay.example;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jwt.JWTClaimsSet;
import io.chatrelay.example.support.TestBackend;
import io.chatrelay.example.support.Verify;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;

import static io.chatrelay.example.support.TestBackend.ALICE_PASSWORD;
import static io.chatrelay.example.support.TestBackend.SECRET;
import static org.assertj.core.api.Assertions.assertThat;

class RefreshTest {
    @Test
    void keepsTheSubjectNameAndGrantsAndMovesTheExpiry() throws Exception {
        try (TestBackend app = TestBackend.withSecret()) {
            String first = TestBackend.json(app.post("/login",
                    "{\"user\":\"alice\",\"name\":\"Ali\",\"password\":\"" + ALICE_PASSWORD + "\"}", null)).get("token").asText();
            JWTClaimsSet before = Verify.withSecret(first, SECRET);
            app.clock().advance(Duration.ofMinutes(10));

            HttpResponse<String> r = app.post("/refresh", null, first);

            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            JsonNode reply = TestBackend.json(r);
            JWTClaimsSet after = Verify.withSecret(reply.get("token").asText(), SECRET);
            Instant expected = app.clock().instant().plus(Duration.ofMinutes(15));
            assertThat(after.getSubject()).isEqualTo(before.getSubject()).isEqualTo("alice");
            assertThat(after.getStringClaim("name")).isEqualTo("Ali");
            assertThat(after.getStringListClaim("rooms")).isEqualTo(before.getStringListClaim("rooms"));
            assertThat(after.getExpirationTime().toInstant()).isEqualTo(expected).isAfter(before.getExpirationTime().toInstant());
            assertThat(reply.get("expires").asLong()).isEqualTo(expected.getEpochSecond());
        }
    }

    @Test
    void aRefreshedTokenRefreshesAgain() {
        try (TestBackend app = TestBackend.withSecret()) {
            String token = app.aliceToken();
            for (int i = 0; i < 3; i++) {
                app.clock().advance(Duration.ofMinutes(14));
                HttpResponse<String> r = app.post("/refresh", null, token);
                assertThat(r.statusCode()).as("refresh %d", i).isEqualTo(200);
                token = TestBackend.json(r).get("token").asText();
            }
        }
    }

    @Test
    void refusesATokenThatHasExpired() {
        try (TestBackend app = TestBackend.withSecret()) {
            String token = app.aliceToken();
            app.clock().advance(Duration.ofMinutes(15).plusSeconds(1));

            HttpResponse<String> r = app.post("/refresh", null, token);

            assertThat(r.statusCode()).isEqualTo(401);
            assertThat(TestBackend.json(r).get("error").asText()).isEqualTo("unauthorized");
        }
    }

    @Test
    void refusesNoTokenAndARoomToken() {
        try (TestBackend app = TestBackend.withSecret()) {
            String roomToken = TestBackend.json(app.post("/rooms/private:launch/token", null, app.aliceToken())).get("token").asText();

            assertThat(app.post("/refresh", null, null).statusCode()).isEqualTo(401);
            assertThat(app.post("/refresh", null, roomToken).statusCode()).isEqualTo(401);
        }
    }
}
