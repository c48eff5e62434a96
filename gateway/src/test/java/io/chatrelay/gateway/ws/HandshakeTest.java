package io.chatrelay.gateway.ws;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.chatrelay.chat.Identity;
import io.chatrelay.chat.ChatSecurity;
import io.chatrelay.chat.auth.Authenticator;
import io.chatrelay.chat.auth.TokenVerifier;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

class HandshakeTest {
    private static final String SECRET = "the-gateway-secret-of-at-least-32-bytes";
    private static final String OTHER_SECRET = "another-secret-that-is-also-32-bytes-long";
    /** 64 bytes, long enough for HS512, and a valid gateway secret too. */
    private static final String LONG_SECRET = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    private static final Handshake GUESTS = new Handshake(authenticator(true, ""), List.of());
    private static final Handshake GUESTS_AND_TOKENS = new Handshake(authenticator(true, SECRET), List.of());
    private static final Handshake TOKENS_ONLY = new Handshake(authenticator(false, SECRET), List.of());

    @Nested
    class Guests {
        @Test
        void acceptsAValidGuestNameAsTheDisplayNameOfAFreshGuestId() {
            Handshake.Accepted accepted = (Handshake.Accepted) GUESTS.decide("alice", null, null, null, null, null);

            assertThat(accepted.protocol()).isEqualTo(1);
            assertGuest(accepted.identity(), "alice");
        }

        @Test
        void neverGivesAGuestTheIdOfATokenUser() {
            Identity guest = accepted(GUESTS_AND_TOKENS.decide("alice", null, null, null, null, null));

            assertThat(guest.user()).isNotEqualTo("alice").startsWith("guest:");
            assertThat(io.chatrelay.chat.protocol.Names.validSubject(guest.user())).as("no token can carry it").isFalse();
        }

        @Test
        void leavesTheIdentityToTheHelloWhenTheClientAsksForProtocol2() {
            Handshake.Result result = TOKENS_ONLY.decide(null, null, null, null, null, "chatrelay.v2");

            assertThat(result).isEqualTo(new Handshake.Accepted(null, 2, null, null));
            assertThat(TOKENS_ONLY.identify((Handshake.Accepted) result, null, null))
                    .isInstanceOf(Authenticator.Refused.class);
        }

        @Test
        void picksProtocol2AmongSeveralOfferedSubprotocols() {
            assertThat(((Handshake.Accepted) GUESTS.decide(null, null, null, null, null, "other, chatrelay.v2")).protocol()).isEqualTo(2);
            assertThat(((Handshake.Accepted) GUESTS.decide(null, null, null, null, null, "chatrelay.v3")).protocol()).isEqualTo(1);
        }

        @ParameterizedTest
        @ValueSource(strings = {"a", "Alice_1.x-y", "0123456789012345678901234567890x"})
        void acceptsNamesOfOneTo32AllowedCharacters(String name) {
            assertGuest(accepted(GUESTS.decide(name, null, null, null, null, null)), name);
        }

        @ParameterizedTest
        @NullAndEmptySource
        void generatesAGuestNameWhenNoneIsGiven(String name) {
            Identity identity = accepted(GUESTS.decide(name, null, null, null, null, null));

            assertThat(identity.user()).matches("guest:[a-z2-9]{12}");
            assertThat(identity.name()).matches("guest-[a-z2-9]{4}");
            assertThat(identity.guest()).isTrue();
        }

        @Test
        void givesTwoGuestsWhoPickTheSameNameDifferentIds() {
            Identity one = accepted(GUESTS.decide("alice", null, null, null, null, null));
            Identity two = accepted(GUESTS.decide("alice", null, null, null, null, null));

            assertThat(one.user()).isNotEqualTo(two.user());
            assertThat(one.name()).isEqualTo(two.name()).isEqualTo("alice");
        }

        @Test
        void aGuestTokenBringsTheSameGuestBackAndATamperedOneIsRefused() {
            Authenticator auth = authenticator(true, SECRET);
            Identity guest = ((Authenticator.Accepted) auth.identify("alice", null)).identity();
            String token = auth.guestToken(guest);
            String tampered = token.substring(0, token.length() - 3) + (token.endsWith("AAA") ? "BBB" : "AAA");

            assertThat(((Authenticator.Accepted) auth.identify(null, token)).identity()).isEqualTo(guest);
            assertThat(auth.identify(null, tampered)).isInstanceOf(Authenticator.Refused.class);
            assertThat(authenticator(false, SECRET).identify(null, token)).as("guests off").isInstanceOf(Authenticator.Refused.class);
        }

