package io.chatrelay.example.access;

import com.nimbusds.jwt.JWTClaimsSet;
import io.chatrelay.example.chat.ChatNames;
import io.chatrelay.example.directory.Directory;
import io.chatrelay.example.directory.User;
import io.chatrelay.example.tokens.TokenIssuer;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.text.ParseException;

/**
 * What the app decides about chat access, whichever door asks (today HTTP): who gets a
 * connection token (login), a new one (refresh), and a room token. Knows nothing of HTTP.
 * Thread-safe.
 */
public final class ChatAccess {
    private static final Logger LOG = System.getLogger(ChatAccess.class.getName());

    /** The namespace of the rooms the join hook decides: {@code support:<team>}. */
    public static final String SUPPORT = "support:";

    private final Directory directory;
    private final TokenIssuer issuer;

    /**
     * Creates the policy.
     *
     * @param directory the app's users and room rule
     * @param issuer    signs and checks tokens
     */
    public ChatAccess(Directory directory, TokenIssuer issuer) {
        this.directory = directory;
        this.issuer = issuer;
    }

    /**
     * Logs a user in (the stand-in for the app's real login) and issues a connection token.
     *
     * @param id       the user id
     * @param password the password
     * @param name     the display name to show, or {@code null} for the directory's
     * @return the connection token
     * @throws AccessDenied INVALID for a malformed id or name, UNAUTHENTICATED for an unknown
     *                      user or a wrong password (not told apart)
     */
    public TokenIssuer.Issued login(String id, String password, String name) throws AccessDenied {
        if (!ChatNames.validSubject(id)) {
            throw new AccessDenied(AccessDenied.Reason.INVALID, "user must match " + ChatNames.SUBJECT.pattern());
        }
        if (name != null && !ChatNames.validDisplayName(name)) {
            throw new AccessDenied(AccessDenied.Reason.INVALID,
                    "name must be 1-" + ChatNames.MAX_DISPLAY_NAME + " printable characters");
        }
        User user = directory.authenticate(id, password).orElseThrow(() -> {
            LOG.log(Level.INFO, "event=login_refused user={0}", id);
            return new AccessDenied(AccessDenied.Reason.UNAUTHENTICATED, "unknown user or wrong password");
        });
        LOG.log(Level.INFO, "event=login user={0}", id);
        return issuer.connection(user.id(), name != null ? name : user.name(), user.grants());
    }

    /**
     * A new connection token for the holder of a valid one: same user and display name, a later
     * {@code exp}, and the grants the user has now (so a grant taken away is gone at the next refresh).
     *
     * @param token the current connection token
     * @return the new token
     * @throws AccessDenied UNAUTHENTICATED when the token is refused or its user is gone
     */
    public TokenIssuer.Issued refresh(String token) throws AccessDenied {
        JWTClaimsSet claims = holder(token);
        User user = user(claims);
        String name;
        try {
            name = claims.getStringClaim(TokenIssuer.NAME);
        } catch (ParseException e) {
            name = null;
        }
        return issuer.connection(user.id(), ChatNames.validDisplayName(name) ? name : user.name(), user.grants());
    }

    /**
     * A room token, when the app's rule lets the holder of a connection token into a room.
     *
     * @param token the holder's connection token
     * @param room  the room
     * @return the room token
     * @throws AccessDenied INVALID for a malformed room name, UNAUTHENTICATED when the token is
     *                      refused, FORBIDDEN when the rule says no
     */
    public TokenIssuer.Issued roomToken(String token, String room) throws AccessDenied {
        if (!ChatNames.validRoom(room)) {
            throw new AccessDenied(AccessDenied.Reason.INVALID, "room must match " + ChatNames.ROOM.pattern());
        }
        User user = user(holder(token));
        if (!directory.mayEnter(user, room)) {
            LOG.log(Level.INFO, "event=room_token_refused user={0} room={1}", user.id(), room);
            throw new AccessDenied(AccessDenied.Reason.FORBIDDEN, "not a member of " + room);
        }
        return issuer.room(user.id(), room);
    }

    /**
     * The app's answer to the gateway's join hook (rooms of a namespace whose policy is
     * {@code hook}; a grant or a room token admits without asking): {@code support:<team>} is
     * for the members of that team; any other room is refused.
     *
     * @param user  the joining user's id (a guest's too: it is no user of the app)
     * @param room  the room
     * @throws AccessDenied FORBIDDEN, with the reason the client is shown
     */
    public void join(String user, String room) throws AccessDenied {
        String team = room.startsWith(SUPPORT) ? room.substring(SUPPORT.length()) : null;
        if (team == null) {
            throw new AccessDenied(AccessDenied.Reason.FORBIDDEN, "no such room");
        }
        User known = directory.find(user).orElse(null);
        if (known == null || !directory.memberOf(known, team)) {
            LOG.log(Level.INFO, "event=join_refused user={0} room={1}", user, room);
            throw new AccessDenied(AccessDenied.Reason.FORBIDDEN, "support:" + team + " is for the " + team + " team");
        }
    }

    private JWTClaimsSet holder(String token) throws AccessDenied {
        if (token == null || token.isEmpty()) {
            throw new AccessDenied(AccessDenied.Reason.UNAUTHENTICATED, "a connection token is required (Authorization: Bearer)");
        }
        try {
            return issuer.verifyConnection(token);
        } catch (TokenIssuer.BadTokenException e) {
            throw new AccessDenied(AccessDenied.Reason.UNAUTHENTICATED, e.getMessage());
        }
    }

    private User user(JWTClaimsSet claims) throws AccessDenied {
        return directory.find(claims.getSubject())
                .orElseThrow(() -> new AccessDenied(AccessDenied.Reason.UNAUTHENTICATED, "the token's user no longer exists"));
    }
}
