package io.chatrelay.example.keys;

import com.nimbusds.jose.Algorithm;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.util.JSONObjectUtils;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.ParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Key pairs: generated, or read from a file holding one private JWK or a JWK set
 * ({@code {"keys":[...]}}) whose first key is private and signs; the others are published too
 * (a rotation by file). {@code java -jar chat-relay-example-app.jar generate-key RS256} writes such
 * a file. Every key gets {@code use=sig}, the algorithm, and its RFC 7638 thumbprint as
 * {@code kid} when it has none.
 */
public final class KeyFiles {
    /** Largest key file read. */
    static final long MAX_FILE = 256 * 1024;

    private KeyFiles() {
    }

    /** The key families of the algorithms a key pair can have. */
    public enum Kind {
        /** RSA, 2048 bits or more. */
        RSA(JWSAlgorithm.RS256),
        /** EC on P-256. */
        EC(JWSAlgorithm.ES256);

        private final JWSAlgorithm algorithm;

        Kind(JWSAlgorithm algorithm) {
            this.algorithm = algorithm;
        }

        /**
         * The kind that signs with an algorithm.
         *
         * @param algorithm RS256 or ES256
         * @return the kind
         */
        public static Kind of(JWSAlgorithm algorithm) {
            for (Kind k : values()) {
                if (k.algorithm.equals(algorithm)) {
                    return k;
                }
            }
            throw new IllegalArgumentException("no key pair for " + algorithm + " (RS256 or ES256)");
        }

        /**
         * The algorithm its keys sign with.
         *
         * @return the algorithm
         */
        public JWSAlgorithm algorithm() {
            return algorithm;
        }

        /**
         * A new private key.
         *
         * @return the key, with {@code kid}, {@code alg} and {@code use}
         */
        public JWK generate() {
            try {
                return switch (this) {
                    case RSA -> new RSAKeyGenerator(2048).keyUse(KeyUse.SIGNATURE).algorithm(algorithm)
                            .keyIDFromThumbprint(true).generate();
                    case EC -> new ECKeyGenerator(Curve.P_256).keyUse(KeyUse.SIGNATURE).algorithm(algorithm)
                            .keyIDFromThumbprint(true).generate();
                };
            } catch (JOSEException e) {
                throw new IllegalStateException("cannot generate a " + this + " key", e);
            }
        }

        private void check(JWK key) {
            boolean fits = switch (this) {
                case RSA -> key instanceof RSAKey rsa && rsa.size() >= 2048;
                case EC -> key instanceof ECKey ec && Curve.P_256.equals(ec.getCurve());
            };
            if (!fits) {
                throw new IllegalArgumentException("key " + key.getKeyID() + " is not " + (this == RSA ? "RSA of 2048 bits or more"
                        : "EC on P-256") + " (" + algorithm + ")");
            }
            Algorithm alg = key.getAlgorithm();
            if (alg != null && !alg.equals(algorithm)) {
                throw new IllegalArgumentException("key " + key.getKeyID() + " is for " + alg + ", not " + algorithm);
            }
        }
    }

    /**
     * Reads the keys of a file.
     *
     * @param file the file
     * @param kind the kind every key must have
     * @return the keys, the first one private
     * @throws IllegalArgumentException when the file is unreadable, malformed, or its keys do not fit
     */
    public static List<JWK> read(Path file, Kind kind) {
        String text;
        try {
            if (Files.size(file) > MAX_FILE) {
                throw new IllegalArgumentException("key file larger than " + MAX_FILE + " bytes: " + file);
            }
            text = Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read key file " + file, e);
        }
        return parse(text, kind, file.toString());
    }

    /**
     * Parses keys.
     *
     * @param json  a JWK or a JWK set
     * @param kind  the kind every key must have
     * @param where named in errors
     * @return the keys, the first one private
     */
    static List<JWK> parse(String json, Kind kind, String where) {
        List<JWK> parsed;
        try {
            Map<String, Object> object = JSONObjectUtils.parse(json);
            parsed = object.containsKey("keys") ? JWKSet.parse(object).getKeys() : List.of(JWK.parse(object));
        } catch (ParseException e) {
            throw new IllegalArgumentException("key file " + where + " is not a JWK or JWK set: " + e.getMessage(), e);
        }
        if (parsed.isEmpty() || !parsed.getFirst().isPrivate()) {
            throw new IllegalArgumentException("the first key of " + where + " must be a private key (it signs)");
        }
        List<JWK> keys = new ArrayList<>();
        for (JWK key : parsed) {
            kind.check(key);
            keys.add(complete(key, kind));
        }
        if (keys.stream().map(JWK::getKeyID).distinct().count() != keys.size()) {
            throw new IllegalArgumentException("key file " + where + " lists a key id twice");
        }
        return keys;
    }

    private static JWK complete(JWK key, Kind kind) {
        try {
            String kid = key.getKeyID() != null ? key.getKeyID() : key.computeThumbprint().toString();
            return switch (key) {
                case RSAKey rsa -> new RSAKey.Builder(rsa).keyID(kid).keyUse(KeyUse.SIGNATURE).algorithm(kind.algorithm()).build();
                case ECKey ec -> new ECKey.Builder(ec).keyID(kid).keyUse(KeyUse.SIGNATURE).algorithm(kind.algorithm()).build();
                default -> throw new IllegalArgumentException("not an RSA or EC key");
            };
        } catch (JOSEException e) {
            throw new IllegalArgumentException("cannot compute the thumbprint of a key", e);
        }
    }
}
