package io.chatrelay.example.support;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.jwk.source.ImmutableSecret;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;

import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.util.HashSet;
import java.util.Set;

/**
 * Checks tokens the way the gateway does (nimbus; HS256 with the secret; RS256/ES256 with JWKS
 * keys; {@code sub} and {@code exp} required, no clock skew), independently of the backend's code.
 */
public final class Verify {
    private Verify() {
    }

    /**
     * Verifies with a shared secret.
     *
     * @param token  the token
     * @param secret the secret
     * @return the claims
     * @throws BadJOSEException when refused
     */
    public static JWTClaimsSet withSecret(String token, String secret) throws BadJOSEException {
        return process(token, new JWSVerificationKeySelector<>(Set.of(JWSAlgorithm.HS256),
                new ImmutableSecret<>(secret.getBytes(StandardCharsets.UTF_8))));
    }

    /**
     * Verifies with the keys of a JWKS.
     *
     * @param token the token
     * @param jwks  the key set
     * @return the claims
     * @throws BadJOSEException when refused
     */
    public static JWTClaimsSet withJwks(String token, JWKSet jwks) throws BadJOSEException {
        return withSource(token, new ImmutableJWKSet<>(jwks));
    }

    /**
     * Verifies with the keys of a source (a remote JWKS, as the gateway has).
     *
     * @param token the token
     * @param keys  the key source
     * @return the claims
     * @throws BadJOSEException when refused
     */
    public static JWTClaimsSet withSource(String token, JWKSource<SecurityContext> keys) throws BadJOSEException {
        return process(token, new JWSVerificationKeySelector<>(Set.of(JWSAlgorithm.RS256, JWSAlgorithm.ES256), keys));
    }

    private static JWTClaimsSet process(String token, JWSVerificationKeySelector<SecurityContext> keys) throws BadJOSEException {
        DefaultJWTProcessor<SecurityContext> p = new DefaultJWTProcessor<>();
        p.setJWSKeySelector(keys);
        DefaultJWTClaimsVerifier<SecurityContext> claims =
                new DefaultJWTClaimsVerifier<>(null, null, new HashSet<>(Set.of("sub", "exp")), null);
        claims.setMaxClockSkew(0);
        p.setJWTClaimsSetVerifier(claims);
        try {
            return p.process(token, null);
        } catch (ParseException | JOSEException e) {
            throw new BadJOSEException("not a valid token: " + e.getMessage(), e);
        }
    }
}
