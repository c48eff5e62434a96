package io.chatrelay.example.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.chatrelay.example.chat.EventInbox;
import io.chatrelay.example.chat.SignatureCheck;
import io.chatrelay.example.chat.SupportGreeter;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.util.Map;

/**
 * The app's webhook receiver ({@code CHAT_WEBHOOK_URL=http://<app>/chat/webhooks}) and what it
 * received:
 * <ul>
 * <li>{@code POST /chat/webhooks}: an event, checked against its signature (401 without a valid
 * one, and the gateway tries again later), deduplicated by its {@code id} (a duplicate is
 * acknowledged too, so that it stops coming); {@code {"new":true|false}}</li>
 * <li>{@code GET /chat/events} with {@code Authorization: Bearer <admin key>}: the events kept,
 * oldest first, each with its deliveries (which gateway, which try, when it came and when it was
 * answered), and the counts of duplicates and refused signatures</li>
 * <li>{@code PUT /chat/webhooks/delay} {@code {"ms":N}} with the admin key: answer every event N
 * ms after taking it in (0 to 60000; a slow receiver, to watch retries and a gateway's events
 * taken over by another)</li>
 * </ul>
 */
final class WebhookService implements HttpService {
    private static final Logger LOG = System.getLogger(WebhookService.class.getName());
    /** Header of the gateway that delivers. */
    static final String NODE = "Chat-Relay-Node";
    /** Header of the try. */
    static final String ATTEMPT = "Chat-Relay-Attempt";

    private final SignatureCheck signatures;
    private final EventInbox inbox;
    private final AdminKey adminKey;
    private final Clock clock;
    private final java.util.concurrent.atomic.AtomicLong delayMs = new java.util.concurrent.atomic.AtomicLong();
    /** The longest answer delay that can be set. */
    static final long MAX_DELAY_MS = 60_000;

    private final SupportGreeter greeter;

    WebhookService(SignatureCheck signatures, EventInbox inbox, AdminKey adminKey, Clock clock, SupportGreeter greeter) {
        this.greeter = greeter;
        this.signatures = signatures;
        this.inbox = inbox;
        this.adminKey = adminKey;
        this.clock = clock;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post("/chat/webhooks", Json.handler(req -> {
            JsonNode event;
            try {
                event = HookService.signed(req, signatures);
            } catch (HttpProblem e) {
                if (e.code().equals("unauthorized")) {
                    inbox.refused();
                    LOG.log(Level.WARNING, "event=webhook_refused reason=signature");
                }
                throw e;
            }
            String id = Json.requiredText(event, "id");
            String type = Json.requiredText(event, "type");
            String node = req.headers().first(HeaderNames.create(NODE)).orElse("");
            int attempt;
            try {
                attempt = Integer.parseInt(req.headers().first(HeaderNames.create(ATTEMPT)).orElse("0"));
            } catch (NumberFormatException e) {
                attempt = 0;
            }
            EventInbox.Delivery delivery = new EventInbox.Delivery(node, attempt, clock.millis());
            boolean fresh = inbox.add(id, type, event, delivery);
            if (fresh && greeter != null) {
                greeter.onEvent(type, event);
            }
            LOG.log(Level.DEBUG, "event=webhook_received id={0} type={1} new={2}", id, type, fresh);
            long delay = delayMs.get();
            if (delay > 0) {
                try {
                    Thread.sleep(delay); // the slow receiver asked for (this request's own virtual thread)
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            delivery.answered(clock.millis());
            return Map.of("new", fresh);
        }));
        rules.put("/chat/webhooks/delay", Json.handler(req -> {
            adminKey.require(Json.bearer(req), "setting the delay");
            JsonNode ms = Json.body(req).path("ms");
            if (!ms.isIntegralNumber() || ms.asLong() < 0 || ms.asLong() > MAX_DELAY_MS) {
                throw HttpProblem.badRequest("ms must be 0-" + MAX_DELAY_MS);
            }
            delayMs.set(ms.asLong());
            LOG.log(Level.INFO, "event=webhook_delay ms={0}", ms.asLong());
            return Map.of("ms", ms.asLong());
        }));
        rules.get("/chat/events", Json.handler(req -> {
            adminKey.require(Json.bearer(req), "reading the events");
            return inbox.snapshot();
        }));
    }
}
