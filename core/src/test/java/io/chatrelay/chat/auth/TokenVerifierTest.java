package io.chatrelay.chat.auth;

import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import io.chatrelay.chat.Tokens;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TokenVerifierTest {
    private static final String SECRET = "a-secret-of-at-least-thirty-two-bytes!!";

    @TempDir
    Path dir;

    private TokenVerifier verifier(String secret, String jwks, String issuer, String audience, Duration ttl) {
        return new TokenVerifier(new TokenVerifier.Settings(secret, jwks, issuer, audience, ttl));
    }

    @Test
    void acceptsHs256WithTheSecretAndReturnsTheClaims() throws Exception {
        TokenVerifier v = verifier(SECRET, "", "", "", Duration.ofMinutes(5));

        var claims = v.verify(Tokens.hs256(SECRET, Tokens.claims("alice", Duration.ofMinutes(1)).claim("name", "Alice").build()));

        assertThat(claims.getSubject()).isEqualTo("alice");
        assertThat(claims.getStringClaim("name")).isEqualTo("Alice");
    }

    @Test
    void refusesExpiredTokensAndTokensWithoutExpiry() {
        TokenVerifier v = verifier(SECRET, "", "", "", Duration.ofMinutes(5));

        assertThatThrownBy(() -> v.verify(Tokens.hs256(SECRET, Tokens.claims("alice", Duration.ofSeconds(-1)).build())))
                .isInstanceOf(TokenVerifier.BadTokenException.class);
        assertThatThrownBy(() -> v.verify(Tokens.hs256(SECRET, new com.nimbusds.jwt.JWTClaimsSet.Builder().subject("a").build())))
                .isInstanceOf(TokenVerifier.BadTokenException.class);
    }

    @Test
    void checksIssuerAndAudienceWhenConfigured() throws Exception {
        TokenVerifier v = verifier(SECRET, "", "https://app.example", "chat", Duration.ofMinutes(5));

        String good = Tokens.hs256(SECRET, Tokens.claims("a", Duration.ofMinutes(1)).issuer("https://app.example").audience(List.of("chat", "x")).build());
        String otherIssuer = Tokens.hs256(SECRET, Tokens.claims("a", Duration.ofMinutes(1)).issuer("https://evil.example").audience("chat").build());
        String noAudience = Tokens.hs256(SECRET, Tokens.claims("a", Duration.ofMinutes(1)).issuer("https://app.example").build());

        assertThat(v.verify(good).getSubject()).isEqualTo("a");
        assertThatThrownBy(() -> v.verify(otherIssuer)).isInstanceOf(TokenVerifier.BadTokenException.class);
        assertThatThrownBy(() -> v.verify(noAudience)).isInstanceOf(TokenVerifier.BadTokenException.class);
    }

    @Test
    void acceptsRs256AndEs256KeysFromAJwksFile() throws Exception {
        RSAKey rsa = new RSAKeyGenerator(2048).keyID("rsa-1").generate();
        ECKey ec = new ECKeyGenerator(Curve.P_256).keyID("ec-1").generate();
        Path jwks = dir.resolve("jwks.json");
        Files.writeString(jwks, new JWKSet(List.of(rsa.toPublicJWK(), ec.toPublicJWK())).toString());
        TokenVerifier v = verifier("", jwks.toUri().toString(), "", "", Duration.ofMinutes(5));

        assertThat(v.verify(Tokens.signed(rsa, Tokens.claims("r", Duration.ofMinutes(1)).build())).getSubject()).isEqualTo("r");
        assertThat(v.verify(Tokens.signed(ec, Tokens.claims("e", Duration.ofMinutes(1)).build())).getSubject()).isEqualTo("e");
    }

    @Test
    void picksUpARotatedKeyWithoutARestart() throws Exception {
        RSAKey old = new RSAKeyGenerator(2048).keyID("old").generate();
        RSAKey rotated = new RSAKeyGenerator(2048).keyID("new").generate();
        Path jwks = dir.resolve("jwks.json");
        Files.writeString(jwks, new JWKSet(old.toPublicJWK()).toString());
        TokenVerifier v = verifier("", jwks.toUri().toString(), "", "", Duration.ofMillis(200));
        assertThat(v.verify(Tokens.signed(old, Tokens.claims("a", Duration.ofMinutes(1)).build())).getSubject()).isEqualTo("a");

        Files.writeString(jwks, new JWKSet(rotated.toPublicJWK()).toString());
        Thread.sleep(300);

        assertThat(v.verify(Tokens.signed(rotated, Tokens.claims("b", Duration.ofMinutes(1)).build())).getSubject()).isEqualTo("b");
        assertThatThrownBy(() -> v.verify(Tokens.signed(old, Tokens.claims("a", Duration.ofMinutes(1)).build())))
                .as("the retired key is refused").isInstanceOf(TokenVerifier.BadTokenException.class);
    }

    @Test
    void refusesAlgorithmsItHasNoKeyForAndUnsignedTokens() throws Exception {
        TokenVerifier hsOnly = verifier(SECRET, "", "", "", Duration.ofMinutes(5));
        RSAKey rsa = new RSAKeyGenerator(2048).keyID("k").generate();
        String none = new com.nimbusds.jwt.PlainJWT(Tokens.claims("a", Duration.ofMinutes(1)).build()).serialize();

        assertThatThrownBy(() -> hsOnly.verify(Tokens.signed(rsa, Tokens.claims("a", Duration.ofMinutes(1)).build())))
                .isInstanceOf(TokenVerifier.BadTokenException.class);
        assertThatThrownBy(() -> hsOnly.verify(none)).isInstanceOf(TokenVerifier.BadTokenException.class);
        assertThatThrownBy(() -> hsOnly.verify(Tokens.hs256("another-secret-of-at-least-32-bytes!!", Tokens.claims("a", Duration.ofMinutes(1)).build())))
                .isInstanceOf(TokenVerifier.BadTokenException.class);
    }
}
