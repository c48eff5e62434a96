package io.chatrelay.gateway.hooks;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;

/**
 * The signature of a request the gateway sends to the application (webhooks and hooks), in the
 * {@value #HEADER} header: {@code t=<unix seconds>,v1=<hex HMAC-SHA256(secret, t + "." + body)>}.
 * The receiver recomputes the HMAC over the timestamp it is given and the raw body, compares in
 * constant time, and refuses a timestamp too far from its clock (a replay): docs/integration.md.
 */
public final class Signature {
    /** The header that carries the signature. */
    public static final String HEADER = "Chat-Relay-Signature";
    private static final String ALGORITHM = "HmacSHA256";

    private final SecretKeySpec key;

    /**
     * A signer with a secret.
     *
     * @param secret the shared secret (UTF-8)
     */
    public Signature(String secret) {
        this.key = new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), ALGORITHM);
    }

    /**
     * The header value for a body sent at a time.
     *
     * @param epochSeconds the time, unix seconds
     * @param body         the exact bytes sent
     * @return {@code t=...,v1=...}
     */
    public String sign(long epochSeconds, byte[] body) {
        return "t=" + epochSeconds + ",v1=" + HexFormat.of().formatHex(mac(epochSeconds, body));
    }

    /**
     * Checks a header value against a body, as a receiver does.
     *
     * @param header       the header value
     * @param body         the raw body received
     * @param nowSeconds   the receiver's clock, unix seconds
     * @param tolerance    how far the timestamp may be from the clock
     * @return {@code true} when a {@code v1} signature matches and the timestamp is within the tolerance
     */
    public boolean verify(String header, byte[] body, long nowSeconds, Duration tolerance) {
        if (header == null) {
            return false;
        }
        long t = -1;
        String v1 = null;
        for (String part : header.split(",")) {
            String p = part.trim();
            if (p.startsWith("t=")) {
                try {
                    t = Long.parseLong(p.substring(2));
                } catch (NumberFormatException e) {
                    return false;
                }
            } else if (p.startsWith("v1=") && v1 == null) {
                v1 = p.substring(3);
            }
        }
        if (t < 0 || v1 == null || Math.abs(nowSeconds - t) > tolerance.toSeconds()) {
            return false;
        }
        byte[] given;
        try {
            given = HexFormat.of().parseHex(v1);
        } catch (IllegalArgumentException e) {
            return false;
        }
        return MessageDigest.isEqual(mac(t, body), given);
    }

    private byte[] mac(long epochSeconds, byte[] body) {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(key);
            mac.update((epochSeconds + ".").getBytes(StandardCharsets.US_ASCII));
            return mac.doFinal(body);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }
}