        @Test
        void generatesDifferentNamesForDifferentConnections() {
            String first = accepted(GUESTS.decide(null, null, null, null, null, null)).user();
            String second = accepted(GUESTS.decide(null, null, null, null, null, null)).user();
            String third = accepted(GUESTS.decide(null, null, null, null, null, null)).user();

            assertThat(List.of(first, second, third)).doesNotHaveDuplicates();
        }

        @ParameterizedTest
        @ValueSource(strings = {"a b", " alice", "alice\n", "<script>", "al/ice", "alice@example.com", "bob:1", "caf\u00e9",
                "0123456789012345678901234567890xy", "a|b", "*"})
        void refusesAnInvalidGuestNameWith400(String name) {
            Handshake.Rejected rejected = rejected(GUESTS.decide(name, null, null, null, null, null));

            assertThat(rejected.status()).isEqualTo(400);
            assertThat(rejected.reason()).isNotBlank();
        }

        @Test
        void doesNotEchoTheRefusedNameInTheReason() {
            assertThat(rejected(GUESTS.decide("<script>alert(1)</script>", null, null, null, null, null)).reason())
                    .doesNotContain("<script>");
        }

        @Test
        void requiresATokenWhenGuestsAreOff() {
            assertThat(rejected(TOKENS_ONLY.decide(null, null, null, null, null, null)).status()).isEqualTo(401);
            assertThat(rejected(TOKENS_ONLY.decide("alice", null, null, null, null, null)).status()).isEqualTo(401);
        }
    }

    @Nested
    class Tokens {
        @Test
        void acceptsAValidTokenInTheQuery() throws Exception {
            String token = hs256(SECRET, claims("alice").build());

            assertThat(accepted(TOKENS_ONLY.decide(null, token, null, null, null, null))).extracting(Identity::user, Identity::guest).containsExactly("alice", false);
        }

        @Test
        void acceptsAValidTokenAsBearerHeader() throws Exception {
            String token = hs256(SECRET, claims("bob@example.com").claim("name", "Bob").build());

            assertThat(accepted(TOKENS_ONLY.decide(null, null, "Bearer " + token, null, null, null)))
                    .extracting(Identity::user, Identity::guest).containsExactly("bob@example.com", false);
            assertThat(accepted(TOKENS_ONLY.decide(null, null, "bearer " + token, null, null, null)))
                    .extracting(Identity::user, Identity::guest).containsExactly("bob@example.com", false);
        }

        @Test
        void prefersTheTokenOverAGuestNameAndMarksTheUserAuthenticated() throws Exception {
            String token = hs256(SECRET, claims("alice").build());

            assertThat(accepted(GUESTS_AND_TOKENS.decide("mallory", token, null, null, null, null)))
                    .extracting(Identity::user, Identity::guest).containsExactly("alice", false);
        }

        @Test
        void doesNotFallBackToAGuestWhenTheTokenIsBad() throws Exception {
            String token = hs256(OTHER_SECRET, claims("alice").build());

            assertThat(rejected(GUESTS_AND_TOKENS.decide("alice", token, null, null, null, null)).status()).isEqualTo(401);
        }

        @Test
        void ignoresAnAuthorizationHeaderThatIsNotBearer() {
            assertThat(rejected(TOKENS_ONLY.decide(null, null, "Basic YWxpY2U6c2VjcmV0", null, null, null)).status()).isEqualTo(401);
            assertGuest(accepted(GUESTS_AND_TOKENS.decide("alice", null, "Basic YWxpY2U6c2VjcmV0", null, null, null)), "alice");
        }

        @Test
        void refusesTokensWhenNoSecretIsConfigured() throws Exception {
            String token = hs256(SECRET, claims("alice").build());

            assertThat(rejected(GUESTS.decide(null, token, null, null, null, null)).status()).isEqualTo(401);
        }

