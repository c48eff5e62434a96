package io.chatrelay.gateway.ws;

import io.chatrelay.chat.Identity;
import io.chatrelay.chat.auth.Authenticator;
import io.chatrelay.chat.protocol.ServerFrames;

import java.net.URI;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Decides at the WebSocket handshake whether a connection may proceed: the {@code Origin}
 * allowlist, the protocol version ({@code Sec-WebSocket-Protocol: chatrelay.v2} asks for
 * protocol 2, whose credentials come in the first frame, {@code hello}), and for protocol 1 the
 * credentials of the URL or {@code Authorization} header, decided by the core's
 * {@link Authenticator}.
 */
public final class Handshake {
    /** The sub-protocol that selects protocol 2. */
    public static final String SUBPROTOCOL_V2 = "chatrelay.v2";

    /** The outcome: go on, or an HTTP status with a reason. */
    public sealed interface Result {
    }

    /**
     * The connection may proceed.
     *
     * @param identity who it is (protocol 1), or {@code null} when the {@code hello} will tell (protocol 2)
     * @param protocol 1 or 2
     * @param name     the URL's guest name, or {@code null} (a fallback for {@code hello})
     * @param token    the URL's or header's token, or {@code null} (a fallback for {@code hello})
     */
    public record Accepted(Identity identity, int protocol, String name, String token) implements Result {
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

    private final Authenticator authenticator;
    private final List<String> origins;

    /**
     * Creates the handshake policy.
     *
     * @param authenticator who may connect
     * @param origins       allowed origins; empty for same origin and localhost
     */
    public Handshake(Authenticator authenticator, List<String> origins) {
        this.authenticator = authenticator;
        this.origins = List.copyOf(origins);
    }

    /**
     * Decides on a handshake.
     *
     * @param name          {@code ?name=}, or {@code null}
     * @param queryToken    {@code ?token=}, or {@code null}
     * @param authorization the {@code Authorization} header, or {@code null}
     * @param origin        the {@code Origin} header, or {@code null}
     * @param host          the {@code Host} header, or {@code null}
     * @param subprotocols  the {@code Sec-WebSocket-Protocol} header, or {@code null}
     * @return the outcome
     */
    public Result decide(String name, String queryToken, String authorization, String origin, String host, String subprotocols) {
        if (!originAllowed(origin, host)) {
            return new Rejected(403, "origin not allowed");
        }
        String token = queryToken != null && !queryToken.isEmpty() ? queryToken : bearer(authorization);
        if (wantsV2(subprotocols)) {
            return new Accepted(null, ServerFrames.PROTOCOL_2, name, token);
        }
        return switch (authenticator.identify(name, token)) {
            case Authenticator.Accepted a -> new Accepted(a.identity(), ServerFrames.PROTOCOL_1, name, token);
            case Authenticator.Refused r -> new Rejected(r.badRequest() ? 400 : 401, r.reason());
        };
    }

    /**
     * Decides on the credentials of a protocol-2 {@code hello}, falling back to the handshake's.
     *
     * @param accepted the handshake's outcome
     * @param name     the hello's name, or {@code null}
     * @param token    the hello's token, or {@code null}
     * @return the outcome
     */
    public Authenticator.Result identify(Accepted accepted, String name, String token) {
        return authenticator.identify(name != null ? name : accepted.name(), token != null ? token : accepted.token());
    }

    private static boolean wantsV2(String subprotocols) {
        return subprotocols != null && Arrays.stream(subprotocols.split(",")).map(String::trim).anyMatch(SUBPROTOCOL_V2::equals);
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
}
