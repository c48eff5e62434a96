package io.chatrelay.gateway.api;

import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerRequest;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;

/**
 * The keys that open the server API: {@code Authorization: Bearer <key>}, compared in constant
 * time against every configured key (several during a rotation: list the new key, move the
 * backend to it, drop the old one).
 */
final class ApiKeys {
    private static final String BEARER = "Bearer ";
    private final List<byte[]> keys;

    ApiKeys(List<String> keys) {
        this.keys = keys.stream().map(k -> k.getBytes(StandardCharsets.UTF_8)).toList();
    }

    boolean enabled() {
        return !keys.isEmpty();
    }

    /**
     * Whether a request carries one of the keys.
     *
     * @param req the request
     * @return {@code true} if it does
     */
    boolean admits(ServerRequest req) {
        String header = req.headers().first(HeaderNames.AUTHORIZATION).orElse("");
        if (!header.startsWith(BEARER)) {
            return false;
        }
        byte[] given = header.substring(BEARER.length()).trim().getBytes(StandardCharsets.UTF_8);
        boolean match = false;
        for (byte[] key : keys) {
            // no early exit: every key is compared
            match |= MessageDigest.isEqual(key, given);
        }
        return match;
    }
}
