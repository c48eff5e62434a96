package io.chatrelay.gateway.hooks;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.chatrelay.broker.EventLog;
import io.chatrelay.chat.ChatEvent;
import io.chatrelay.chat.ChatEvents;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

import java.io.IOException;
import java.io.StringWriter;
import java.lang.System.Logger.Level;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Predicate;

/**
 * The core's event sink when webhooks are on: writes each event, as the JSON the receiver will
 * get, to the shared {@link EventLog}, without blocking (the append is asynchronous). An event
 * that cannot be written is counted ({@code chat_webhook_events_lost_total}) and logged, never
 * thrown into the core.
 *
 * <p>The body: {@code {"id":"<uuid>","type":"message.created","ts":<epoch ms>,"node":"<gateway>",}
 * then the event's fields (their {@code id}, a message's, as {@code message_id}), and for
 * {@code message.created} {@code "message":{...}}, the stored message exactly as clients receive it.
 */
public final class EventRecorder implements ChatEvents {
    private static final System.Logger LOG = System.getLogger(EventRecorder.class.getName());
    private static final JsonFactory JSON = new JsonFactory();

    private final EventLog log;
    private final String node;
    private final Predicate<String> types;
    private final Counter recorded;
    private final Counter lost;

    /**
     * Creates the sink.
     *
     * @param log      where events go
     * @param node     this gateway's node id (written in each event)
     * @param types    which event types are written
     * @param registry the gateway's meter registry
     */
    public EventRecorder(EventLog log, String node, Predicate<String> types, MeterRegistry registry) {
        this.log = log;
        this.node = node;
        this.types = types;
        this.recorded = Counter.builder("chat_webhook_events_recorded").description("application events written to the event log")
                .register(registry);
        this.lost = Counter.builder("chat_webhook_events_lost")
                .description("application events that could not be written to the event log (never delivered)").register(registry);
    }

    @Override
    public void emit(ChatEvent event) {
        if (!types.test(event.type())) {
            return;
        }
        try {
            log.append(body(event)).whenComplete((id, error) -> {
                if (error == null) {
                    recorded.increment();
                } else {
                    lost(event, error);
                }
            });
        } catch (IOException | RuntimeException e) {
            lost(event, e);
        }
    }

    private void lost(ChatEvent event, Throwable error) {
        lost.increment();
        LOG.log(Level.WARNING, "event=webhook_event_lost type={0} error={1}", event.type(), String.valueOf(error));
    }

    /**
     * The JSON of an event.
     *
     * @param event the event
     * @return the body delivered
     * @throws IOException never in practice (writes to memory)
     */
    String body(ChatEvent event) throws IOException {
        StringWriter out = new StringWriter(256 + (event.frame() == null ? 0 : event.frame().length()));
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("id", UUID.randomUUID().toString());
            g.writeStringField("type", event.type());
            g.writeNumberField("ts", event.ts());
            g.writeStringField("node", node);
            for (Map.Entry<String, String> f : new TreeMap<>(event.fields()).entrySet()) {
                g.writeStringField(f.getKey().equals("id") ? "message_id" : f.getKey(), f.getValue());
            }
            if (event.frame() != null) {
                // the stored message as clients get it: written as it is, never parsed again
                g.writeFieldName("message");
                g.writeRawValue(event.frame());
            }
            g.writeEndObject();
        }
        return out.toString();
    }
}
