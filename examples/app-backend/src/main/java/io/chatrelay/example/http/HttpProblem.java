package io.chatrelay.example.http;

import io.chatrelay.example.access.AccessDenied;
import io.helidon.http.Status;

/**
 * An answer other than success: a status and a documented error code, sent as
 * {@code {"error":"<code>","message":"..."}}.
 */
final class HttpProblem extends Exception {
    private static final long serialVersionUID = 1L;

    private final transient Status status;
    private final String code;

    HttpProblem(Status status, String code, String message) {
        super(message, null, false, false);
        this.status = status;
        this.code = code;
    }

    static HttpProblem badRequest(String message) {
        return new HttpProblem(Status.BAD_REQUEST_400, "bad_request", message);
    }

    static HttpProblem unauthorized(String message) {
        return new HttpProblem(Status.UNAUTHORIZED_401, "unauthorized", message);
    }

    static HttpProblem unavailable(String message) {
        return new HttpProblem(Status.BAD_GATEWAY_502, "chat_unavailable", message);
    }

    /** The answer to a refusal of the app's access rules. */
    static HttpProblem of(AccessDenied denied) {
        return switch (denied.reason()) {
            case INVALID -> badRequest(denied.getMessage());
            case UNAUTHENTICATED -> unauthorized(denied.getMessage());
            case FORBIDDEN -> new HttpProblem(Status.FORBIDDEN_403, "forbidden", denied.getMessage());
        };
    }

    Status status() {
        return status;
    }

    String code() {
        return code;
    }
}