        static Stream<Arguments> badTokens() throws Exception {
            Instant now = Instant.now();
            String valid = hs256(SECRET, claims("alice").build());
            String[] parts = valid.split("\\.");
            String tamperedPayload = b64("{\"sub\":\"admin\",\"exp\":" + now.plusSeconds(600).getEpochSecond() + "}");
            return Stream.of(
                    arguments("signed with another secret", hs256(OTHER_SECRET, claims("alice").build())),
                    arguments("expired an hour ago", hs256(SECRET, new JWTClaimsSet.Builder().subject("alice")
                            .expirationTime(Date.from(now.minus(Duration.ofHours(1)))).build())),
                    arguments("expired five minutes ago", hs256(SECRET, new JWTClaimsSet.Builder().subject("alice")
                            .expirationTime(Date.from(now.minus(Duration.ofMinutes(5)))).build())),
                    arguments("without exp", hs256(SECRET, new JWTClaimsSet.Builder().subject("alice").build())),
                    arguments("without sub", hs256(SECRET, new JWTClaimsSet.Builder()
                            .expirationTime(Date.from(now.plusSeconds(600))).build())),
                    arguments("not valid before an hour from now", hs256(SECRET, claims("alice")
                            .notBeforeTime(Date.from(now.plus(Duration.ofHours(1)))).build())),
                    arguments("subject that is not a user id", hs256(SECRET, claims("alice smith").build())),
                    arguments("subject of 65 characters", hs256(SECRET, claims("u".repeat(65)).build())),
                    arguments("alg none", b64("{\"alg\":\"none\"}") + "."
                            + b64("{\"sub\":\"alice\",\"exp\":" + now.plusSeconds(600).getEpochSecond() + "}") + "."),
                    arguments("alg none, typ JWT", b64("{\"alg\":\"none\",\"typ\":\"JWT\"}") + "." + parts[1] + "."),
                    arguments("HS256 header without signature", parts[0] + "." + parts[1] + "."),
                    arguments("payload swapped under a valid signature", parts[0] + "." + tamperedPayload + "." + parts[2]),
                    arguments("HS512 with the gateway's secret", hs512(LONG_SECRET, claims("alice").build())),
                    arguments("garbage", "not-a-jwt"),
                    arguments("three garbage parts", "a.b.c"),
                    arguments("empty", ""));
        }

        @ParameterizedTest(name = "{0}")
        @MethodSource("badTokens")
        void refusesBadTokensWith401(String description, String token) {
            Handshake handshake = description.startsWith("HS512")
                    ? new Handshake(authenticator(false, LONG_SECRET), List.of())
                    : TOKENS_ONLY;

            Handshake.Result query = handshake.decide(null, token, null, null, null, null);
            Handshake.Result header = handshake.decide(null, null, "Bearer " + token, null, null, null);

            assertThat(rejected(query).status()).as(description).isEqualTo(401);
            assertThat(rejected(header).status()).as(description).isEqualTo(401);
        }

        @Test
        void acceptsHs256WithTheLongSecretThatRefusesHs512() throws Exception {
            Handshake handshake = new Handshake(authenticator(false, LONG_SECRET), List.of());

            assertThat(accepted(handshake.decide(null, hs256(LONG_SECRET, claims("alice").build()), null, null, null, null)))
                    .extracting(Identity::user, Identity::guest).containsExactly("alice", false);
        }
    }

    @Nested
    class Origins {
        @ParameterizedTest
        @NullAndEmptySource
        @ValueSource(strings = {"http://localhost", "http://localhost:3000", "https://LOCALHOST:8443", "http://127.0.0.1",
                "http://127.0.0.1:8080", "http://[::1]:8080"})
        void allowsNoOriginAndLocalhostByDefault(String origin) {
            assertThat(accepted(GUESTS.decide("alice", null, null, origin, "chat.example.com", null))).isNotNull();
        }

        @ParameterizedTest
        @ValueSource(strings = {"https://chat.example.com", "http://chat.example.com", "https://CHAT.example.com"})
        void allowsTheSameHostAsTheHostHeader(String origin) {
            assertThat(accepted(GUESTS.decide("alice", null, null, origin, "chat.example.com", null))).isNotNull();
        }

        @Test
        void allowsTheSameHostAndPort() {
            assertThat(accepted(GUESTS.decide("alice", null, null, "http://chat.example.com:8080", "chat.example.com:8080", null)))
                    .isNotNull();
        }

