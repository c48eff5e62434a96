package io.chatrelay.example;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.chatrelay.example.support.TestBackend;
import io.chatrelay.example.support.Verify;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.http.HttpResponse;
import java.util.Map;

import static io.chatrelay.example.support.TestBackend.ALICE_PASSWORD;
import static io.chatrelay.example.support.TestBackend.SECRET;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LoginTest {
    @Test
    void issuesAConnectionTokenThatVerifiesWithTheSharedSecret() throws Exception {
        try (TestBackend app = TestBackend.withSecret()) {
            HttpResponse<String> r = app.post("/login",
                    "{\"user\":\"alice\",\"name\":\"Alice A.\",\"password\":\"" + ALICE_PASSWORD + "\"}", null);

            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/json"));
            JsonNode reply = TestBackend.json(r);
            JWTClaimsSet claims = Verify.withSecret(reply.get("token").asText(), SECRET);
            long now = app.clock().instant().getEpochSecond();
            assertThat(claims.getSubject()).isEqualTo("alice");
            assertThat(claims.getStringClaim("name")).isEqualTo("Alice A.");
            assertThat(claims.getStringListClaim("rooms")).containsExactly("private:team-red.*");
            assertThat(claims.getIssueTime().toInstant().getEpochSecond()).isEqualTo(now);
            assertThat(claims.getExpirationTime().toInstant().getEpochSecond()).isEqualTo(now + 15 * 60);
            assertThat(reply.get("expires").asLong()).isEqualTo(now + 15 * 60);
            assertThat(claims.getIssuer()).isNull();
            assertThat(claims.getAudience()).isEmpty();
            assertThat(SignedJWT.parse(reply.get("token").asText()).getHeader().getAlgorithm()).isEqualTo(JWSAlgorithm.HS256);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"RS256", "ES256"})
    void issuesAConnectionTokenThatVerifiesWithThePublishedJwks(String algorithm) throws Exception {
        try (TestBackend app = TestBackend.start(Map.of("APP_JWT_ALGORITHM", algorithm))) {
            String token = app.aliceToken();
            JWKSet jwks = app.jwks();

            SignedJWT jwt = SignedJWT.parse(token);
            assertThat(jwt.getHeader().getAlgorithm().getName()).isEqualTo(algorithm);
            assertThat(jwks.getKeys()).extracting(JWK::getKeyID).containsExactly(jwt.getHeader().getKeyID());
            assertThat(jwks.getKeys()).allSatisfy(k -> assertThat(k.isPrivate()).isFalse());
            assertThat(app.get("/.well-known/jwks.json").body()).doesNotContain("\"d\"");
            JWTClaimsSet claims = Verify.withJwks(token, jwks);
            assertThat(claims.getSubject()).isEqualTo("alice");
            assertThat(claims.getStringClaim("name")).isEqualTo("Alice Adams");
        }
    }

    @Test
    void aTokenDoesNotVerifyWithAnotherSecret() {
        try (TestBackend app = TestBackend.withSecret()) {
            String token = app.aliceToken();

            assertThatThrownBy(() -> Verify.withSecret(token, SECRET + "-other")).isInstanceOf(BadJOSEException.class);
        }
    }

    @Test
    void carriesTheConfiguredIssuerAudienceAndLife() throws Exception {
        Map<String, String> env = Map.of("APP_JWT_ALGORITHM", "HS256", "CHAT_AUTH_JWT_SECRET", SECRET,
                "CHAT_AUTH_ISSUER", "https://app.example", "CHAT_AUTH_AUDIENCE", "chat-relay", "APP_TOKEN_TTL", "2m");
        try (TestBackend app = TestBackend.start(env)) {
            JWTClaimsSet claims = Verify.withSecret(app.aliceToken(), SECRET);

            assertThat(claims.getIssuer()).isEqualTo("https://app.example");
            assertThat(claims.getAudience()).containsExactly("chat-relay");
            assertThat(claims.getExpirationTime().toInstant()).isEqualTo(app.clock().instant().plusSeconds(120));
        }
    }

    @Test
    void leavesOutTheRoomsClaimForAUserWithoutGrants() throws Exception {
        try (TestBackend app = TestBackend.withSecret()) {
            JWTClaimsSet claims = Verify.withSecret(app.login("dave", "dave-demo-password").get("token").asText(), SECRET);

            assertThat(claims.getSubject()).isEqualTo("dave");
            assertThat(claims.getClaim("rooms")).isNull();
        }
    }

    @Test
    void refusesAWrongPasswordAndAnUnknownUserAlikeWith401() {
        try (TestBackend app = TestBackend.withSecret()) {
            HttpResponse<String> wrong = app.post("/login", "{\"user\":\"alice\",\"password\":\"bob-demo-password\"}", null);
            HttpResponse<String> unknown = app.post("/login", "{\"user\":\"mallory\",\"password\":\"x\"}", null);

            for (HttpResponse<String> r : java.util.List.of(wrong, unknown)) {
                assertThat(r.statusCode()).isEqualTo(401);
                assertThat(r.headers().firstValue("WWW-Authenticate")).hasValue("Bearer");
                JsonNode body = TestBackend.json(r);
                assertThat(body.get("error").asText()).isEqualTo("unauthorized");
                assertThat(body.get("message").asText()).isEqualTo("unknown user or wrong password");
                assertThat(body.has("token")).isFalse();
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "not json",
            "[\"alice\"]",
            "{\"user\":\"alice\"}",
            "{\"password\":\"alice-demo-password\"}",
            "{\"user\":7,\"password\":\"alice-demo-password\"}",
            "{\"user\":\"al ice\",\"password\":\"alice-demo-password\"}",
            "{\"user\":\"guest:abc\",\"password\":\"alice-demo-password\"}",
            "{\"user\":\"alice\",\"password\":\"alice-demo-password\",\"name\":\"\"}",
            "{\"user\":\"alice\",\"password\":\"alice-demo-password\",\"name\":\"A\\u202Ebc\"}",
            "{\"user\":\"alice\",\"password\":\"alice-demo-password\",\"name\":{}}"})
    void refusesAMalformedLoginWith400(String body) {
        try (TestBackend app = TestBackend.withSecret()) {
            HttpResponse<String> r = app.post("/login", body, null);

            assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
            assertThat(TestBackend.json(r).get("error").asText()).isEqualTo("bad_request");
        }
    }

    @Test
    void refusesALoginWithoutBody() {
        try (TestBackend app = TestBackend.withSecret()) {
            assertThat(app.post("/login", null, null).statusCode()).isEqualTo(400);
        }
    }

    @Test
    void answersHealth() {
        try (TestBackend app = TestBackend.withSecret()) {
            HttpResponse<String> r = app.get("/health");

            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(TestBackend.json(r).get("status").asText()).isEqualTo("UP");
        }
    }
}
