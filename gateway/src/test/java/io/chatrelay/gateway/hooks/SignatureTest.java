package io.chatrelay.gateway.hooks;

import org.junit.jupiter.api.Test;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HexFormat;

import static org.assertj.core.api.Assertions.assertThat;

class SignatureTest {
    private static final String SECRET = "webhook-secret-0123456789abcdef-0123";
    private static final byte[] BODY = "{\"id\":\"e1\",\"type\":\"message.created\"}".getBytes(StandardCharsets.UTF_8);
    private static final Duration TOLERANCE = Duration.ofMinutes(5);
    private final Signature signature = new Signature(SECRET);

    @Test
    void isTheHexHmacSha256OfTheTimestampADotAndTheBody() throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        mac.update("1700000000.".getBytes(StandardCharsets.US_ASCII));
        String expected = HexFormat.of().formatHex(mac.doFinal(BODY));

        assertThat(signature.sign(1_700_000_000L, BODY)).isEqualTo("t=1700000000,v1=" + expected);
    }

    /** A fixed vector (python: hmac.new(secret, b"1700000000." + body, sha256).hexdigest()); the example app's test has it too. */
    @Test
    void matchesAKnownVector() {
        assertThat(signature.sign(1_700_000_000L, BODY)).isEqualTo("t=1700000000,v1=6aba00098f5810cd7ea0d053f721804e11c6efbf5ee2cdf0730665df5162c2fc");
    }

    @Test
    void verifiesWhatItSigned() {
        assertThat(signature.verify(signature.sign(1_700_000_000L, BODY), BODY, 1_700_000_010L, TOLERANCE)).isTrue();
    }

    @Test
    void refusesAnotherBodyAnotherSecretOrAnotherTimestamp() {
        String header = signature.sign(1_700_000_000L, BODY);
        byte[] tampered = "{\"id\":\"e2\",\"type\":\"message.created\"}".getBytes(StandardCharsets.UTF_8);

        assertThat(signature.verify(header, tampered, 1_700_000_000L, TOLERANCE)).isFalse();
        assertThat(new Signature(SECRET + "x").verify(header, BODY, 1_700_000_000L, TOLERANCE)).isFalse();
        assertThat(signature.verify(header.replace("t=1700000000", "t=1700000001"), BODY, 1_700_000_000L, TOLERANCE)).isFalse();
    }

    @Test
    void refusesATimestampOutsideTheTolerance() {
        String header = signature.sign(1_700_000_000L, BODY);

        assertThat(signature.verify(header, BODY, 1_700_000_000L + 301, TOLERANCE)).isFalse();
        assertThat(signature.verify(header, BODY, 1_700_000_000L - 301, TOLERANCE)).isFalse();
        assertThat(signature.verify(header, BODY, 1_700_000_000L + 300, TOLERANCE)).isTrue();
    }

    @Test
    void refusesMalformedHeaders() {
        for (String header : new String[] {null, "", "t=1700000000", "v1=00", "t=x,v1=00", "t=1700000000,v1=zz", "t=1700000000,v1="}) {
            assertThat(signature.verify(header, BODY, 1_700_000_000L, TOLERANCE)).as(String.valueOf(header)).isFalse();
        }
    }
}
