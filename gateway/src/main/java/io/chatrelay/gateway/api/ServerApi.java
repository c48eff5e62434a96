package io.chatrelay.gateway.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chatrelay.broker.Appended;
import io.chatrelay.broker.EventLog;
import io.chatrelay.broker.HistoryPage;
import io.chatrelay.broker.Moderation;
import io.chatrelay.broker.StoredFrame;
import io.chatrelay.chat.ChatApi;
import io.chatrelay.chat.ChatException;
import io.chatrelay.chat.protocol.ErrorCode;
import io.helidon.http.HeaderNames;
import io.helidon.http.Method;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The server API, {@code /api/v1}, on the admin listener: the application's backend publishes,
 * moderates and reads through it. Each route calls {@link ChatApi}, the same core the WebSocket
 * door calls; the OpenAPI document ({@code /api/v1/openapi.yaml}, checked against these routes by
 * a test) describes every route, body and answer.
 *
 * <p>Every request needs an API key ({@code Authorization: Bearer <key>}), except the OpenAPI
 * document. Errors answer {@code {"code":..., "message":...}} with the codes of the WebSocket
 * protocol and an HTTP status: 400 bad input, 401 no or wrong key, 403 forbidden, 404 unknown
 * user, 503 broker unavailable (nothing was stored), 504 outcome unknown (retry with the same
 * {@code cid}), 507 storage full.
 */
public final class ServerApi implements HttpService {
    private static final System.Logger LOG = System.getLogger(ServerApi.class.getName());
    /** Where the routes live. */
    public static final String BASE = "/api/v1";
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final int MAX_DEAD_LETTERS = 100;

    private final ChatApi api;
    private final ApiKeys keys;
    private final NodeDirectory nodes;
    private final EventLog events;
    private final ObjectMapper mapper = new ObjectMapper();
    private final byte[] openapi;
    private final List<String> routes = new java.util.concurrent.CopyOnWriteArrayList<>();

    /**
     * Creates the API.
     *
     * @param api    the core's operations
     * @param keys   the accepted API keys (none: every route but the document answers 404)
     * @param nodes  the gateways' numbers
     * @param events the event log (webhook backlog)
     */
    public ServerApi(ChatApi api, List<String> keys, NodeDirectory nodes, EventLog events) {
        this.api = api;
        this.keys = new ApiKeys(keys);
        this.nodes = nodes;
        this.events = events;
        this.openapi = io.chatrelay.gateway.Gateway.resource("api/openapi.yaml");
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/openapi.yaml", (req, res) -> res.header(HeaderNames.CONTENT_TYPE, "application/yaml").send(openapi))
                .any(this::authenticate);
        route(rules, Method.GET, "/node", (req, res) -> json(res, Status.OK_200, nodes.local()));
        route(rules, Method.GET, "/nodes", this::allNodes);
        route(rules, Method.GET, "/webhooks", this::webhooks);
        route(rules, Method.POST, "/rooms/{room}/messages", this::publish);
        route(rules, Method.GET, "/rooms/{room}/messages", this::history);
        route(rules, Method.PATCH, "/rooms/{room}/messages/{id}", this::edit);
        route(rules, Method.DELETE, "/rooms/{room}/messages/{id}", this::delete);
        route(rules, Method.GET, "/rooms/{room}", this::roomStats);
        route(rules, Method.GET, "/rooms/{room}/presence", this::presence);
        route(rules, Method.DELETE, "/rooms/{room}/members/{user}", this::remove);
        route(rules, Method.GET, "/rooms/{room}/bans", (req, res) -> list(req, res, Moderation.Kind.BAN));
        route(rules, Method.PUT, "/rooms/{room}/bans/{user}", (req, res) -> restrict(req, res, Moderation.Kind.BAN));
        route(rules, Method.DELETE, "/rooms/{room}/bans/{user}", (req, res) -> lift(req, res, Moderation.Kind.BAN));
        route(rules, Method.GET, "/rooms/{room}/mutes", (req, res) -> list(req, res, Moderation.Kind.MUTE));
        route(rules, Method.PUT, "/rooms/{room}/mutes/{user}", (req, res) -> restrict(req, res, Moderation.Kind.MUTE));
        route(rules, Method.DELETE, "/rooms/{room}/mutes/{user}", (req, res) -> lift(req, res, Moderation.Kind.MUTE));
        route(rules, Method.POST, "/users/{user}/messages", this::direct);
        route(rules, Method.POST, "/users/{user}/disconnect", this::disconnect);
    }

