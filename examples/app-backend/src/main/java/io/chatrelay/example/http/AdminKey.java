package io.chatrelay.example.http;

import io.helidon.http.Status;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/** The admin key ({@code APP_ADMIN_KEY}) that guards the admin endpoints, compared in constant time. */
final class AdminKey {
    private final byte[] key;

    AdminKey(String key) {
        this.key = key.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Refuses a request without the admin key.
     *
     * @param presented the request's Bearer token, or {@code null}
     * @param what      what is off without a configured key (for the 403 message)
     * @throws HttpProblem 403 when no key is configured, 401 when the wrong one or none is presented
     */
    void require(String presented, String what) throws HttpProblem {
        if (key.length == 0) {
            throw new HttpProblem(Status.FORBIDDEN_403, "forbidden", what + " is off: no APP_ADMIN_KEY is configured");
        }
        if (presented == null || !MessageDigest.isEqual(key, presented.getBytes(StandardCharsets.UTF_8))) {
            throw HttpProblem.unauthorized("the admin key is required (Authorization: Bearer)");
        }
    }
}
