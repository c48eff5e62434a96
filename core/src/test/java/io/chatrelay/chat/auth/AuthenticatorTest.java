package io.chatrelay.chat.auth;

import io.chatrelay.chat.ChatSecurity;
import io.chatrelay.chat.TestCore;
import io.chatrelay.chat.Tokens;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Who a connection is: an application's token, a guest, or nobody. */
class AuthenticatorTest {
    private final Authenticator authenticator = ChatSecurity.of(true, "",
            new TokenVerifier.Settings(TestCore.SECRET, "", "", "", Duration.ofMinutes(5)), "*=open").authenticator();

    @Test
    void acceptsAConnectionTokenWithItsSubjectNameAndGrants() {
        String token = Tokens.hs256(TestCore.SECRET, Tokens.claims("alice", Duration.ofMinutes(5))
                .claim("name", "Alice").claim("rooms", List.of("private:team")).build());

        Authenticator.Result result = authenticator.identify(null, token);

        assertThat(result).isInstanceOf(Authenticator.Accepted.class);
        assertThat(((Authenticator.Accepted) result).identity().name()).isEqualTo("Alice");
        assertThat(((Authenticator.Accepted) result).identity().grants()).containsExactly("private:team");
    }

    @Test
    void refusesARoomTokenWhereAConnectionTokenIsExpected() {
        String roomToken = Tokens.hs256(TestCore.SECRET, Tokens.claims("alice", Duration.ofMinutes(5))
                .claim("room", "private:launch").build());

        Authenticator.Result result = authenticator.identify(null, roomToken);

        assertThat(result).isInstanceOf(Authenticator.Refused.class);
        assertThat(((Authenticator.Refused) result).reason()).contains("room token");
    }

    @Test
    void refusesATokenSignedWithAnotherSecret() {
        String forged = Tokens.hs256("another-secret-of-at-least-thirty-two-bytes", Tokens.claims("alice", Duration.ofMinutes(5)).build());

        assertThat(authenticator.identify(null, forged)).isInstanceOf(Authenticator.Refused.class);
    }
}
