package io.chatrelay.chat.auth;

import com.nimbusds.jwt.JWTClaimsSet;
import io.chatrelay.chat.Identity;
import io.chatrelay.chat.protocol.Names;

import java.text.ParseException;
import java.time.Instant;
import java.util.List;

/**
 * Decides who a connection is from what it presents, whichever door it came through: a JWT
 * verified by the {@link TokenVerifier} ({@code sub} is the user id, the optional {@code name}
 * claim the display name, the optional {@code rooms} claim the rooms it grants, {@code exp} when
 * the connection must refresh it) or, when guests are allowed, a guest: a fresh id in the
 * {@code guest:} namespace that no token can carry, with the name it chose (or a generated one)
 * as display name, or the guest named by a {@link GuestTokens guest token} it got before.
 */
public final class Authenticator {
    /** The outcome: an identity, or a refusal. */
    public sealed interface Result {
    }

    /**
     * The credentials are good.
     *
     * @param identity who it is
     */
    public record Accepted(Identity identity) implements Result {
    }

    /**
     * The credentials are refused.
     *
     * @param badRequest {@code true} for a malformed guest name (HTTP 400), {@code false} for
     *                   missing or invalid credentials (HTTP 401)
     * @param reason     why, safe to show
     */
    public record Refused(boolean badRequest, String reason) implements Result {
    }

    private final boolean guests;
    private final TokenVerifier verifier;
    private final GuestTokens guestTokens;

    /**
     * Creates the policy.
     *
     * @param guests      whether connections without a token get a guest identity
     * @param verifier    verifies the application's tokens
     * @param guestTokens issues and verifies the tokens that let a guest come back as itself
     */
    public Authenticator(boolean guests, TokenVerifier verifier, GuestTokens guestTokens) {
        this.guests = guests;
        this.verifier = verifier;
        this.guestTokens = guestTokens;
    }

    /**
     * The token that lets a guest reconnect as itself (sent in {@code welcome}).
     *
     * @param guest the guest
     * @return the token, or {@code null} for an identity that is not a guest
     */
    public String guestToken(Identity guest) {
        return guest.guest() ? guestTokens.issue(guest) : null;
    }

    /**
     * Decides on a connection's credentials.
     *
     * @param name  guest name, or {@code null}
     * @param token a JWT, or {@code null}
     * @return the outcome
     */
    public Result identify(String name, String token) {
        if (token != null && !token.isEmpty()) {
            if (guests && GuestTokens.claimsToBeGuest(token)) {
                try {
                    return new Accepted(guestTokens.verify(token));
                } catch (TokenVerifier.BadTokenException e) {
                    return new Refused(false, e.getMessage());
                }
            }
            return verify(token);
        }
        if (!guests) {
            return new Refused(false, "a token is required");
        }
        if (name != null && !name.isEmpty() && !Names.validGuest(name)) {
            return new Refused(true, "name must match " + Names.GUEST.pattern());
        }
        return new Accepted(GuestTokens.newGuest(name));
    }

    private Result verify(String token) {
        try {
            JWTClaimsSet claims = verifier.verify(token);
            if (claims.getClaim("room") != null) {
                // a room token lets one user into one room: it is not a way to connect
                return new Refused(false, "a room token is not a connection token");
            }
            String sub = claims.getSubject();
            if (!Names.validSubject(sub)) {
                return new Refused(false, "token subject must match " + Names.SUBJECT.pattern());
            }
            String name = Names.displayName(claims.getStringClaim("name"), sub);
            Instant expires = claims.getExpirationTime().toInstant();
            return new Accepted(new Identity(sub, name, false, Authorizer.grantsOf(claims), expires));
        } catch (TokenVerifier.BadTokenException e) {
            return new Refused(false, e.getMessage());
        } catch (ParseException e) {
            return new Refused(false, "token claims malformed: name must be a string, rooms a list of strings");
        }
    }
}
