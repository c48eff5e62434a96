package io.chatrelay.example.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.chatrelay.example.chat.ChatApiClient;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;

import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The app's own moderation and announcements, carried out through chat-relay's server API (all
 * with {@code Authorization: Bearer <APP_ADMIN_KEY>}):
 * <ul>
 * <li>{@code POST /admin/announce} {@code {"room","text","id"?}}: a system message (the optional
 * {@code id} is the message's cid: the same announcement retried is posted once)</li>
 * <li>{@code POST /admin/kick} {@code {"user","reason"?}}: the user's connections are closed everywhere</li>
 * <li>{@code POST /admin/ban} {@code {"room","user","duration"?,"reason"?}}: banned from the room</li>
 * </ul>
 * Each answers what the API answered: {@code {"status":..,"answer":{..}}}.
 */
final class ModerationService implements HttpService {
    private final ChatApiClient api;
    private final AdminKey adminKey;

    ModerationService(ChatApiClient api, AdminKey adminKey) {
        this.api = api;
        this.adminKey = adminKey;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post("/admin/announce", Json.handler(req -> {
            adminKey.require(Json.bearer(req), "announcing");
            JsonNode body = Json.body(req);
            String cid = body.hasNonNull("id") ? "announce-" + Json.requiredText(body, "id") : "announce-" + UUID.randomUUID();
            return relay(api.publish(Json.requiredText(body, "room"), "system", "Announcements", Json.requiredText(body, "text"), cid));
        }));
        rules.post("/admin/kick", Json.handler(req -> {
            adminKey.require(Json.bearer(req), "kicking");
            JsonNode body = Json.body(req);
            return relay(api.disconnect(Json.requiredText(body, "user"), body.path("reason").asText("")));
        }));
        rules.post("/admin/ban", Json.handler(req -> {
            adminKey.require(Json.bearer(req), "banning");
            JsonNode body = Json.body(req);
            return relay(api.ban(Json.requiredText(body, "room"), Json.requiredText(body, "user"),
                    body.hasNonNull("duration") ? body.get("duration").asText() : null, body.path("reason").asText("")));
        }));
    }

    private static Map<String, Object> relay(java.util.concurrent.CompletableFuture<ChatApiClient.Answer> call) throws HttpProblem {
        try {
            ChatApiClient.Answer answer = call.get(15, TimeUnit.SECONDS);
            return Map.of("status", answer.status(), "answer", answer.body());
        } catch (ExecutionException | TimeoutException e) {
            throw HttpProblem.unavailable("chat-relay's server API did not answer: " + e.getClass().getSimpleName());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw HttpProblem.unavailable("interrupted");
        }
    }
}
