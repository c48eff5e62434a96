package io.chatrelay.example.chat;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;

import static org.assertj.core.api.Assertions.assertThat;

class SignatureCheckTest {
    private static final String SECRET = "webhook-secret-0123456789abcdef-0123";
    private static final byte[] BODY = "{\"id\":\"e1\",\"type\":\"message.created\"}".getBytes(StandardCharsets.UTF_8);
    private final SignatureCheck check = new SignatureCheck(SECRET, Duration.ofMinutes(5),
            Clock.fixed(Instant.ofEpochSecond(1_700_000_100L), ZoneOffset.UTC));

    /** The gateway's signature of BODY at 1700000000 with SECRET (the same vector is in the gateway's SignatureTest). */
    private static final String GATEWAYS = "t=1700000000,v1=6aba00098f5810cd7ea0d053f721804e11c6efbf5ee2cdf0730665df5162c2fc";

    @Test
    void acceptsTheGatewaysFormat() {
        String header = check.sign(1_700_000_000L, BODY);

        assertThat(header).isEqualTo(GATEWAYS);
        assertThat(check.verify(header, BODY)).isTrue();
        assertThat(check.verify("v1=" + header.substring(header.indexOf("v1=") + 3) + ",t=1700000000", BODY))
                .as("in any order").isTrue();
        assertThat(check.verify(header + ",v1=" + "0".repeat(64), BODY)).as("one of several v1 matches").isTrue();
    }

    @Test
    void refusesTamperingStalenessAndGarbage() {
        String header = check.sign(1_700_000_000L, BODY);

        assertThat(check.verify(header, "{}".getBytes(StandardCharsets.UTF_8))).isFalse();
        assertThat(check.verify(check.sign(1_700_000_100L - 301, BODY), BODY)).isFalse();
        assertThat(check.verify(check.sign(1_700_000_100L + 301, BODY), BODY)).isFalse();
        assertThat(check.verify(null, BODY)).isFalse();
        assertThat(check.verify("t=abc,v1=00", BODY)).isFalse();
        assertThat(check.verify("t=1700000000", BODY)).isFalse();
        assertThat(check.verify("t=1700000000,v1=" + "z".repeat(64), BODY)).isFalse();
        assertThat(check.verify("x".repeat(2000), BODY)).isFalse();
    }
}
