package io.chatrelay.example.tokens;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import io.chatrelay.example.config.AppConfig;
import io.chatrelay.example.keys.SigningKeys;

import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Signs the two tokens the gateway accepts, and checks this backend's own connection tokens when
 * a client presents one (to refresh it, or to ask for a room token).
 * <ul>
 * <li>connection token: {@code sub} (the user id), {@code name} (display name), {@code rooms}
 * (grants: room names or prefixes ending in {@code *}), {@code iat}, {@code exp}, and {@code iss} /
 * {@code aud} when configured; sent in {@code hello}, {@code ?token=}, or the {@code refresh} frame.</li>
 * <li>room token: {@code sub}, {@code room}, {@code iat}, {@code exp} ({@code iss} / {@code aud}
 * when configured); sent in {@code join} as {@code token}. It has a {@code room} claim and no
 * {@code rooms}; a connection token never has a {@code room} claim, which is how this backend
 * refuses a room token where a connection token is due.</li>
 * </ul>
 * Thread-safe.
 */
public final class TokenIssuer {
    /** The claim a room token names its room in. */
    public static final String ROOM = "room";
    /** The claim a connection token carries its grants in. */
    public static final String ROOMS = "rooms";
    /** The display name claim. */
    public static final String NAME = "name";

    /**
     * A signed token.
     *
     * @param token   the compact JWT
     * @param expires its {@code exp}
     */
    public record Issued(String token, Instant expires) {
        /** Validates. */
        public Issued {
            Objects.requireNonNull(token, "token");
            Objects.requireNonNull(expires, "expires");
        }
    }

    /** A token this backend does not accept, with a reason safe to show. */
    public static final class BadTokenException extends Exception {
        private static final long serialVersionUID = 1L;

        /**
         * Creates the exception.
         *
         * @param message why, safe to show
         */
        public BadTokenException(String message) {
            super(message, null, false, false);
        }
    }

    private final SigningKeys keys;
    private final AppConfig.Tokens settings;
    private final Clock clock;
    private final DefaultJWTProcessor<SecurityContext> connections;

    /**
     * Creates the issuer.
     *
     * @param keys     the signing keys
     * @param settings lives, issuer and audience
     * @param clock    the time
     */
    public TokenIssuer(SigningKeys keys, AppConfig.Tokens settings, Clock clock) {
        this.keys = keys;
        this.settings = settings;
        this.clock = clock;
        this.connections = new DefaultJWTProcessor<>();
        connections.setJWSKeySelector(keys.verificationKeys());
        connections.setJWTClaimsSetVerifier(new ClockVerifier(settings, clock));
    }

    /**
     * Signs a connection token.
     *
     * @param user   the user id (a valid subject)
     * @param name   the display name
     * @param grants the rooms it grants (names, or prefixes ending in {@code *})
     * @return the token
     */
    public Issued connection(String user, String name, List<String> grants) {
        JWTClaimsSet.Builder claims = base(user, settings.ttl()).claim(NAME, name);
        if (!grants.isEmpty()) {
            claims.claim(ROOMS, List.copyOf(grants));
        }
        return issue(claims);
    }

    /**
     * Signs a room token.
     *
     * @param user the user id
     * @param room the room it lets the user join
     * @return the token
     */
    public Issued room(String user, String room) {
        return issue(base(user, settings.roomTtl()).claim(ROOM, room));
    }

    /**
     * Checks a connection token this backend signed: signature with a key still accepted,
     * {@code exp} in the future, {@code sub}, {@code iss} / {@code aud} when configured, and no
     * {@code room} claim.
     *
     * @param token the compact JWT
     * @return its claims
     * @throws BadTokenException when it is refused
     */
    public JWTClaimsSet verifyConnection(String token) throws BadTokenException {
        try {
            return connections.process(token, null);
        } catch (ParseException e) {
            throw new BadTokenException("not a signed JWT");
        } catch (BadJOSEException | JOSEException e) {
            throw new BadTokenException("invalid or expired token");
        }
    }

    private JWTClaimsSet.Builder base(String user, Duration ttl) {
        Instant now = clock.instant();
        JWTClaimsSet.Builder b = new JWTClaimsSet.Builder()
                .subject(user)
                .issueTime(Date.from(now))
                .expirationTime(Date.from(now.plus(ttl)));
        if (!settings.issuer().isEmpty()) {
            b.issuer(settings.issuer());
        }
        if (!settings.audience().isEmpty()) {
            b.audience(settings.audience());
        }
        return b;
    }

    private Issued issue(JWTClaimsSet.Builder claims) {
        JWTClaimsSet set = claims.build();
        // exp has second precision: report what the token says
        return new Issued(keys.sign(set), Instant.ofEpochSecond(set.getExpirationTime().toInstant().getEpochSecond()));
    }

    /** nimbus' claim checks, on this backend's clock, without skew. */
    private static final class ClockVerifier extends DefaultJWTClaimsVerifier<SecurityContext> {
        private final Clock clock;

        ClockVerifier(AppConfig.Tokens settings, Clock clock) {
            super(settings.audience().isEmpty() ? null : Set.of(settings.audience()),
                    settings.issuer().isEmpty() ? new JWTClaimsSet.Builder().build()
                            : new JWTClaimsSet.Builder().issuer(settings.issuer()).build(),
                    new HashSet<>(Set.of("sub", "exp")),
                    Set.of(ROOM));
            this.clock = clock;
            setMaxClockSkew(0);
        }

        @Override
        protected Date currentTime() {
            return Date.from(clock.instant());
        }
    }
}