    /**
     * The routes, as {@code METHOD /path} under {@link #BASE} (what the OpenAPI document must list).
     *
     * @return the routes registered so far
     */
    public List<String> routes() {
        return List.copyOf(routes);
    }

    private void route(HttpRules rules, Method method, String path, io.helidon.webserver.http.Handler handler) {
        rules.route(method, path, guard(handler));
        routes.add(method.text() + " " + path);
    }

    /** A route whose refused input (a {@link ChatException} thrown while reading it) answers 400 with its code. */
    private io.helidon.webserver.http.Handler guard(io.helidon.webserver.http.Handler handler) {
        return (req, res) -> {
            try {
                handler.handle(req, res);
            } catch (ChatException e) {
                error(res, status(e.code()), e.code().wire(), e.getMessage());
            }
        };
    }

    private void authenticate(ServerRequest req, ServerResponse res) {
        if (!keys.enabled()) {
            error(res, Status.NOT_FOUND_404, "not_found", "the server API is off: set CHAT_API_KEYS");
        } else if (!keys.admits(req)) {
            res.header(HeaderNames.WWW_AUTHENTICATE, "Bearer");
            error(res, Status.UNAUTHORIZED_401, "unauthorized", "an API key is required: Authorization: Bearer <key>");
        } else {
            res.next();
        }
    }

    // ---- messages -----------------------------------------------------------------------------

    private void publish(ServerRequest req, ServerResponse res) {
        JsonNode body = body(req, res);
        if (body != null) {
            stored(res, api.publish(param(req, "room"), message(body)));
        }
    }

    private void direct(ServerRequest req, ServerResponse res) {
        JsonNode body = body(req, res);
        if (body != null) {
            stored(res, api.direct(param(req, "user"), message(body)));
        }
    }

    private void edit(ServerRequest req, ServerResponse res) {
        JsonNode body = body(req, res);
        if (body != null) {
            stored(res, api.edit(param(req, "room"), param(req, "id"), text(body, "text"), by(text(body, "by"))));
        }
    }

    private void delete(ServerRequest req, ServerResponse res) {
        stored(res, api.delete(param(req, "room"), param(req, "id"), by(req.query().first("by").orElse(null))));
    }

    private void stored(ServerResponse res, CompletionStage<Appended> stage) {
        answer(res, stage, a -> {
            ObjectNode out = mapper.createObjectNode().put("id", a.id());
            if (a.duplicate()) {
                out.put("duplicate", true);
            }
            json(res, a.duplicate() ? Status.OK_200 : Status.CREATED_201, out);
        });
    }

    private void history(ServerRequest req, ServerResponse res) {
        String before = req.query().first("before").orElse(null);
        int limit;
        try {
            limit = Integer.parseInt(req.query().first("limit").orElse("50"));
        } catch (NumberFormatException e) {
            error(res, Status.BAD_REQUEST_400, ErrorCode.BAD_FRAME.wire(), "limit must be an integer 1-100");
            return;
        }
        answer(res, api.history(param(req, "room"), before, limit), (HistoryPage page) -> {
            ObjectNode out = mapper.createObjectNode();
            ArrayNode messages = out.putArray("messages");
            for (StoredFrame f : page.frames()) {
                messages.add(parse(f.frame()));
            }
            out.put("more", page.more());
            json(res, Status.OK_200, out);
        });
    }

    // ---- rooms and users ----------------------------------------------------------------------

    private void roomStats(ServerRequest req, ServerResponse res) {
        answer(res, api.roomStats(param(req, "room")), s -> json(res, Status.OK_200, mapper.valueToTree(s)));
    }

