package io.chatrelay.example.chat;

import com.fasterxml.jackson.databind.JsonNode;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;

/**
 * Greets whoever joins a {@code support:<team>} room, through the server API: the webhook
 * {@code member.joined} arrives (at least once), and the greeting is published with the event's
 * id as its {@code cid}, so a webhook delivered twice (or a publish retried) still greets once.
 */
public final class SupportGreeter {
    private static final Logger LOG = System.getLogger(SupportGreeter.class.getName());
    /** The greeting's sender id. */
    public static final String FROM = "support-bot";
    /** The greeting's sender name. */
    public static final String NAME = "Support";

    private final ChatApiClient api;
    private final String greeting;

    /**
     * Creates the greeter.
     *
     * @param api      the server API
     * @param greeting the text; {@code {name}} is replaced by the member's display name
     */
    public SupportGreeter(ChatApiClient api, String greeting) {
        this.api = api;
        this.greeting = greeting;
    }

    /**
     * An event arrived (the first time its id was seen): greets a member who joined a support room.
     * Does not block: the publish runs in the background; a failure is logged (the gateway will
     * not deliver the same event again once answered; a new member event greets anew).
     *
     * @param type  the event's type
     * @param event the event
     */
    public void onEvent(String type, JsonNode event) {
        String room = event.path("room").asText("");
        if (!"member.joined".equals(type) || !room.startsWith("support:")) {
            return;
        }
        String id = event.path("id").asText();
        String name = event.path("name").asText(event.path("user").asText());
        String text = greeting.replace("{name}", name);
        api.publish(room, FROM, NAME, text, "greet-" + id).whenComplete((answer, error) -> {
            if (error != null) {
                LOG.log(Level.WARNING, "event=greeting_failed room={0} error={1}", room, error.toString());
            } else if (!answer.ok()) {
                LOG.log(Level.WARNING, "event=greeting_refused room={0} status={1} code={2}", room, answer.status(),
                        answer.body().path("code").asText());
            }
        });
    }
}
