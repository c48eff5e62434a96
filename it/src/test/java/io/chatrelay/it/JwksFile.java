package io.chatrelay.it;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jwt.SignedJWT;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * An application's ES256 signing keys and the JWKS file of their public halves, in a directory of
 * this machine that a compose override mounts into the gateways ({@code CHAT_AUTH_JWKS=file:...}).
 * {@link #rotate} adds a new current key and rewrites the file (atomically), as a key rotation does.
 */
final class JwksFile {
    private final Path directory;
    private final List<Key> keys = new CopyOnWriteArrayList<>();

    private JwksFile(Path directory) {
        this.directory = directory;
    }

    /** A new directory under {@code it/target} with a JWKS of one key, readable by the gateways' user. */
    static JwksFile create() {
        try {
            Path dir = ComposeStack.projectRoot().resolve("it/target/jwks-" + UUID.randomUUID().toString().substring(0, 8));
            Files.createDirectories(dir);
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
            JwksFile file = new JwksFile(dir.toAbsolutePath());
            file.rotate();
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Path directory() {
        return directory;
    }

    /** Adds a new current key and publishes it beside the earlier ones; returns it. */
    Key rotate() {
        Key key = Key.generate("k" + (keys.size() + 1) + "-" + UUID.randomUUID().toString().substring(0, 6));
        keys.add(key);
        try {
            Path tmp = directory.resolve("jwks.json.tmp");
            Files.writeString(tmp, new JWKSet(keys.stream().map(k -> (JWK) k.jwk().toPublicJWK()).toList()).toString());
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-r--r--"));
            Files.move(tmp, directory.resolve("jwks.json"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return key;
    }

    /** A connection token signed with the current key. */
    String es256(String sub, long seconds) {
        return es256(keys.getLast(), sub, seconds);
    }

    /** A connection token signed with a given key. */
    String es256(Key key, String sub, long seconds) {
        return key.sign(sub, seconds);
    }

    /** One ES256 key pair, named by its key id. */
    record Key(ECKey jwk) {
        static Key generate(String kid) {
            try {
                return new Key(new ECKeyGenerator(Curve.P_256).keyID(kid).generate());
            } catch (JOSEException e) {
                throw new IllegalStateException(e);
            }
        }

        String sign(String sub, long seconds) {
            try {
                SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID(jwk.getKeyID()).build(),
                        Tokens.claims(sub, seconds).build());
                jwt.sign(new ECDSASigner(jwk));
                return jwt.serialize();
            } catch (JOSEException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
