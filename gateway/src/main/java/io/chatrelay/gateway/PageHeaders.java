package io.chatrelay.gateway;

import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * The security headers of everything the public port serves over HTTP (the chat page, its
 * scripts and styles, the SDK): scripts, styles, connections and images from the page's own
 * origin only (no inline code: the page has none, and an injected script would not run), never
 * inside a frame of another site (clickjacking), no content-type sniffing, no referrer sent
 * elsewhere. {@code connect-src 'self'} covers the page's own WebSocket ({@code ws:} or
 * {@code wss:} of the same host and port, CSP Level 3). The admin page on the admin listener has
 * headers of its own.
 */
final class PageHeaders {
    /** The page's Content-Security-Policy. */
    static final String CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            + "connect-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

    private PageHeaders() {
    }

    /**
     * Sets the headers, then lets the routing go on.
     *
     * @param req the request
     * @param res the response
     */
    static void add(ServerRequest req, ServerResponse res) {
        res.header("Content-Security-Policy", CSP)
                .header("X-Frame-Options", "DENY")
                .header("X-Content-Type-Options", "nosniff")
                .header("Referrer-Policy", "no-referrer");
        res.next();
    }
}
