package io.chatrelay.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.chatrelay.gateway.support.TestGateways;
import io.chatrelay.testkit.ChatClient;
import io.chatrelay.testkit.Frames;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The trust boundary over real WebSockets (docs/protocol.md, "Handshake and identity", "Rooms and
 * access"): a guest's id is its own ({@code guest:} and 12 characters), never the name it picks,
 * so a guest who picks the id of a token user gets nothing of that user's; its
 * {@code guest_token} brings the same guest back; display names travel beside ids; rooms of the
 * {@code private} namespace need a grant (a room token), {@code user:<id>} rooms their owner; a
 * {@code refresh} replaces the connection's token, and a connection whose token runs out is
 * closed with 4401.
 *
 * <p>{@code gw-trust} has a JWT secret (guests stay allowed) and a guest secret;
 * {@code gw-trust-other} the same JWT secret but another guest secret, like a gateway that was
 * not given the deployment's {@code CHAT_AUTH_GUEST_SECRET}. Both on the in-memory broker, with
 * the default namespace policies ({@code *=open,private=grant,user=owner}).
 */
class TrustBoundaryIT {
    private static final String GUEST_ID = SingleGatewayIT.GUEST_ID;
    /** The application's HS256 secret (connection and room tokens). */
    private static final String SECRET = "trust-boundary-it-jwt-secret-0123456789abcdef";
    private static final String OTHER_SECRET = "not-the-gateways-jwt-secret-but-32-bytes-or-more";
    private static final String GUEST_SECRET = "trust-boundary-it-guest-secret-0123456789abcdef";

    private static Gateway gateway;
    private static Gateway other;
    private static int port;

    @BeforeAll
    static void start() {
        gateway = TestGateways.start("gw-trust", Map.of("CHAT_AUTH_JWT_SECRET", SECRET, "CHAT_AUTH_GUEST_SECRET", GUEST_SECRET));
        other = TestGateways.start("gw-trust-other", Map.of("CHAT_AUTH_JWT_SECRET", SECRET,
                "CHAT_AUTH_GUEST_SECRET", "another-guest-secret-of-at-least-32-bytes"));
        port = gateway.port();
    }

    @AfterAll
    static void stop() {
        gateway.close();
        other.close();
    }

    // ---- guests in their own namespace ------------------------------------------------------

    /**
     * The finding this boundary closes: a guest who connects as {@code ?name=alice} while a token
     * user's id is {@code alice} is not alice. It does not receive her direct messages, cannot
     * read her conversations, and what it sends comes from its own guest id.
     */
    @Test
    void aGuestWhoPicksTheIdOfATokenUserGetsNoneOfItsDirectMessagesNorItsHistory() {
        String s = unique();
        String aliceId = "alice-" + s;
        String bobId = "bob-" + s;
        try (ChatClient alice = connect(aliceId, "Alice A."); ChatClient bob = connect(bobId, null);
             ChatClient impostor = ChatClient.connect(port, aliceId)) {
            assertThat(alice.user()).isEqualTo(aliceId);
            assertThat(alice.name()).isEqualTo("Alice A.");
            assertThat(alice.guestToken()).as("no guest token for a token user").isNull();
            assertThat(impostor.user()).matches(GUEST_ID).isNotEqualTo(aliceId);
            assertThat(impostor.name()).as("the name it picked is only its display name").isEqualTo(aliceId);

            bob.send(Frames.direct(aliceId, "for alice only " + s, "d1"));
            String id = bob.next(Frames.ack("d1")).path("id").asText();
            JsonNode atAlice = alice.next(Frames.direct("for alice only " + s));
            assertThat(atAlice.path("id").asText()).isEqualTo(id);
            assertThat(atAlice.path("from").asText()).isEqualTo(bobId);
            assertThat(atAlice.path("name").asText()).as("no name claim: the sub").isEqualTo(bobId);

            // history: the impostor's conversations are its own guest id's, empty
            for (String with : List.of(bobId, aliceId)) {
                String ref = "h-" + with;
                impostor.send("type", "history", "with", with, "ref", ref);
                JsonNode history = impostor.next(f -> Frames.is(f, "history") && ref.equals(f.path("ref").asText()));
                assertThat(history.path("messages")).as("the impostor's conversation with %s", with).isEmpty();
            }
            // while alice reads hers
            alice.send("type", "history", "with", bobId, "ref", "h-alice");
            JsonNode hers = alice.next(f -> Frames.is(f, "history") && "h-alice".equals(f.path("ref").asText()));
            assertThat(Frames.messageTexts(hers)).containsExactly("for alice only " + s);

            // what the impostor sends comes from its guest id, with the name it picked beside it
            impostor.send(Frames.direct(bobId, "it is me, alice " + s, "d2"));
            impostor.next(Frames.ack("d2"));
            JsonNode atBob = bob.next(Frames.direct("it is me, alice " + s));
            assertThat(atBob.path("from").asText()).isEqualTo(impostor.user());
            assertThat(atBob.path("name").asText()).isEqualTo(aliceId);
            await("nothing for the real alice from the impostor's message").during(Duration.ofSeconds(1))
                    .atMost(Duration.ofSeconds(3)).untilAsserted(() ->
                            assertThat(alice.seen()).noneMatch(f -> ("it is me, alice " + s).equals(f.path("text").asText())));
            assertThat(impostor.seen()).as("the impostor saw nothing sent to alice")
                    .noneMatch(f -> ("for alice only " + s).equals(f.path("text").asText()));
        }
    }

    @Test
    void twoGuestsWhoPickTheSameNameAreTwoUsers() {
        String name = "twin-" + unique();
        try (ChatClient one = ChatClient.connect(port, name); ChatClient two = ChatClient.connect(port, name)) {
            assertThat(one.user()).matches(GUEST_ID);
            assertThat(two.user()).matches(GUEST_ID).isNotEqualTo(one.user());
            assertThat(one.name()).isEqualTo(two.name()).isEqualTo(name);
            String room = "twins-" + unique();
            one.join(room);
            JsonNode joined = two.join(room);
            assertThat(Frames.members(joined)).contains(one.user(), two.user());
            assertThat(Frames.memberNames(joined)).containsEntry(one.user(), name).containsEntry(two.user(), name);
        }
    }

    @Test
    void aGuestThatComesBackWithItsGuestTokenKeepsItsIdAndName() {
        String name = "gina-" + unique();
        String id;
        String token;
        String dm;
        try (ChatClient bob = connect("bob-" + unique(), null)) {
            try (ChatClient gina = ChatClient.connect(port, name)) {
                id = gina.user();
                token = gina.guestToken();
                assertThat(token).isNotBlank();
                bob.send(Frames.direct(id, "before you left", "d1"));
                dm = bob.next(Frames.ack("d1")).path("id").asText();
                gina.next(Frames.direct("before you left"));
            }
            // protocol 1: ?token=
            try (ChatClient back = ChatClient.connectWithToken(port, token)) {
                assertThat(back.user()).isEqualTo(id);
                assertThat(back.name()).isEqualTo(name);
                assertThat(back.guestToken()).as("a guest gets a guest token on every connection").isNotBlank();
                // her direct conversations are hers again
                back.send("type", "history", "with", bob.user(), "ref", "h1");
                assertThat(Frames.messageIds(back.next(Frames.ofType("history")))).containsExactly(dm);
                bob.send(Frames.direct(id, "welcome back", "d2"));
                assertThat(back.next(Frames.direct("welcome back")).path("to").asText()).isEqualTo(id);
            }
            // protocol 2: the hello's token (a token wins over a name)
            try (ChatClient back = ChatClient.to(ChatClient.local(port, null)).hello("someone-else", token, Map.of()).connect()) {
                assertThat(back.protocol()).isEqualTo(2);
                assertThat(back.user()).isEqualTo(id);
                assertThat(back.name()).isEqualTo(name);
            }
        }
    }

    @Test
    void aGuestTokenIsTakenOnlyByGatewaysWithTheSameGuestSecretAndOnlyUntampered() {
        String token;
        try (ChatClient guest = ChatClient.connect(port, "wanderer")) {
            token = guest.guestToken();
        }
        String tampered = token.substring(0, token.length() - 2) + (token.endsWith("AA") ? "BB" : "AA");
        assertThatThrownBy(() -> ChatClient.connectWithToken(port, tampered)).hasMessageContaining("HTTP 401");
        assertThatThrownBy(() -> ChatClient.connectWithToken(other.port(), token)).hasMessageContaining("HTTP 401");
        try (ChatClient refused = ChatClient.to(ChatClient.local(other.port(), null)).hello(null, token, Map.of())
                .awaitWelcome(false).connect()) {
            assertThat(refused.awaitClose(Duration.ofSeconds(10))).isEqualTo(4401);
            assertThat(refused.seen(Frames.ofType("welcome"))).isEmpty();
        }
    }

    @Test
    void noTokenCanCarryAGuestIdNorPassForAGuestToken() {
        Instant hour = Instant.now().plusSeconds(3600);
        // the application's secret cannot name a guest: a subject in the guest namespace is refused
        String guestSubject = jwt(SECRET, claims("guest:abcdefghijkm", null, hour).build());
        assertThatThrownBy(() -> ChatClient.connectWithToken(port, guestSubject)).hasMessageContaining("HTTP 401");
        // nor can it forge a guest token (issuer chat-relay/guest): those are checked with the guest secret
        String forged = jwt(SECRET, claims("guest:abcdefghijkm", "alice", hour).issuer("chat-relay/guest").build());
        assertThatThrownBy(() -> ChatClient.connectWithToken(port, forged)).hasMessageContaining("HTTP 401");
    }

    // ---- display names -----------------------------------------------------------------------

    @Test
    void framesCarryTheDisplayNameBesideTheId() {
        String s = unique();
        String room = "names-" + s;
        try (ChatClient carol = connect("carol-" + s, "Carol \u202Eevil\u0007  C."); ChatClient dan = ChatClient.connect(port, "dan-" + s)) {
            String carolName = "Carol evil C.";
            assertThat(carol.name()).as("the name claim, without control or format characters").isEqualTo(carolName);
            assertThat(carol.welcome().path("user").asText()).isEqualTo("carol-" + s);
            dan.join(room);
            JsonNode joined = carol.join(room);
            assertThat(Frames.memberNames(joined)).containsEntry(carol.user(), carolName).containsEntry(dan.user(), "dan-" + s);
            assertThat(Frames.members(joined)).containsExactlyElementsOf(Frames.memberNames(joined).keySet());

            JsonNode presence = dan.next(Frames.presence(room, carol.user(), "join"));
            assertThat(presence.path("name").asText()).isEqualTo(carolName);
            carol.send("type", "typing", "room", room);
            JsonNode typing = dan.next("typing");
            assertThat(typing.path("user").asText()).isEqualTo(carol.user());
            assertThat(typing.path("name").asText()).isEqualTo(carolName);
            String id = carol.sendAcked(room, "hi");
            JsonNode message = dan.next(Frames.message(room, "hi"));
            assertThat(message.path("id").asText()).isEqualTo(id);
            assertThat(message.path("from").asText()).isEqualTo(carol.user());
            assertThat(message.path("name").asText()).isEqualTo(carolName);
            carol.leave(room);
            assertThat(dan.next(Frames.presence(room, carol.user(), "leave")).path("name").asText()).isEqualTo(carolName);
        }
    }

    // ---- rooms and access ----------------------------------------------------------------------

    @Test
    void aPrivateRoomIsForbiddenToAGuestWithoutARoomTokenAndOpenWithOne() {
        String room = "private:team-" + unique();
        Instant hour = Instant.now().plusSeconds(3600);
        try (ChatClient guest = ChatClient.connect(port, "visitor")) {
            guest.next(Frames.joined("lobby"));
            guest.send(Frames.join(room).put("ref", "j1"));
            JsonNode refused = guest.next(Frames.error("forbidden", "j1"));
            assertThat(refused.path("message").asText()).isNotBlank();

            // room tokens that do not fit: another user's, another room's, a wrong signature, expired
            String[][] wrong = {
                    {"another user", jwt(SECRET, claims("someone-else", null, hour).claim("room", room).build())},
                    {"another room", jwt(SECRET, claims(guest.user(), null, hour).claim("room", room + "x").build())},
                    {"wrong signature", jwt(OTHER_SECRET, claims(guest.user(), null, hour).claim("room", room).build())},
                    {"expired", jwt(SECRET, claims(guest.user(), null, Instant.now().minusSeconds(60)).claim("room", room).build())},
            };
            for (String[] w : wrong) {
                String ref = "w-" + w[0].replace(' ', '-');
                guest.send(Frames.joinWithToken(room, w[1], ref));
                assertThat(guest.next(Frames.error("forbidden", ref))).as("a room token of %s", w[0]).isNotNull();
            }
            assertThat(guest.seen(Frames.joined(room))).isEmpty();

            // the application signs a room token for this guest and this room
            String roomToken = jwt(SECRET, claims(guest.user(), null, hour).claim("room", room).build());
            guest.send(Frames.joinWithToken(room, roomToken, "j2"));
            JsonNode joined = guest.next(Frames.joined(room));
            assertThat(Frames.members(joined)).contains(guest.user());
            guest.sendAcked(room, "inside");
            assertThat(guest.isOpen()).isTrue();
        }
    }

    @Test
    void aTokenUserJoinsPrivateRoomsItsTokenGrantsAndUserRoomsItOwns() {
        String s = unique();
        String owner = "olga-" + s;
        Instant hour = Instant.now().plusSeconds(3600);
        String token = jwt(SECRET, claims(owner, null, hour).claim("rooms", List.of("private:ops-" + s + "*")).build());
        try (ChatClient olga = ChatClient.connectWithToken(port, token); ChatClient plain = connect("pete-" + s, null);
             ChatClient guest = ChatClient.connect(port, owner)) {
            assertThat(olga.user()).isEqualTo(owner);
            assertThat(olga.join("private:ops-" + s + ".east").path("room").asText()).isEqualTo("private:ops-" + s + ".east");
            plain.send(Frames.join("private:ops-" + s + ".east").put("ref", "p1"));
            plain.next(Frames.error("forbidden", "p1"));

            // user:<id> belongs to <id>: the owner joins, a token user who is not the owner does not,
            // and a guest who picked the owner's id as its name does not either
            assertThat(olga.join("user:" + owner).path("room").asText()).isEqualTo("user:" + owner);
            plain.send(Frames.join("user:" + owner).put("ref", "p2"));
            plain.next(Frames.error("forbidden", "p2"));
            guest.send(Frames.join("user:" + owner).put("ref", "g1"));
            guest.next(Frames.error("forbidden", "g1"));
            // a guest owns nothing, not even the room of its own id
            guest.send(Frames.join("user:" + guest.user()).put("ref", "g2"));
            guest.next(Frames.error("forbidden", "g2"));
        }
    }

    // ---- refresh and expiry --------------------------------------------------------------------

    @Test
    void aRefreshReplacesTheTokenOfTheSameUserAndRefusesAnyOther() {
        String s = unique();
        String user = "rita-" + s;
        String room = "private:desk-" + s;
        Instant soon = Instant.now().plusSeconds(60);
        try (ChatClient rita = ChatClient.connectWithToken(port,
                jwt(SECRET, claims(user, "Rita", soon).claim("rooms", List.of(room)).build()))) {
            rita.join(room);
            Instant later = Instant.now().plusSeconds(7200);
            rita.send(Frames.refresh(jwt(SECRET, claims(user, "Rita", later).claim("rooms", List.of(room)).build()), "r1"));
            JsonNode refreshed = rita.next(Frames.ofType("refreshed"));
            assertThat(refreshed.path("ref").asText()).isEqualTo("r1");
            assertThat(refreshed.path("expires").asLong()).isEqualTo(later.getEpochSecond());

            rita.send(Frames.refresh(jwt(SECRET, claims("someone-else-" + s, null, later).build()), "r2"));
            assertThat(rita.next(Frames.error("unauthorized", "r2")).path("message").asText()).isNotBlank();
            rita.send(Frames.refresh(jwt(OTHER_SECRET, claims(user, null, later).build()), "r3"));
            rita.next(Frames.error("unauthorized", "r3"));
            rita.send(Frames.refresh("not.a.jwt", "r4"));
            rita.next(Frames.error("unauthorized", "r4"));
            assertThat(rita.isOpen()).as("a refused refresh keeps the connection").isTrue();
            assertThat(rita.seen(Frames.left(room))).isEmpty();

            // a new token without the grant: the room it no longer covers is left
            rita.send(Frames.refresh(jwt(SECRET, claims(user, "Rita", later).build()), "r5"));
            rita.next(Frames.ofType("refreshed"));
            rita.next(Frames.left(room));
            rita.send(Frames.send(room, "still here?", "r6"));
            rita.next(Frames.error("not_member", "r6"));
        }
    }

    @Test
    void aConnectionWhoseTokenRunsOutIsClosedWith4401UnlessRefreshed() {
        String s = unique();
        Instant soon = Instant.now().plusSeconds(2);
        try (ChatClient expiring = ChatClient.connectWithToken(port, jwt(SECRET, claims("exp-" + s, null, soon).build()));
             ChatClient refreshing = ChatClient.connectWithToken(port, jwt(SECRET, claims("ref-" + s, null, soon).build()))) {
            refreshing.send(Frames.refresh(jwt(SECRET, claims("ref-" + s, null, Instant.now().plusSeconds(3600)).build()), "r1"));
            refreshing.next(Frames.ofType("refreshed"));
            assertThat(expiring.awaitClose(Duration.ofSeconds(10))).isEqualTo(4401);
            assertThat(expiring.closeReason()).contains("expired");
            await("the refreshed connection outlives its first token").during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(4))
                    .until(refreshing::isOpen);
            refreshing.send(Frames.frame("ping"));
            refreshing.next("pong");
        }
    }

    // ---- helpers -------------------------------------------------------------------------------

    /** A token user: sub {@code sub}, optional name claim, valid for an hour. */
    private static ChatClient connect(String sub, String name) {
        return ChatClient.connectWithToken(port, jwt(SECRET, claims(sub, name, Instant.now().plusSeconds(3600)).build()));
    }

    private static JWTClaimsSet.Builder claims(String sub, String name, Instant exp) {
        JWTClaimsSet.Builder b = new JWTClaimsSet.Builder().subject(sub).expirationTime(Date.from(exp));
        if (name != null) {
            b.claim("name", name);
        }
        return b;
    }

    /** An HS256 JWT, as the application's backend signs it (nimbus). */
    private static String jwt(String secret, JWTClaimsSet claims) {
        try {
            SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims);
            jwt.sign(new MACSigner(secret.getBytes(StandardCharsets.UTF_8)));
            return jwt.serialize();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String unique() {
        return UUID.randomUUID().toString().substring(0, 8);
    }
}