        @ParameterizedTest
        @ValueSource(strings = {"http://evil.example", "https://chat.example.com.evil.example", "http://localhost.evil.example",
                "http://127.0.0.1.evil.example", "https://chat.example.com:9999", "https://evil.example/chat.example.com",
                "https://chat.example.com@evil.example", "null", "not a uri", "file://"})
        void refusesOtherOriginsWith403(String origin) {
            Handshake.Rejected rejected = rejected(GUESTS.decide("alice", null, null, origin, "chat.example.com", null));

            assertThat(rejected.status()).isEqualTo(403);
        }

        @Test
        void refusesAForeignOriginWhenThereIsNoHostHeader() {
            assertThat(rejected(GUESTS.decide("alice", null, null, "http://evil.example", null, null)).status()).isEqualTo(403);
        }

        @Test
        void checksTheOriginBeforeTheToken() throws Exception {
            String token = hs256(SECRET, claims("alice").build());

            assertThat(rejected(TOKENS_ONLY.decide(null, token, null, "http://evil.example", "chat.example.com", null)).status())
                    .isEqualTo(403);
            assertThat(rejected(GUESTS.decide("not valid!", null, null, "http://evil.example", "chat.example.com", null)).status())
                    .isEqualTo(403);
        }

        @Test
        void allowsOnlyTheListedOriginsWhenAnAllowlistIsSet() {
            Handshake listed = new Handshake(authenticator(true, ""),
                    List.of("https://app.example", "https://admin.example:8443"));

            assertThat(accepted(listed.decide("alice", null, null, "https://app.example", "gw.internal", null))).isNotNull();
            assertThat(accepted(listed.decide("alice", null, null, "https://admin.example:8443", "gw.internal", null))).isNotNull();
            assertThat(accepted(listed.decide("alice", null, null, null, "gw.internal", null))).isNotNull();
            assertThat(rejected(listed.decide("alice", null, null, "http://evil.example", "gw.internal", null)).status()).isEqualTo(403);
            assertThat(rejected(listed.decide("alice", null, null, "http://app.example", "gw.internal", null)).status()).isEqualTo(403);
            assertThat(rejected(listed.decide("alice", null, null, "https://admin.example", "gw.internal", null)).status()).isEqualTo(403);
            assertThat(rejected(listed.decide("alice", null, null, "http://localhost:3000", "gw.internal", null)).status())
                    .isEqualTo(403);
            assertThat(rejected(listed.decide("alice", null, null, "http://gw.internal", "gw.internal", null)).status())
                    .isEqualTo(403);
        }

        @Test
        void allowsAnyOriginWithAWildcard() {
            Handshake any = new Handshake(authenticator(true, ""), List.of("*"));

            assertThat(accepted(any.decide("alice", null, null, "http://evil.example", "chat.example.com", null))).isNotNull();
        }
    }

    // ---- helpers ---------------------------------------------------------------------------

    private static JWTClaimsSet.Builder claims(String subject) {
        return new JWTClaimsSet.Builder().subject(subject).expirationTime(Date.from(Instant.now().plusSeconds(600)));
    }

    private static String hs256(String secret, JWTClaimsSet claims) throws Exception {
        return sign(JWSAlgorithm.HS256, secret, claims);
    }

    private static String hs512(String secret, JWTClaimsSet claims) throws Exception {
        return sign(JWSAlgorithm.HS512, secret, claims);
    }

    private static String sign(JWSAlgorithm alg, String secret, JWTClaimsSet claims) throws Exception {
        SignedJWT jwt = new SignedJWT(new JWSHeader(alg), claims);
        jwt.sign(new MACSigner(secret.getBytes(StandardCharsets.UTF_8)));
        return jwt.serialize();
    }

    private static String b64(String json) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(json.getBytes(StandardCharsets.UTF_8));
    }

    private static Authenticator authenticator(boolean guests, String secret) {
        return ChatSecurity.of(guests, "", new TokenVerifier.Settings(secret, "", "", "", Duration.ofMinutes(5)), "*=open").authenticator();
    }

    private static void assertGuest(Identity identity, String name) {
        assertThat(identity.user()).matches("guest:[a-z2-9]{12}");
        assertThat(identity.name()).isEqualTo(name);
        assertThat(identity.guest()).isTrue();
    }

    private static Identity accepted(Handshake.Result result) {
        assertThat(result).isInstanceOf(Handshake.Accepted.class);
        return ((Handshake.Accepted) result).identity();
    }

    private static Handshake.Rejected rejected(Handshake.Result result) {
        assertThat(result).isInstanceOf(Handshake.Rejected.class);
        return (Handshake.Rejected) result;
    }
}
