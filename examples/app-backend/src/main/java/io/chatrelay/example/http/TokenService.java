package io.chatrelay.example.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.chatrelay.example.access.ChatAccess;
import io.chatrelay.example.tokens.TokenIssuer;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;

/**
 * The token endpoints a browser app calls:
 * <ul>
 * <li>{@code POST /login} {@code {"user","password","name"?}}: a connection token</li>
 * <li>{@code POST /refresh} with {@code Authorization: Bearer <connection token>}: a new one</li>
 * <li>{@code POST /rooms/{room}/token} with {@code Authorization: Bearer <connection token>}: a room token</li>
 * </ul>
 * Each answers {@code {"token":"<jwt>","expires":<epoch seconds>}}.
 */
final class TokenService implements HttpService {
    private final ChatAccess access;

    TokenService(ChatAccess access) {
        this.access = access;
    }

    /** A token and its {@code exp}. */
    record TokenReply(String token, long expires) {
        static TokenReply of(TokenIssuer.Issued issued) {
            return new TokenReply(issued.token(), issued.expires().getEpochSecond());
        }
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post("/login", Json.handler(req -> {
            JsonNode body = Json.body(req);
            return TokenReply.of(access.login(Json.requiredText(body, "user"), Json.requiredText(body, "password"),
                    Json.optionalText(body, "name")));
        }));
        rules.post("/refresh", Json.handler(req -> TokenReply.of(access.refresh(Json.bearer(req)))));
        rules.post("/rooms/{room}/token", Json.handler(req ->
                TokenReply.of(access.roomToken(Json.bearer(req), req.path().pathParameters().get("room")))));
    }
}
