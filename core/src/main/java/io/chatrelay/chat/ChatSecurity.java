package io.chatrelay.chat;

import io.chatrelay.chat.auth.Authenticator;
import io.chatrelay.chat.auth.Authorizer;
import io.chatrelay.chat.auth.GuestTokens;
import io.chatrelay.chat.auth.RoomPolicies;
import io.chatrelay.chat.auth.TokenVerifier;

import java.time.Duration;
import java.util.Objects;

/**
 * Who may connect and who may join what, for every door of the core.
 *
 * @param authenticator connection credentials to identities
 * @param authorizer    joins by room policy, grants and room tokens
 */
public record ChatSecurity(Authenticator authenticator, Authorizer authorizer) {
    /** Validates. */
    public ChatSecurity {
        Objects.requireNonNull(authenticator, "authenticator");
        Objects.requireNonNull(authorizer, "authorizer");
    }

    /**
     * Builds both from settings.
     *
     * @param guests      whether guests may connect
     * @param guestSecret  the gateways' shared secret for guest tokens (empty: one of this process)
     * @param tokens      token keys and required claims
     * @param namespaces  namespace policies ({@link RoomPolicies#parse})
     * @return the security
     */
    public static ChatSecurity of(boolean guests, String guestSecret, TokenVerifier.Settings tokens, String namespaces) {
        TokenVerifier verifier = new TokenVerifier(tokens);
        return new ChatSecurity(new Authenticator(guests, verifier, new GuestTokens(guestSecret, GUEST_TOKEN_TTL)),
                new Authorizer(RoomPolicies.parse(namespaces), verifier));
    }

    /** How long a guest may come back as itself. */
    public static final Duration GUEST_TOKEN_TTL = Duration.ofDays(1);

    /**
     * Guests allowed, HS256 with an optional secret, every room open except namespace
     * {@code private} (grant) and {@code user} (owner): the defaults, for tests and embedding.
     *
     * @param secret HS256 secret, or empty
     * @return the security
     */
    public static ChatSecurity defaults(String secret) {
        return of(true, "", new TokenVerifier.Settings(secret, "", "", "", Duration.ofMinutes(5)), "*=open,private=grant,user=owner");
    }
}
