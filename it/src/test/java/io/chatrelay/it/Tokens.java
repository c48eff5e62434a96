package io.chatrelay.it;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Date;
import java.util.List;

/**
 * HS256 tokens as an application backend signs them with the gateways' shared secret
 * (docs/security.md, "Tokens"): connection tokens and room tokens.
 */
final class Tokens {
    private Tokens() {
    }

    /**
     * A connection token.
     *
     * @param secret  the gateways' CHAT_AUTH_JWT_SECRET
     * @param sub     the user id
     * @param name    the display name, or {@code null}
     * @param seconds life from now
     * @param rooms   rooms or prefixes ending in {@code *} it grants, or {@code null}
     * @return the compact JWT
     */
    static String hs256(String secret, String sub, String name, long seconds, List<String> rooms) {
        JWTClaimsSet.Builder claims = claims(sub, seconds);
        if (name != null) {
            claims.claim("name", name);
        }
        if (rooms != null) {
            claims.claim("rooms", rooms);
        }
        return sign(secret, claims.build());
    }

    /**
     * A room token: lets user {@code sub} into {@code room}, once, at the join.
     *
     * @param secret  the gateways' CHAT_AUTH_JWT_SECRET
     * @param sub     the joining connection's user id
     * @param room    the room
     * @param seconds life from now
     * @return the compact JWT
     */
    static String hs256Room(String secret, String sub, String room, long seconds) {
        return sign(secret, claims(sub, seconds).claim("room", room).build());
    }

    static JWTClaimsSet.Builder claims(String sub, long seconds) {
        Instant now = Instant.now();
        return new JWTClaimsSet.Builder().subject(sub).issueTime(Date.from(now)).expirationTime(Date.from(now.plusSeconds(seconds)));
    }

    private static String sign(String secret, JWTClaimsSet claims) {
        try {
            SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims);
            jwt.sign(new MACSigner(secret.getBytes(StandardCharsets.UTF_8)));
            return jwt.serialize();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }
}
