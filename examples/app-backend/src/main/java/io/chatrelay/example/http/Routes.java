package io.chatrelay.example.http;

import io.chatrelay.example.access.ChatAccess;
import io.chatrelay.example.chat.ChatApiClient;
import io.chatrelay.example.chat.EventInbox;
import io.chatrelay.example.chat.SupportGreeter;
import io.chatrelay.example.chat.SignatureCheck;
import io.chatrelay.example.chat.WordFilter;
import io.chatrelay.example.config.AppConfig;
import io.chatrelay.example.keys.SigningKeys;
import io.helidon.webserver.http.HttpRouting;

import java.time.Clock;
import java.util.Map;

/** The HTTP door: every route of the backend, on one routing. */
public final class Routes {
    private Routes() {
    }

    /**
     * Adds the backend's routes.
     *
     * @param routing the routing to add to
     * @param access  login, refresh, room tokens and the join hook's rule
     * @param keys    the signing keys (JWKS, rotation)
     * @param config  the admin key, the CORS origins, the hooks' and webhooks' secrets
     * @param inbox   where received webhook events go
     * @param clock   the clock signatures are checked against
     */
    public static void register(HttpRouting.Builder routing, ChatAccess access, SigningKeys keys, AppConfig config,
                                EventInbox inbox, Clock clock) {
        if (!config.corsOrigins().isEmpty()) {
            routing.addFilter(new Cors(config.corsOrigins()));
        }
        AdminKey adminKey = new AdminKey(config.adminKey());
        AppConfig.Chat chat = config.chat();
        routing.register(new TokenService(access))
                .register(new KeyService(keys, adminKey))
                .get("/health", Json.handler(req -> Map.of("status", "UP")));
        if (!chat.hookSecret().isEmpty()) {
            routing.register(new HookService(access, new WordFilter(chat.blockedWords(), chat.maskedWords()),
                    new SignatureCheck(chat.hookSecret(), chat.signatureTolerance(), clock)));
        }
        ChatApiClient api = chat.callsApi() ? new ChatApiClient(chat.apiUrl(), chat.apiKey()) : null;
        if (api != null) {
            routing.register(new ModerationService(api, adminKey));
        }
        if (!chat.webhookSecret().isEmpty()) {
            SupportGreeter greeter = api == null || chat.supportGreeting().isEmpty() ? null : new SupportGreeter(api, chat.supportGreeting());
            routing.register(new WebhookService(new SignatureCheck(chat.webhookSecret(), chat.signatureTolerance(), clock), inbox,
                    adminKey, clock, greeter));
        }
    }
}