    private void presence(ServerRequest req, ServerResponse res) {
        answer(res, api.presence(param(req, "room")), members -> {
            ObjectNode out = mapper.createObjectNode();
            ArrayNode list = out.putArray("members");
            members.forEach(m -> list.addObject().put("user", m.member()).put("name", m.name()));
            json(res, Status.OK_200, out);
        });
    }

    private void remove(ServerRequest req, ServerResponse res) {
        accepted(res, api.remove(param(req, "room"), param(req, "user"), req.query().first("reason").orElse("")));
    }

    private void disconnect(ServerRequest req, ServerResponse res) {
        JsonNode body = optionalBody(req, res);
        if (body != null) {
            accepted(res, api.disconnect(param(req, "user"), text(body, "reason")));
        }
    }

    private void accepted(ServerResponse res, CompletionStage<String> stage) {
        answer(res, stage, id -> json(res, Status.ACCEPTED_202, mapper.createObjectNode().put("command", id)));
    }

    private void restrict(ServerRequest req, ServerResponse res, Moderation.Kind kind) {
        JsonNode body = optionalBody(req, res);
        if (body == null) {
            return;
        }
        Duration duration;
        try {
            String text = text(body, "duration");
            duration = text == null ? null : Duration.parse(text);
        } catch (DateTimeParseException e) {
            error(res, Status.BAD_REQUEST_400, ErrorCode.BAD_FRAME.wire(), "duration must be ISO-8601, e.g. PT1H, or absent for good");
            return;
        }
        String room = param(req, "room");
        String user = param(req, "user");
        String reason = text(body, "reason");
        CompletionStage<Moderation.Restriction> stage = kind == Moderation.Kind.BAN
                ? api.ban(room, user, duration, reason) : api.mute(room, user, duration, reason);
        answer(res, stage, r -> json(res, Status.OK_200, restriction(r)));
    }

    private void lift(ServerRequest req, ServerResponse res, Moderation.Kind kind) {
        answer(res, api.lift(kind, param(req, "room"), param(req, "user")),
                was -> json(res, Status.OK_200, mapper.createObjectNode().put("lifted", was)));
    }

    private void list(ServerRequest req, ServerResponse res, Moderation.Kind kind) {
        answer(res, api.restrictions(kind, param(req, "room")), all -> {
            ObjectNode out = mapper.createObjectNode();
            ArrayNode list = out.putArray(kind == Moderation.Kind.BAN ? "bans" : "mutes");
            all.forEach(r -> list.add(restriction(r)));
            json(res, Status.OK_200, out);
        });
    }

    private ObjectNode restriction(Moderation.Restriction r) {
        ObjectNode n = mapper.createObjectNode().put("user", r.user()).put("since", r.since()).put("reason", r.reason());
        if (r.until() != 0) {
            n.put("until", r.until());
        }
        return n;
    }

    // ---- gateways and webhooks ----------------------------------------------------------------

    private void allNodes(ServerRequest req, ServerResponse res) {
        answer(res, nodes.all(), list -> {
            ObjectNode out = mapper.createObjectNode();
            out.putArray("nodes").addAll(list);
            json(res, Status.OK_200, out);
        });
    }

    private void webhooks(ServerRequest req, ServerResponse res) {
        answer(res, events.stats().thenCombine(events.deadLetters(MAX_DEAD_LETTERS), (s, dead) -> {
            ObjectNode out = mapper.createObjectNode().put("length", s.length()).put("pending", s.pending()).put("lag", s.lag())
                    .put("dead_letters", s.deadLetters());
            ArrayNode latest = out.putArray("latest_dead_letters");
            dead.forEach(d -> latest.add(parse(d)));
            return out;
        }), out -> json(res, Status.OK_200, out));
    }

    // ---- plumbing -----------------------------------------------------------------------------

    private interface Answer<T> {
        void send(T value);
    }

