package io.chatrelay.example.keys;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.proc.JWSKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;

/**
 * The keys tokens are signed with: a {@link SharedSecret} (HS256, the gateway has the same
 * secret) or a {@link KeyRing} (RS256/ES256, the gateway reads the public keys from the JWKS this
 * backend publishes). Thread-safe.
 */
public sealed interface SigningKeys permits SharedSecret, KeyRing {
    /**
     * The algorithm tokens are signed with.
     *
     * @return HS256, RS256 or ES256
     */
    JWSAlgorithm algorithm();

    /**
     * Signs claims with the current key.
     *
     * @param claims the claims
     * @return the compact JWT
     */
    String sign(JWTClaimsSet claims);

    /**
     * The keys this backend accepts on its own tokens (the same the gateway gets).
     *
     * @return a key selector for nimbus' processor
     */
    JWSKeySelector<SecurityContext> verificationKeys();

    /**
     * The public keys to publish: the current one and those in their grace period; none for a
     * shared secret (a secret is never published).
     *
     * @return the JWK set, public parts only
     */
    JWKSet publicKeys();
}
