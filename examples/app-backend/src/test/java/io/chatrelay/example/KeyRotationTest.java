package io.chatrelay.example;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.SignedJWT;
import io.chatrelay.example.support.TestBackend;
import io.chatrelay.example.support.Verify;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

import static io.chatrelay.example.support.TestBackend.SECRET;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class KeyRotationTest {
    /** Key grace of these tests: 30 minutes (the default), twice the token life. */
    private static final Duration GRACE = Duration.ofMinutes(30);

    @ParameterizedTest
    @ValueSource(strings = {"RS256", "ES256"})
    void tokensSignedBeforeAndAfterARotationBothVerifyAgainstThePublishedJwks(String algorithm) throws Exception {
        try (TestBackend app = TestBackend.start(Map.of("APP_JWT_ALGORITHM", algorithm))) {
            String before = app.aliceToken();
            String oldKid = kid(before);

            JsonNode rotation = app.rotate();
            String after = app.aliceToken();

            assertThat(kid(after)).isEqualTo(rotation.get("kid").asText()).isNotEqualTo(oldKid);
            assertThat(rotation.get("previous").get(0).get("kid").asText()).isEqualTo(oldKid);
            assertThat(rotation.get("previous").get(0).get("until").asLong())
                    .isEqualTo(app.clock().instant().plus(GRACE).getEpochSecond());
            JWKSet jwks = app.jwks();
            assertThat(jwks.getKeys()).extracting(JWK::getKeyID).containsExactly(kid(after), oldKid);
            assertThat(Verify.withJwks(before, jwks).getSubject()).isEqualTo("alice");
            assertThat(Verify.withJwks(after, jwks).getSubject()).isEqualTo("alice");
            assertThat(app.post("/refresh", null, before).statusCode()).as("the backend accepts the old key too").isEqualTo(200);
        }
    }

    @Test
    void aKeyDroppedAfterTheGracePeriodNoLongerVerifies() throws Exception {
        try (TestBackend app = TestBackend.start(Map.of("APP_JWT_ALGORITHM", "RS256"))) {
            String before = app.aliceToken();
            app.rotate();
            app.clock().advance(GRACE.minusSeconds(1));
            assertThat(app.jwks().getKeyByKeyId(kid(before))).as("still in its grace period").isNotNull();

            app.clock().advance(Duration.ofSeconds(1));
            String after = app.aliceToken();
            JWKSet jwks = app.jwks();

            assertThat(jwks.getKeys()).extracting(JWK::getKeyID).containsExactly(kid(after));
            assertThatThrownBy(() -> Verify.withJwks(before, jwks)).isInstanceOf(BadJOSEException.class)
                    .hasMessageContaining("no matching key");
            assertThat(Verify.withJwks(after, jwks).getSubject()).isEqualTo("alice");
            assertThat(app.post("/refresh", null, before).statusCode()).isEqualTo(401);
        }
    }

    @Test
    void aJwksClientThatCachesPicksUpTheNewKeyWhenATokenNamesAnUnknownKid() throws Exception {
        try (TestBackend app = TestBackend.start(Map.of("APP_JWT_ALGORITHM", "ES256"))) {
            // as the gateway: cached for long, fetched again when no cached key matches the token's kid
            JWKSource<SecurityContext> gateway = JWKSourceBuilder.<SecurityContext>create(app.uri("/.well-known/jwks.json").toURL())
                    .cache(Duration.ofHours(1).toMillis(), 5000)
                    .rateLimited(false)
                    .refreshAheadCache(false)
                    .build();
            String before = app.aliceToken();
            assertThat(Verify.withSource(before, gateway).getSubject()).isEqualTo("alice");

            app.rotate();
            String after = app.aliceToken();

            assertThat(Verify.withSource(after, gateway).getSubject()).isEqualTo("alice");
            assertThat(Verify.withSource(before, gateway).getSubject()).isEqualTo("alice");
        }
    }

    @Test
    void rotatesAgainWithinTheGracePeriodKeepingEveryKeyStillInIt() throws Exception {
        try (TestBackend app = TestBackend.start(Map.of("APP_JWT_ALGORITHM", "RS256"))) {
            String first = app.aliceToken();
            app.rotate();
            app.clock().advance(Duration.ofMinutes(10));
            String second = app.aliceToken();
            JsonNode rotation = app.rotate();
            String third = app.aliceToken();

            assertThat(rotation.get("previous")).hasSize(2);
            JWKSet jwks = app.jwks();
            assertThat(jwks.getKeys()).extracting(JWK::getKeyID).containsExactly(kid(third), kid(second), kid(first));
            app.clock().advance(Duration.ofMinutes(20));
            assertThat(app.jwks().getKeys()).extracting(JWK::getKeyID).containsExactly(kid(third), kid(second));
        }
    }

    @Test
    void rotationNeedsTheAdminKey() {
        try (TestBackend app = TestBackend.start(Map.of("APP_JWT_ALGORITHM", "RS256"));
             TestBackend off = TestBackend.start(Map.of("APP_JWT_ALGORITHM", "RS256", "APP_ADMIN_KEY", ""))) {
            String kid = app.jwks().getKeys().getFirst().getKeyID();

            assertThat(app.post("/admin/rotate", null, null).statusCode()).isEqualTo(401);
            assertThat(app.post("/admin/rotate", null, TestBackend.ADMIN_KEY + "x").statusCode()).isEqualTo(401);
            assertThat(app.post("/admin/rotate", null, app.aliceToken()).statusCode()).isEqualTo(401);
            assertThat(app.jwks().getKeys()).extracting(JWK::getKeyID).containsExactly(kid);
            HttpResponse<String> disabled = off.post("/admin/rotate", null, TestBackend.ADMIN_KEY);
            assertThat(disabled.statusCode()).isEqualTo(403);
            assertThat(disabled.body()).contains("APP_ADMIN_KEY");
        }
    }

    @Test
    void aSharedSecretPublishesNoKeyAndDoesNotRotate() {
        try (TestBackend app = TestBackend.withSecret()) {
            assertThat(app.jwks().getKeys()).isEmpty();
            assertThat(app.get("/.well-known/jwks.json").body()).doesNotContain(SECRET);

            HttpResponse<String> r = app.post("/admin/rotate", null, TestBackend.ADMIN_KEY);

            assertThat(r.statusCode()).isEqualTo(409);
            assertThat(TestBackend.json(r).get("error").asText()).isEqualTo("rotation_unavailable");
        }
    }

    private static String kid(String token) throws java.text.ParseException {
        return SignedJWT.parse(token).getHeader().getKeyID();
    }
}
