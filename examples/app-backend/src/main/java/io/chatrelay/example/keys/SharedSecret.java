package io.chatrelay.example.keys;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.source.ImmutableSecret;
import com.nimbusds.jose.proc.JWSKeySelector;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;

import java.nio.charset.StandardCharsets;

/**
 * HS256 with the secret the gateway has too ({@code CHAT_AUTH_JWT_SECRET}). It cannot rotate
 * here: the gateway knows one secret, so a new one is a configuration change on both sides.
 */
public final class SharedSecret implements SigningKeys {
    private final MACSigner signer;
    private final JWSKeySelector<SecurityContext> selector;

    /**
     * Creates the keys.
     *
     * @param secret the secret, at least 32 bytes of UTF-8
     */
    public SharedSecret(String secret) {
        byte[] key = secret.getBytes(StandardCharsets.UTF_8);
        try {
            this.signer = new MACSigner(key);
        } catch (JOSEException e) {
            throw new IllegalArgumentException("HS256 secret must have at least 32 bytes", e);
        }
        this.selector = new JWSVerificationKeySelector<>(JWSAlgorithm.HS256, new ImmutableSecret<>(key));
    }

    @Override
    public JWSAlgorithm algorithm() {
        return JWSAlgorithm.HS256;
    }

    @Override
    public String sign(JWTClaimsSet claims) {
        SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims);
        try {
            jwt.sign(signer);
        } catch (JOSEException e) {
            throw new IllegalStateException("cannot sign with HS256", e);
        }
        return jwt.serialize();
    }

    @Override
    public JWSKeySelector<SecurityContext> verificationKeys() {
        return selector;
    }

    @Override
    public JWKSet publicKeys() {
        return new JWKSet();
    }
}
