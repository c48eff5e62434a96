package io.chatrelay.example.chat;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;

/**
 * Checks the signature the gateway puts on its hooks and webhooks, header
 * {@value #HEADER}: {@code t=<unix seconds>,v1=<hex HMAC-SHA256(secret, t + "." + raw body)>}.
 * The recipe every receiver follows (docs/integration.md): take {@code t} and every {@code v1}
 * from the header; compute the HMAC of {@code t}, a dot and the body exactly as received (before
 * any JSON parsing); compare with each {@code v1} in constant time; refuse when none matches or
 * when {@code t} is further than the tolerance from the clock (a replayed request). Thread-safe.
 */
public final class SignatureCheck {
    /** The header the gateway signs with. */
    public static final String HEADER = "Chat-Relay-Signature";
    private static final String ALGORITHM = "HmacSHA256";

    private final SecretKeySpec key;
    private final Duration tolerance;
    private final Clock clock;

    /**
     * Creates a check.
     *
     * @param secret    the secret shared with the gateway
     * @param tolerance how far the timestamp may be from the clock
     * @param clock     the clock
     */
    public SignatureCheck(String secret, Duration tolerance, Clock clock) {
        this.key = new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), ALGORITHM);
        this.tolerance = tolerance;
        this.clock = clock;
    }

    /**
     * Whether a request is the gateway's.
     *
     * @param header the header's value, or {@code null}
     * @param body   the raw body
     * @return {@code true} when a {@code v1} matches and the timestamp is recent
     */
    public boolean verify(String header, byte[] body) {
        if (header == null || header.length() > 1024) {
            return false;
        }
        String t = null;
        for (String part : header.split(",")) {
            if (part.trim().startsWith("t=")) {
                t = part.trim().substring(2);
            }
        }
        if (t == null || !t.matches("\\d{1,12}")) {
            return false;
        }
        long age = clock.instant().getEpochSecond() - Long.parseLong(t);
        if (Math.abs(age) > tolerance.toSeconds()) {
            return false;
        }
        byte[] expected = mac(t, body);
        for (String part : header.split(",")) {
            String p = part.trim();
            if (p.startsWith("v1=") && p.length() == 3 + 64 && MessageDigest.isEqual(expected, hex(p.substring(3)))) {
                return true;
            }
        }
        return false;
    }

    /**
     * Signs a body as the gateway does (for tests and tools).
     *
     * @param epochSeconds the timestamp
     * @param body         the body
     * @return the header value
     */
    public String sign(long epochSeconds, byte[] body) {
        return "t=" + epochSeconds + ",v1=" + HexFormat.of().formatHex(mac(Long.toString(epochSeconds), body));
    }

    private byte[] mac(String t, byte[] body) {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(key);
            mac.update((t + ".").getBytes(StandardCharsets.US_ASCII));
            return mac.doFinal(body);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }

    private static byte[] hex(String text) {
        try {
            return HexFormat.of().parseHex(text);
        } catch (IllegalArgumentException e) {
            return new byte[0];
        }
    }
}
