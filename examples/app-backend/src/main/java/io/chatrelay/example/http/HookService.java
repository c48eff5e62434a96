package io.chatrelay.example.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.chatrelay.example.access.AccessDenied;
import io.chatrelay.example.access.ChatAccess;
import io.chatrelay.example.chat.SignatureCheck;
import io.chatrelay.example.chat.WordFilter;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The app's answers to the gateway's hooks ({@code CHAT_HOOK_URL=http://<app>/chat/hooks}), each
 * request checked against its signature (401 without a valid one):
 * <ul>
 * <li>{@code POST /chat/hooks/join} {@code {"user","name","guest","room"}}: {@code support:<team>}
 * rooms are for the team's members ({@link ChatAccess#join})</li>
 * <li>{@code POST /chat/hooks/publish} {@code {"user","name","guest","room","text",...}}: blocked
 * words refuse, masked words are masked ({@link WordFilter})</li>
 * </ul>
 * The answer: {@code {"allow":true}}, {@code {"allow":false,"reason":"..."}} or
 * {@code {"allow":true,"text":"..."}} (a new text, publish only).
 */
final class HookService implements HttpService {
    private final ChatAccess access;
    private final WordFilter words;
    private final SignatureCheck signatures;

    HookService(ChatAccess access, WordFilter words, SignatureCheck signatures) {
        this.access = access;
        this.words = words;
        this.signatures = signatures;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post("/chat/hooks/join", Json.handler(req -> {
            JsonNode body = signed(req, signatures);
            try {
                access.join(Json.requiredText(body, "user"), Json.requiredText(body, "room"));
                return Map.of("allow", true);
            } catch (AccessDenied e) {
                return Map.of("allow", false, "reason", e.getMessage());
            }
        }));
        rules.post("/chat/hooks/publish", Json.handler(req -> {
            JsonNode body = signed(req, signatures);
            Map<String, Object> answer = new LinkedHashMap<>();
            switch (words.decide(Json.requiredText(body, "text"))) {
                case WordFilter.Decision.Keep keep -> answer.put("allow", true);
                case WordFilter.Decision.Refuse refuse -> {
                    answer.put("allow", false);
                    answer.put("reason", refuse.reason());
                }
                case WordFilter.Decision.Rewrite rewrite -> {
                    answer.put("allow", true);
                    answer.put("text", rewrite.text());
                }
            }
            return answer;
        }));
    }

    /** The body of a request signed by the gateway, as JSON; 401 when the signature does not hold. */
    static JsonNode signed(ServerRequest req, SignatureCheck check) throws HttpProblem {
        byte[] raw = Json.rawBody(req);
        String header = req.headers().first(HeaderNames.create(SignatureCheck.HEADER)).orElse(null);
        if (!check.verify(header, raw)) {
            throw HttpProblem.unauthorized("missing, wrong or stale " + SignatureCheck.HEADER);
        }
        return Json.object(raw);
    }
}
