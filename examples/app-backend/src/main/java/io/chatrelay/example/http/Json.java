package io.chatrelay.example.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chatrelay.example.access.AccessDenied;
import io.helidon.common.media.type.MediaTypes;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.Map;

/**
 * JSON in and out with Jackson: request bodies, replies, and every refusal as
 * {@code {"error":"<code>","message":"..."}} with its status.
 */
final class Json {
    private static final Logger LOG = System.getLogger(Json.class.getName());
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private Json() {
    }

    /** An endpoint: a request in, the object to send as JSON with 200 out. */
    @FunctionalInterface
    interface Endpoint {
        Object handle(ServerRequest req) throws HttpProblem, AccessDenied;
    }

    /**
     * A Helidon handler around an endpoint: its result as JSON, refusals as JSON errors, and an
     * unexpected failure as a logged 500 {@code internal}.
     */
    static Handler handler(Endpoint endpoint) {
        return (req, res) -> {
            try {
                send(res, Status.OK_200, endpoint.handle(req));
            } catch (AccessDenied e) {
                problem(res, HttpProblem.of(e));
            } catch (HttpProblem e) {
                problem(res, e);
            } catch (RuntimeException e) {
                LOG.log(Level.ERROR, "event=request_failed method=" + req.prologue().method().text()
                        + " path=" + req.path().path(), e);
                problem(res, new HttpProblem(Status.INTERNAL_SERVER_ERROR_500, "internal", "unexpected failure"));
            }
        };
    }

    /** The request body, a JSON object. */
    static JsonNode body(ServerRequest req) throws HttpProblem {
        if (!req.content().hasEntity()) {
            throw HttpProblem.badRequest("a JSON object body is required");
        }
        return object(req.content().as(byte[].class));
    }

    /** The raw request body (what a signature covers), empty when there is none. */
    static byte[] rawBody(ServerRequest req) {
        return req.content().hasEntity() ? req.content().as(byte[].class) : new byte[0];
    }

    /** A JSON object parsed from bytes. */
    static JsonNode object(byte[] body) throws HttpProblem {
        try {
            JsonNode node = MAPPER.readTree(body);
            if (node == null || !node.isObject()) {
                throw HttpProblem.badRequest("the body must be a JSON object");
            }
            return node;
        } catch (IOException e) {
            throw HttpProblem.badRequest("the body is not JSON");
        }
    }

    /** A string field, or {@code null} when absent or null. */
    static String optionalText(JsonNode body, String field) throws HttpProblem {
        JsonNode value = body.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isTextual()) {
            throw HttpProblem.badRequest(field + " must be a string");
        }
        return value.asText();
    }

    /** A string field that must be present. */
    static String requiredText(JsonNode body, String field) throws HttpProblem {
        String text = optionalText(body, field);
        if (text == null) {
            throw HttpProblem.badRequest(field + " is required");
        }
        return text;
    }

    /** Sends an object as JSON. */
    static void send(ServerResponse res, Status status, Object body) {
        byte[] bytes;
        try {
            bytes = MAPPER.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write a reply", e);
        }
        res.status(status);
        res.headers().contentType(MediaTypes.APPLICATION_JSON);
        res.header(HeaderNames.CACHE_CONTROL, "no-store");
        res.send(bytes);
    }

    /** Sends a refusal. */
    static void problem(ServerResponse res, HttpProblem problem) {
        if (problem.status() == Status.UNAUTHORIZED_401) {
            res.header(HeaderNames.WWW_AUTHENTICATE, "Bearer");
        }
        send(res, problem.status(), Map.of("error", problem.code(), "message", problem.getMessage()));
    }

    /** The token of an {@code Authorization: Bearer} header, or {@code null}. */
    static String bearer(ServerRequest req) {
        return req.headers().first(HeaderNames.AUTHORIZATION)
                .filter(h -> h.regionMatches(true, 0, "Bearer ", 0, 7))
                .map(h -> h.substring(7).trim())
                .orElse(null);
    }
}
