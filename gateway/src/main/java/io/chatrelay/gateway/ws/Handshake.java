package io.chatrelay.gateway.ws;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.source.ImmutableSecret;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import io.chatrelay.gateway.config.GatewayConfig;
import io.chatrelay.gateway.protocol.Names;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Decides at the WebSocket handshake who a connection is and whether it may connect: the
 * {@code Origin} allowlist, then a JWT ({@code ?token=} or {@code Authorization: Bearer}, HS256)
 * or, in guest mode, a validated or generated guest name.
 */
public final class Handshake {
    /** The outcome: an identity, or an HTTP status with a reason. */
    public sealed interface Result {
    }

    /**
     * The connection may proceed.
     *
     * @param identity who it is
     */
    public record Accepted(Identity identity) implements Result {
    }

    /**
     * The connection is refused.
     *
     * @param status HTTP status (400, 401, 403)
     * @param reason why, safe to show
     */
    public record Rejected(int status, String reason) implements Result {
    }

    private static final Set<String> LOCAL_HOSTS = Set.of("localhost", "127.0.0.1", "[::1]", "::1");
    private static final SecureRandom RANDOM = new SecureRandom();

    private final GatewayConfig.Auth auth;
    private final List<String> origins;
    private final DefaultJWTProcessor<SecurityContext> jwt;

    /**
     * Creates the handshake policy.
     *
     * @param auth    identity settings
     * @param origins allowed origins; empty for same origin and localhost
     */
    public Handshake(GatewayConfig.Auth auth, List<String> origins) {
        this.auth = auth;
        this.origins = List.copyOf(origins);
        this.jwt = auth.jwtSecret().isEmpty() ? null : processor(auth.jwtSecret());
    }

    private static DefaultJWTProcessor<SecurityContext> processor(String secret) {
        DefaultJWTProcessor<SecurityContext> p = new DefaultJWTProcessor<>();
        p.setJWSKeySelector(new JWSVerificationKeySelector<>(JWSAlgorithm.HS256,
                new ImmutableSecret<>(secret.getBytes(StandardCharsets.UTF_8))));
        DefaultJWTClaimsVerifier<SecurityContext> claims = new DefaultJWTClaimsVerifier<>(null, Set.of("sub", "exp"));
        claims.setMaxClockSkew(0);
        p.setJWTClaimsSetVerifier(claims);
        return p;
    }

    /**
     * Decides on a handshake.
     *
     * @param name          {@code ?name=}, or {@code null}
     * @param queryToken    {@code ?token=}, or {@code null}
     * @param authorization the {@code Authorization} header, or {@code null}
     * @param origin        the {@code Origin} header, or {@code null}
     * @param host          the {@code Host} header, or {@code null}
     * @return the outcome
     */
    public Result decide(String name, String queryToken, String authorization, String origin, String host) {
        if (!originAllowed(origin, host)) {
            return new Rejected(403, "origin not allowed");
        }
        String token = queryToken != null && !queryToken.isEmpty() ? queryToken : bearer(authorization);
        if (token != null) {
            return verify(token);
        }
        if (!auth.guests()) {
            return new Rejected(401, "a token is required");
        }
        if (name == null || name.isEmpty()) {
            return new Accepted(new Identity("guest-" + randomSuffix(), true));
        }
        if (!Names.GUEST.matcher(name).matches()) {
            return new Rejected(400, "name must match " + Names.GUEST.pattern());
        }
        return new Accepted(new Identity(name, true));
    }

    private Result verify(String token) {
        if (jwt == null) {
            return new Rejected(401, "tokens are not configured on this gateway");
        }
        try {
            JWTClaimsSet claims = jwt.process(token, null);
            String sub = claims.getSubject();
            if (!Names.validUser(sub)) {
                return new Rejected(401, "token subject must match " + Names.USER.pattern());
            }
            return new Accepted(new Identity(sub, false));
        } catch (java.text.ParseException | com.nimbusds.jose.proc.BadJOSEException | com.nimbusds.jose.JOSEException e) {
            return new Rejected(401, "invalid or expired token");
        }
    }

    private boolean originAllowed(String origin, String host) {
        if (origin == null || origin.isEmpty()) {
            return true;
        }
        if (!origins.isEmpty()) {
            return origins.contains("*") || origins.contains(origin);
        }
        try {
            URI uri = URI.create(origin);
            String originHost = uri.getHost() == null ? "" : uri.getHost().toLowerCase(Locale.ROOT);
            if (LOCAL_HOSTS.contains(originHost)) {
                return true;
            }
            return host != null && uri.getAuthority() != null && uri.getAuthority().equalsIgnoreCase(host);
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static String bearer(String authorization) {
        if (authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return authorization.substring(7).trim();
        }
        return null;
    }

    private static String randomSuffix() {
        String alphabet = "abcdefghijkmnpqrstuvwxyz23456789";
        StringBuilder b = new StringBuilder(6);
        for (int i = 0; i < 6; i++) {
            b.append(alphabet.charAt(RANDOM.nextInt(alphabet.length())));
        }
        return b.toString();
    }
}
