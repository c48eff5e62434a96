package io.chatrelay.example.chat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * The app's side of chat-relay's server API ({@code CHAT_API_URL}, e.g.
 * {@code http://gateway:9090/api/v1}, with one of the gateways' API keys): system messages,
 * disconnects, bans and mutes. Any gateway answers for all of them. A message carries a
 * {@code cid} the app derives from what caused it, so that a retry never posts twice.
 */
public final class ChatApiClient {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final String base;
    private final String key;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();

    /**
     * An API answer.
     *
     * @param status the HTTP status
     * @param body   the JSON body (an empty object if there was none)
     */
    public record Answer(int status, JsonNode body) {
        /**
         * Whether it succeeded.
         *
         * @return a 2xx status
         */
        public boolean ok() {
            return status / 100 == 2;
        }
    }

    /**
     * Creates the client.
     *
     * @param base the API's base URL (ends before the routes, e.g. {@code .../api/v1})
     * @param key  the API key
     */
    public ChatApiClient(String base, String key) {
        this.base = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
        this.key = key;
    }

    /**
     * Publishes a message to a room as the app's sender.
     *
     * @param room the room
     * @param from the sender's id (e.g. {@code system})
     * @param name the sender's display name
     * @param text the text
     * @param cid  the app's id of the message (a retry with it is never stored twice)
     * @return the answer ({@code id}; {@code duplicate} for a retry)
     */
    public CompletableFuture<Answer> publish(String room, String from, String name, String text, String cid) {
        ObjectNode body = MAPPER.createObjectNode().put("from", from).put("name", name).put("text", text);
        if (cid != null) {
            body.put("cid", cid);
        }
        return send("POST", "/rooms/" + path(room) + "/messages", body);
    }

    /**
     * Closes every connection of a user, on every gateway (close code 4403).
     *
     * @param user   the user
     * @param reason shown to the user
     * @return the answer
     */
    public CompletableFuture<Answer> disconnect(String user, String reason) {
        return send("POST", "/users/" + path(user) + "/disconnect", MAPPER.createObjectNode().put("reason", reason));
    }

    /**
     * Bans a user from a room (removed everywhere, refused on join).
     *
     * @param room     the room
     * @param user     the user
     * @param duration ISO-8601, or {@code null} for good
     * @param reason   shown to the user
     * @return the answer
     */
    public CompletableFuture<Answer> ban(String room, String user, String duration, String reason) {
        ObjectNode body = MAPPER.createObjectNode().put("reason", reason);
        if (duration != null) {
            body.put("duration", duration);
        }
        return send("PUT", "/rooms/" + path(room) + "/bans/" + path(user), body);
    }

    private CompletableFuture<Answer> send(String method, String path, ObjectNode body) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(base + path))
                .timeout(TIMEOUT)
                .header("Authorization", "Bearer " + key)
                .header("Content-Type", "application/json")
                .method(method, HttpRequest.BodyPublishers.ofString(body.toString()))
                .build();
        return http.sendAsync(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8)).thenApply(r -> {
            JsonNode json;
            try {
                json = r.body() == null || r.body().isBlank() ? MAPPER.createObjectNode() : MAPPER.readTree(r.body());
            } catch (IOException e) {
                json = MAPPER.createObjectNode().put("message", "not JSON");
            }
            return new Answer(r.statusCode(), json);
        });
    }

    private static String path(String segment) {
        return URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
