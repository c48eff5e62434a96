package io.chatrelay.chat.auth;

import com.nimbusds.jwt.JWTClaimsSet;
import io.chatrelay.chat.Identity;

import java.text.ParseException;
import java.util.List;

/**
 * Decides whether a connection may join a room, once per join, on the gateway that receives it:
 * from the room's {@link RoomPolicies namespace policy}, the connection's identity and grants
 * (its token's {@code rooms} claim), and a room token the application's backend signed for this
 * user ({@code sub}) and room ({@code room}, or patterns in {@code rooms}). Every other command on
 * the room trusts the membership this decision created.
 */
public final class Authorizer {
    /** Most grants a token may carry. */
    static final int MAX_GRANTS = 256;

    private final RoomPolicies policies;
    private final TokenVerifier verifier;

    /**
     * Creates the authorizer.
     *
     * @param policies the namespace policies
     * @param verifier verifies room tokens (the same keys as connection tokens)
     */
    public Authorizer(RoomPolicies policies, TokenVerifier verifier) {
        this.policies = policies;
        this.verifier = verifier;
    }

    /**
     * A decision.
     *
     * @param allowed     whether the join may proceed
     * @param byRoomToken whether a room token allowed it (it then outlives the connection token's grants)
     * @param reason      why not, safe to show; {@code null} when allowed
     * @param askHook     the room's policy leaves the decision to the application's join hook
     */
    public record Decision(boolean allowed, boolean byRoomToken, String reason, boolean askHook) {
        static final Decision ALLOW = new Decision(true, false, null, false);
        static final Decision ASK_HOOK = new Decision(false, false, "the application's join hook decides", true);

        static Decision deny(String reason) {
            return new Decision(false, false, reason, false);
        }
    }

    /**
     * Decides a join.
     *
     * @param who       the connection's identity
     * @param room      the room
     * @param roomToken a room token from the {@code join}, or {@code null}
     * @return the decision
     */
    public Decision mayJoin(Identity who, String room, String roomToken) {
        RoomPolicies.Policy policy = policies.policyOf(room);
        if (policy == RoomPolicies.Policy.OPEN) {
            return Decision.ALLOW;
        }
        if (RoomPolicies.granted(who.grants(), room)) {
            return Decision.ALLOW;
        }
        if (policy == RoomPolicies.Policy.AUTHENTICATED && !who.guest()) {
            return Decision.ALLOW;
        }
        if (policy == RoomPolicies.Policy.OWNER && !who.guest() && RoomPolicies.owns(room, who.user())) {
            return Decision.ALLOW;
        }
        if (roomToken != null) {
            return byRoomToken(who, room, roomToken);
        }
        if (policy == RoomPolicies.Policy.HOOK) {
            return Decision.ASK_HOOK;
        }
        return Decision.deny(switch (policy) {
            case AUTHENTICATED -> "this room needs a signed-in user";
            default -> "this room needs a grant: a token for it, or the owner";
        });
    }

    private Decision byRoomToken(Identity who, String room, String token) {
        try {
            JWTClaimsSet claims = verifier.verify(token);
            if (!who.user().equals(claims.getSubject())) {
                return Decision.deny("the room token is for another user");
            }
            String one = claims.getStringClaim("room");
            List<String> many = claims.getStringListClaim("rooms");
            if (room.equals(one) || many != null && RoomPolicies.granted(many, room)) {
                return new Decision(true, true, null, false);
            }
            return Decision.deny("the room token is for another room");
        } catch (TokenVerifier.BadTokenException e) {
            return Decision.deny("room token refused: " + e.getMessage());
        } catch (ParseException e) {
            return Decision.deny("room token refused: malformed room claims");
        }
    }

    /**
     * The grants a connection token carries in its {@code rooms} claim.
     *
     * @param claims the token's claims
     * @return room names and prefixes ending in {@code *} (at most {@link #MAX_GRANTS})
     * @throws ParseException when the claim is not a list of strings
     */
    static List<String> grantsOf(JWTClaimsSet claims) throws ParseException {
        List<String> rooms = claims.getStringListClaim("rooms");
        if (rooms == null) {
            return List.of();
        }
        if (rooms.size() > MAX_GRANTS) {
            throw new ParseException("more than " + MAX_GRANTS + " room grants", 0);
        }
        return rooms;
    }
}
