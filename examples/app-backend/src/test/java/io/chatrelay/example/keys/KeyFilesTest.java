package io.chatrelay.example.keys;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class KeyFilesTest {
    @Test
    void readsAGeneratedKeyBackAsTheKeyThatSigns() throws Exception {
        JWK generated = KeyFiles.Kind.RSA.generate();

        List<JWK> keys = KeyFiles.parse(generated.toJSONString(), KeyFiles.Kind.RSA, "test");

        assertThat(keys).containsExactly(generated);
        assertThat(keys.getFirst().isPrivate()).isTrue();
        assertThat(keys.getFirst().getKeyID()).isEqualTo(generated.computeThumbprint().toString());
    }

    @Test
    void givesAKeyWithoutIdItsThumbprintAndTheAlgorithm() throws Exception {
        RSAKey bare = new RSAKeyGenerator(2048).generate();

        JWK key = KeyFiles.parse(bare.toJSONString(), KeyFiles.Kind.RSA, "test").getFirst();

        assertThat(key.getKeyID()).isEqualTo(bare.computeThumbprint().toString());
        assertThat(key.getAlgorithm()).isEqualTo(JWSAlgorithm.RS256);
        assertThat(key.getKeyUse()).isEqualTo(KeyUse.SIGNATURE);
    }

    @Test
    void aKeyRingFromAFileSignsWithTheFirstKeyAndPublishesEveryKey(@TempDir Path dir) throws Exception {
        JWK current = KeyFiles.Kind.EC.generate();
        JWK old = KeyFiles.Kind.EC.generate();
        Path file = Files.writeString(dir.resolve("keys.json"), new JWKSet(List.of(current, old.toPublicJWK())).toString(false));

        KeyRing ring = KeyRing.load(JWSAlgorithm.ES256, file, Duration.ofMinutes(30), Clock.systemUTC());
        String token = ring.sign(new JWTClaimsSet.Builder().subject("alice").build());

        assertThat(SignedJWT.parse(token).getHeader().getKeyID()).isEqualTo(current.getKeyID());
        assertThat(ring.publicKeys().getKeys()).extracting(JWK::getKeyID).containsExactly(current.getKeyID(), old.getKeyID());
        assertThat(ring.publicKeys().getKeys()).allSatisfy(k -> assertThat(k.isPrivate()).isFalse());
    }

    @Test
    void refusesAFileWhoseFirstKeyIsNotPrivate() {
        String publicOnly = KeyFiles.Kind.RSA.generate().toPublicJWK().toJSONString();

        assertThatIllegalArgumentException().isThrownBy(() -> KeyFiles.parse(publicOnly, KeyFiles.Kind.RSA, "test"))
                .withMessageContaining("private");
    }

    @Test
    void refusesKeysOfAnotherKind() throws Exception {
        String ec = KeyFiles.Kind.EC.generate().toJSONString();
        String p384 = new ECKeyGenerator(Curve.P_384).generate().toJSONString();
        String rsa1024 = new RSAKeyGenerator(1024, true).generate().toJSONString();

        assertThatIllegalArgumentException().isThrownBy(() -> KeyFiles.parse(ec, KeyFiles.Kind.RSA, "test"));
        assertThatIllegalArgumentException().isThrownBy(() -> KeyFiles.parse(p384, KeyFiles.Kind.EC, "test"));
        assertThatIllegalArgumentException().isThrownBy(() -> KeyFiles.parse(rsa1024, KeyFiles.Kind.RSA, "test"));
    }

    @Test
    void refusesWhatIsNoJwk() {
        assertThatIllegalArgumentException().isThrownBy(() -> KeyFiles.parse("-----BEGIN PRIVATE KEY-----", KeyFiles.Kind.RSA, "t"));
        assertThatIllegalArgumentException().isThrownBy(() -> KeyFiles.parse("{\"keys\":[]}", KeyFiles.Kind.RSA, "t"));
    }
}
