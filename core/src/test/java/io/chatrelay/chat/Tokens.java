package io.chatrelay.chat;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;

import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.function.UnaryOperator;

/** Signs test tokens the way an application's backend would (nimbus). */
public final class Tokens {
    private Tokens() {
    }

    /**
     * Claims for a user, expiring after {@code ttl}.
     *
     * @param sub the user id
     * @param ttl life of the token
     * @return the claims builder
     */
    public static JWTClaimsSet.Builder claims(String sub, Duration ttl) {
        return new JWTClaimsSet.Builder().subject(sub).expirationTime(Date.from(Instant.now().plus(ttl)));
    }

    /**
     * An HS256 token.
     *
     * @param secret the shared secret
     * @param claims the claims
     * @return the compact JWT
     */
    public static String hs256(String secret, JWTClaimsSet claims) {
        try {
            return sign(new MACSigner(secret.getBytes(java.nio.charset.StandardCharsets.UTF_8)), JWSAlgorithm.HS256, null, claims);
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * An RS256 or ES256 token signed with a private JWK (its key id in the header).
     *
     * @param key    an RSA or EC private key
     * @param claims the claims
     * @return the compact JWT
     */
    public static String signed(JWK key, JWTClaimsSet claims) {
        try {
            if (key instanceof RSAKey rsa) {
                return sign(new RSASSASigner(rsa), JWSAlgorithm.RS256, key.getKeyID(), claims);
            }
            return sign(new ECDSASigner((ECKey) key), JWSAlgorithm.ES256, key.getKeyID(), claims);
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String sign(JWSSigner signer, JWSAlgorithm alg, String kid, JWTClaimsSet claims) throws JOSEException {
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(alg).keyID(kid).build(), claims);
        jwt.sign(signer);
        return jwt.serialize();
    }

    /**
     * A room token for a user and rooms.
     *
     * @param secret the shared secret
     * @param sub    the user
     * @param rooms  room names or prefixes ending in {@code *}
     * @param extra  more claims
     * @return the compact JWT
     */
    public static String roomToken(String secret, String sub, List<String> rooms, UnaryOperator<JWTClaimsSet.Builder> extra) {
        return hs256(secret, extra.apply(claims(sub, Duration.ofMinutes(5)).claim("rooms", rooms)).build());
    }
}