    /** Waits for the core (this runs on the request's virtual thread) and answers, or maps the failure. */
    private <T> void answer(ServerResponse res, CompletionStage<T> stage, Answer<T> ok) {
        T value;
        try {
            value = stage.toCompletableFuture().get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            failed(res, e.getCause());
            return;
        } catch (TimeoutException e) {
            error(res, Status.GATEWAY_TIMEOUT_504, ErrorCode.OUTCOME_UNKNOWN.wire(),
                    "no answer in time: it may have been done; retry (with the same cid for a message)");
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            error(res, Status.SERVICE_UNAVAILABLE_503, ErrorCode.BROKER_UNAVAILABLE.wire(), "interrupted");
            return;
        }
        ok.send(value);
    }

    private void failed(ServerResponse res, Throwable cause) {
        if (cause instanceof ChatException e) {
            error(res, status(e.code()), e.code().wire(), e.getMessage());
        } else {
            LOG.log(Level.ERROR, "event=api_failed", cause);
            error(res, Status.INTERNAL_SERVER_ERROR_500, ErrorCode.INTERNAL.wire(), "internal error");
        }
    }

    /**
     * The HTTP status of an error code.
     *
     * @param code the code
     * @return the status
     */
    static Status status(ErrorCode code) {
        return switch (code) {
            case UNKNOWN_USER -> Status.NOT_FOUND_404;
            case FORBIDDEN, NOT_MEMBER -> Status.FORBIDDEN_403;
            case UNAUTHORIZED -> Status.UNAUTHORIZED_401;
            case RATE_LIMITED -> Status.TOO_MANY_REQUESTS_429;
            case STORAGE_FULL -> Status.INSUFFICIENT_STORAGE_507;
            case OUTCOME_UNKNOWN -> Status.GATEWAY_TIMEOUT_504;
            case BROKER_UNAVAILABLE -> Status.SERVICE_UNAVAILABLE_503;
            case INTERNAL -> Status.INTERNAL_SERVER_ERROR_500;
            default -> Status.BAD_REQUEST_400;
        };
    }

    private JsonNode body(ServerRequest req, ServerResponse res) {
        if (!req.content().hasEntity()) {
            error(res, Status.BAD_REQUEST_400, ErrorCode.BAD_JSON.wire(), "a JSON body is required");
            return null;
        }
        return parseBody(req, res);
    }

    /** A body that may be absent (then an empty object). */
    private JsonNode optionalBody(ServerRequest req, ServerResponse res) {
        return req.content().hasEntity() ? parseBody(req, res) : mapper.createObjectNode();
    }

    private JsonNode parseBody(ServerRequest req, ServerResponse res) {
        try {
            JsonNode node = mapper.readTree(req.content().as(String.class));
            if (node == null || !node.isObject()) {
                error(res, Status.BAD_REQUEST_400, ErrorCode.BAD_FRAME.wire(), "the body must be a JSON object");
                return null;
            }
            return node;
        } catch (JsonProcessingException e) {
            error(res, Status.BAD_REQUEST_400, ErrorCode.BAD_JSON.wire(), "the body is not JSON");
            return null;
        }
    }

    private static ChatApi.Message message(JsonNode body) {
        return new ChatApi.Message(text(body, "from"), text(body, "name"), text(body, "text"), text(body, "cid"),
                text(body, "reply_to"), body.get("meta"));
    }

    /** A string field, or {@code null}; a field of another type is refused by the core's checks as invalid. */
    private static String text(JsonNode body, String field) {
        JsonNode value = body.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isTextual()) {
            throw new ChatException(ErrorCode.BAD_FRAME, field + " must be a string");
        }
        return value.asText();
    }

    private static String by(String by) {
        return by == null ? "moderator" : by;
    }

    private static String param(ServerRequest req, String name) {
        return req.path().pathParameters().get(name);
    }

    private JsonNode parse(String json) {
        try {
            return mapper.readTree(json);
        } catch (JsonProcessingException e) {
            return mapper.getNodeFactory().textNode(json);
        }
    }

    private void json(ServerResponse res, Status status, JsonNode body) {
        res.status(status).header(HeaderNames.CONTENT_TYPE, "application/json").send(body.toString());
    }

    private void error(ServerResponse res, Status status, String code, String message) {
        json(res, status, mapper.createObjectNode().put("code", code).put("message", message));
    }
}
