package io.chatrelay.example.keys;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.proc.JWSKeySelector;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;

/**
 * RS256 or ES256 key pairs that rotate: one current key signs; {@link #rotate()} makes a new
 * key current and keeps the one before in {@link #publicKeys()} for a grace period (at least the
 * longest token life), so tokens signed before the rotation verify until they expire, at the
 * gateway (which fetches the JWKS again when a token names a key id it does not know) and here.
 * Keys that came from the key file besides the first are published as long as the process runs
 * (the file is the truth: an operator rotating by file lists the new key first, the old one
 * after it, and drops the old one later).
 *
 * <p>Reads take a consistent snapshot without locking; rotations are serialized.
 */
public final class KeyRing implements SigningKeys {
    /**
     * A key that no longer signs but is still published.
     *
     * @param key   its public part
     * @param until when it is dropped, or {@code null} to keep it
     */
    public record Retired(JWK key, Instant until) {
    }

    /** What one rotation did: the new current key id and the keys still published besides it. */
    public record Rotation(String kid, List<Retired> previous) {
    }

    private record State(JWK current, JWSSigner signer, List<Retired> previous) {
    }

    private final KeyFiles.Kind kind;
    private final Duration grace;
    private final Clock clock;
    private final AtomicReference<State> state = new AtomicReference<>();
    private final ReentrantLock rotation = new ReentrantLock();

    private KeyRing(KeyFiles.Kind kind, Duration grace, Clock clock, JWK current, List<Retired> previous) {
        this.kind = kind;
        this.grace = grace;
        this.clock = clock;
        state.set(new State(current, signer(current), List.copyOf(previous)));
    }

    /**
     * A ring that starts with a key generated now (tokens signed before a restart then no
     * longer verify: use a key file where that matters, or with more than one backend).
     *
     * @param algorithm RS256 or ES256
     * @param grace     how long a rotated-out key stays published
     * @param clock     the time
     * @return the ring
     */
    public static KeyRing generate(JWSAlgorithm algorithm, Duration grace, Clock clock) {
        KeyFiles.Kind kind = KeyFiles.Kind.of(algorithm);
        return new KeyRing(kind, grace, clock, kind.generate(), List.of());
    }

    /**
     * A ring that starts with the keys of a file ({@link KeyFiles#read}).
     *
     * @param algorithm RS256 or ES256
     * @param file      the key file; its first key signs
     * @param grace     how long a rotated-out key stays published
     * @param clock     the time
     * @return the ring
     */
    public static KeyRing load(JWSAlgorithm algorithm, Path file, Duration grace, Clock clock) {
        KeyFiles.Kind kind = KeyFiles.Kind.of(algorithm);
        List<JWK> keys = KeyFiles.read(file, kind);
        List<Retired> others = keys.subList(1, keys.size()).stream().map(k -> new Retired(k.toPublicJWK(), null)).toList();
        return new KeyRing(kind, grace, clock, keys.getFirst(), others);
    }

    @Override
    public JWSAlgorithm algorithm() {
        return kind.algorithm();
    }

    /**
     * The id of the key that signs now.
     *
     * @return its {@code kid}
     */
    public String currentKid() {
        return state.get().current().getKeyID();
    }

    @Override
    public String sign(JWTClaimsSet claims) {
        State s = state.get();
        JWSHeader header = new JWSHeader.Builder(kind.algorithm()).keyID(s.current().getKeyID()).build();
        SignedJWT jwt = new SignedJWT(header, claims);
        try {
            jwt.sign(s.signer());
        } catch (JOSEException e) {
            throw new IllegalStateException("cannot sign with " + kind.algorithm(), e);
        }
        return jwt.serialize();
    }

    @Override
    public JWSKeySelector<SecurityContext> verificationKeys() {
        return new JWSVerificationKeySelector<>(kind.algorithm(), (selector, context) -> selector.select(publicKeys()));
    }

    @Override
    public JWKSet publicKeys() {
        State s = state.get();
        Instant now = clock.instant();
        List<JWK> keys = new ArrayList<>();
        keys.add(s.current().toPublicJWK());
        for (Retired r : s.previous()) {
            if (r.until() == null || now.isBefore(r.until())) {
                keys.add(r.key());
            }
        }
        return new JWKSet(keys);
    }

    /**
     * Makes a new key current; the one before stays published for the grace period, and keys
     * whose grace period ended are dropped.
     *
     * @return the new key id and the keys still published besides it
     */
    public Rotation rotate() {
        JWK fresh = kind.generate();
        JWSSigner signer = signer(fresh);
        rotation.lock();
        try {
            State s = state.get();
            Instant now = clock.instant();
            List<Retired> previous = new ArrayList<>();
            previous.add(new Retired(s.current().toPublicJWK(), now.plus(grace)));
            s.previous().stream().filter(r -> r.until() == null || now.isBefore(r.until())).forEach(previous::add);
            State next = new State(fresh, signer, List.copyOf(previous));
            state.set(next);
            return new Rotation(fresh.getKeyID(), next.previous());
        } finally {
            rotation.unlock();
        }
    }

    private static JWSSigner signer(JWK key) {
        try {
            return switch (key) {
                case RSAKey rsa -> new RSASSASigner(rsa);
                case ECKey ec -> new ECDSASigner(ec);
                default -> throw new IllegalArgumentException("not an RSA or EC key: " + key.getKeyType());
            };
        } catch (JOSEException e) {
            throw new IllegalArgumentException("cannot sign with key " + key.getKeyID(), e);
        }
    }
}
