package io.chatrelay.chat.auth;

import io.chatrelay.chat.Identity;
import io.chatrelay.chat.Tokens;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class AuthorizerTest {
    private static final String SECRET = "a-secret-of-at-least-thirty-two-bytes!!";
    private static final Authorizer AUTH = new Authorizer(RoomPolicies.parse("*=open,private=grant,staff=authenticated,user=owner"),
            new TokenVerifier(new TokenVerifier.Settings(SECRET, "", "", "", Duration.ofMinutes(5))));
    private static final Identity GUEST = new Identity("guest1", true);
    private static final Identity ALICE = new Identity("alice", "Alice", false, List.of(), Instant.now().plusSeconds(60));
    private static final Identity GRANTED = new Identity("bob", "Bob", false, List.of("private:team-*", "private:x"), null);

    @Test
    void letsAnyoneIntoOpenRooms() {
        assertThat(AUTH.mayJoin(GUEST, "lobby", null).allowed()).isTrue();
        assertThat(AUTH.mayJoin(GUEST, "random:room", null).allowed()).isTrue();
    }

    @Test
    void keepsGuestsOutOfRoomsForSignedInUsers() {
        assertThat(AUTH.mayJoin(GUEST, "staff:ops", null).allowed()).isFalse();
        assertThat(AUTH.mayJoin(ALICE, "staff:ops", null).allowed()).isTrue();
    }

    @Test
    void letsOnlyGrantHoldersIntoGrantRooms() {
        assertThat(AUTH.mayJoin(ALICE, "private:team-1", null).allowed()).isFalse();
        assertThat(AUTH.mayJoin(GRANTED, "private:team-1", null).allowed()).isTrue();
        assertThat(AUTH.mayJoin(GRANTED, "private:x", null).allowed()).isTrue();
        assertThat(AUTH.mayJoin(GRANTED, "private:xy", null).allowed()).as("an exact grant is exact").isFalse();
    }

    @Test
    void letsOwnersIntoTheirOwnRoomsOnly() {
        assertThat(AUTH.mayJoin(ALICE, "user:alice", null).allowed()).isTrue();
        assertThat(AUTH.mayJoin(ALICE, "user:alice.notes", null).allowed()).isTrue();
        assertThat(AUTH.mayJoin(ALICE, "user:alicex", null).allowed()).isFalse();
        assertThat(AUTH.mayJoin(new Identity("alice", true), "user:alice", null).allowed()).as("a guest named alice").isFalse();
    }

    @Test
    void acceptsARoomTokenForThisUserAndRoomOnly() {
        String forAlice = Tokens.hs256(SECRET, Tokens.claims("alice", Duration.ofMinutes(1)).claim("room", "private:r").build());
        String forBob = Tokens.hs256(SECRET, Tokens.claims("bob", Duration.ofMinutes(1)).claim("room", "private:r").build());
        String pattern = Tokens.roomToken(SECRET, "alice", List.of("private:proj-*"), b -> b);
        String expired = Tokens.hs256(SECRET, Tokens.claims("alice", Duration.ofSeconds(-5)).claim("room", "private:r").build());

        Authorizer.Decision ok = AUTH.mayJoin(ALICE, "private:r", forAlice);
        assertThat(ok.allowed()).isTrue();
        assertThat(ok.byRoomToken()).isTrue();
        assertThat(AUTH.mayJoin(ALICE, "private:r", forBob).reason()).contains("another user");
        assertThat(AUTH.mayJoin(ALICE, "private:other", forAlice).reason()).contains("another room");
        assertThat(AUTH.mayJoin(ALICE, "private:proj-7", pattern).allowed()).isTrue();
        assertThat(AUTH.mayJoin(ALICE, "private:r", expired).allowed()).isFalse();
        assertThat(AUTH.mayJoin(ALICE, "private:r", "garbage").allowed()).isFalse();
    }

    @Test
    void parsesPoliciesAndRefusesMalformedOnes() {
        RoomPolicies p = RoomPolicies.parse(" *=authenticated , vip=grant ");

        assertThat(p.policyOf("lobby")).isEqualTo(RoomPolicies.Policy.AUTHENTICATED);
        assertThat(p.policyOf("vip:1")).isEqualTo(RoomPolicies.Policy.GRANT);
        assertThatIllegalArgumentException().isThrownBy(() -> RoomPolicies.parse("vip=secret"));
        assertThatIllegalArgumentException().isThrownBy(() -> RoomPolicies.parse("vip"));
        assertThatIllegalArgumentException().isThrownBy(() -> RoomPolicies.parse("v!p=open"));
        assertThatIllegalArgumentException().isThrownBy(() -> RoomPolicies.parse("a=open,a=grant"));
    }
}
