package io.chatrelay.chat.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.jwk.source.ImmutableSecret;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import io.chatrelay.chat.Identity;
import io.chatrelay.chat.protocol.Names;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.text.ParseException;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Set;

/**
 * Guest identities that survive a reconnect. A guest gets a random id in its own namespace
 * ({@code guest:} and 12 characters: no token can carry it) and, in {@code welcome}, a token the
 * gateways sign for it ({@code iss} {@value #ISSUER}); presenting that token again (in
 * {@code hello}, or {@code ?token=}) keeps the id and the display name, on any gateway that
 * shares the guest secret. Nothing else can be done with it: it grants no room.
 */
public final class GuestTokens {
    /** The issuer of guest tokens. */
    public static final String ISSUER = "chat-relay/guest";
    private static final String ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final byte[] secret;
    private final Duration ttl;
    private final DefaultJWTProcessor<SecurityContext> processor;

    /**
     * Creates the issuer and verifier of guest tokens.
     *
     * @param secret the gateways' shared guest secret (at least 32 bytes); empty for a random one
     *               of this process (guests then keep their id only on this gateway)
     * @param ttl    life of a guest token
     */
    public GuestTokens(String secret, Duration ttl) {
        byte[] key = secret.getBytes(StandardCharsets.UTF_8);
        if (key.length == 0) {
            key = new byte[32];
            RANDOM.nextBytes(key);
        } else if (key.length < 32) {
            throw new IllegalArgumentException("guest secret must have at least 32 bytes");
        }
        this.secret = key;
        this.ttl = ttl;
        this.processor = new DefaultJWTProcessor<>();
        processor.setJWSKeySelector(new JWSVerificationKeySelector<>(JWSAlgorithm.HS256, new ImmutableSecret<>(key)));
        DefaultJWTClaimsVerifier<SecurityContext> claims = new DefaultJWTClaimsVerifier<>(
                new JWTClaimsSet.Builder().issuer(ISSUER).build(), Set.of("sub", "exp", "name"));
        claims.setMaxClockSkew(0);
        processor.setJWTClaimsSetVerifier(claims);
    }

    /**
     * A new guest.
     *
     * @param name the display name the guest chose, or {@code null} for a generated one
     * @return the identity (a fresh id, no grants, no expiry on the connection)
     */
    public static Identity newGuest(String name) {
        String id = Names.GUEST_PREFIX + random(12);
        return new Identity(id, name == null || name.isEmpty() ? "guest-" + random(4) : name, true, List.of(), null);
    }

    /**
     * The token that lets a guest come back as itself.
     *
     * @param guest the guest
     * @return a compact JWT
     */
    public String issue(Identity guest) {
        JWTClaimsSet claims = new JWTClaimsSet.Builder().issuer(ISSUER).subject(guest.user()).claim("name", guest.name())
                .expirationTime(Date.from(Instant.now().plus(ttl))).build();
        try {
            SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims);
            jwt.sign(new MACSigner(secret));
            return jwt.serialize();
        } catch (JOSEException e) {
            throw new IllegalStateException("cannot sign a guest token", e);
        }
    }

    /**
     * Whether a token claims to be a guest token (its issuer), before any verification.
     *
     * @param token a compact JWT
     * @return {@code true} if it names the guest issuer
     */
    static boolean claimsToBeGuest(String token) {
        try {
            return ISSUER.equals(SignedJWT.parse(token).getJWTClaimsSet().getIssuer());
        } catch (ParseException e) {
            return false;
        }
    }

    /**
     * The guest a guest token names.
     *
     * @param token the token from {@link #issue}
     * @return the guest
     * @throws TokenVerifier.BadTokenException when it is not a valid guest token of these gateways
     */
    Identity verify(String token) throws TokenVerifier.BadTokenException {
        try {
            JWTClaimsSet claims = processor.process(token, null);
            String sub = claims.getSubject();
            if (!sub.startsWith(Names.GUEST_PREFIX) || !Names.validUser(sub)) {
                throw new TokenVerifier.BadTokenException("not a guest id");
            }
            return new Identity(sub, Names.displayName(claims.getStringClaim("name"), sub), true, List.of(), null);
        } catch (ParseException | BadJOSEException | JOSEException e) {
            throw new TokenVerifier.BadTokenException("invalid or expired guest token");
        }
    }

    private static String random(int length) {
        StringBuilder b = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            b.append(ALPHABET.charAt(RANDOM.nextInt(ALPHABET.length())));
        }
        return b.toString();
    }
}
