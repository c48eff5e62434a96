package io.chatrelay.gateway.hooks;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.chatrelay.broker.EventLog;
import io.chatrelay.gateway.config.WebhookSettings;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.URI;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;

/**
 * Delivers the events of the shared {@link EventLog} to the application's webhook URL: one per
 * gateway, consumer name = node id, so each event goes to one gateway of the consumer group. A
 * virtual-thread loop takes the retries that are due, then new events, as many as there are free
 * delivery slots ({@link WebhookSettings#concurrency()}), and POSTs each, signed
 * ({@link Signature}); it polls every {@value #IDLE_MS} ms when there is nothing to do.
 *
 * <p>A 2xx answer acknowledges the event. Anything else (another status, a timeout, a refused
 * connection) leaves it pending: it is handed out again, to any gateway, after
 * {@code backoff * 2^(tries-1)} (at most {@code maxBackoff}); after {@code maxAttempts} tries it
 * goes to the dead letters. A gateway that dies mid-delivery leaves its events pending: another
 * one takes them over after the backoff (at least once; the receiver dedups by event id).
 */
public final class WebhookDispatcher implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(WebhookDispatcher.class.getName());
    /** Header: the event's id (the body's {@code id}: the same on every retry). */
    public static final String EVENT_ID = "Chat-Relay-Event-Id";
    /** Header: the event's type. */
    public static final String EVENT_TYPE = "Chat-Relay-Event-Type";
    /** Header: which try this is, from 1. */
    public static final String ATTEMPT = "Chat-Relay-Attempt";
    static final long IDLE_MS = 200;
    private static final int MAX_RESPONSE = 16 * 1024;
    private static final JsonFactory JSON = new JsonFactory();

    private final WebhookSettings settings;
    private final EventLog log;
    private final String node;
    private final URI url;
    private final SignedPoster poster;
    private final WebhookMetrics metrics;
    private final LongSupplier clock;
    private final Semaphore slots;
    private volatile boolean running;
    private volatile Thread loop;
    private long statsAt;

    /**
     * Creates a dispatcher (not started).
     *
     * @param settings the webhook settings (a URL set)
     * @param log      the shared event log
     * @param node     this gateway's node id: its consumer name
     * @param metrics  where it reports
     * @param clock    epoch milliseconds
     */
    public WebhookDispatcher(WebhookSettings settings, EventLog log, String node, WebhookMetrics metrics, LongSupplier clock) {
        this.settings = settings;
        this.log = log;
        this.node = node;
        this.url = URI.create(settings.url());
        this.poster = new SignedPoster(settings.secret(), settings.timeout(), MAX_RESPONSE, node, clock);
        this.metrics = metrics;
        this.clock = clock;
        this.slots = new Semaphore(settings.concurrency());
        metrics.inFlight(() -> settings.concurrency() - slots.availablePermits());
    }

    /** Starts the delivery loop. */
    public void start() {
        running = true;
        loop = Thread.ofVirtual().name("webhooks-" + node).start(this::run);
    }

    private void run() {
        while (running) {
            try {
                if (round() == 0) {
                    Thread.sleep(IDLE_MS); // the polling interval when idle, not a synchronisation
                }
            } catch (InterruptedException e) {
                return;
            } catch (ExecutionException | TimeoutException | RuntimeException e) {
                // the event log is unavailable (broker down): try again after a pause
                LOG.log(Level.DEBUG, "event=webhook_poll_failed error={0}", String.valueOf(e));
                try {
                    Thread.sleep(IDLE_MS);
                } catch (InterruptedException ie) {
                    return;
                }
            }
        }
    }

    /** Takes what is due and new, up to the free slots, and starts delivering it; returns how many. */
    private int round() throws InterruptedException, ExecutionException, TimeoutException {
        refreshStats();
        slots.acquire();
        int free = 1 + slots.drainPermits();
        List<EventLog.Event> events = new ArrayList<>();
        try {
            events.addAll(await(log.due(node, settings.backoff(), settings.maxBackoff(), free)));
            if (events.size() < free) {
                events.addAll(await(log.next(node, free - events.size())));
            }
        } finally {
            // what was taken is delivered (and holds its slot) even when asking for more failed
            slots.release(free - events.size());
            for (EventLog.Event event : events) {
                deliver(event);
            }
        }
        return events.size();
    }

    private <T> T await(CompletionStage<T> stage) throws InterruptedException, ExecutionException, TimeoutException {
        return stage.toCompletableFuture().get(settings.timeout().toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Delivers one event; its slot is released when the outcome is recorded in the log. */
    private void deliver(EventLog.Event event) {
        if (event.deliveries() > settings.maxAttempts()) {
            // its last try was cut short (the gateway delivering it stopped): no try left
            finish(giveUp(event, "no answer after " + settings.maxAttempts() + " attempts"));
            return;
        }
        String[] idAndType = idAndType(event);
        long started = System.nanoTime();
        CompletionStage<Void> outcome = poster.post(url, event.body().getBytes(StandardCharsets.UTF_8),
                        Map.of(EVENT_ID, idAndType[0], EVENT_TYPE, idAndType[1], ATTEMPT, Long.toString(event.deliveries())))
                .handle((response, error) -> {
                    metrics.request(System.nanoTime() - started);
                    return error == null && response.statusCode() / 100 == 2 ? null : failure(response, error);
                })
                .thenCompose(failure -> {
                    if (failure == null) {
                        return log.ack(event.id()).thenRun(() -> metrics.delivered(appendedAt(event.id()), clock.getAsLong()));
                    }
                    metrics.failedAttempt(failure[0]);
                    LOG.log(Level.INFO, "event=webhook_failed id={0} attempt={1} reason={2}", idAndType[0], event.deliveries(), failure[1]);
                    return event.deliveries() >= settings.maxAttempts()
                            ? giveUp(event, failure[1])
                            : CompletableFuture.<Void>completedFuture(null);
                });
        finish(outcome);
    }

    private void finish(CompletionStage<Void> outcome) {
        outcome.whenComplete((v, error) -> {
            slots.release();
            if (error != null) {
                // the ack or the move to the dead letters did not happen: the event stays pending and comes back
                LOG.log(Level.DEBUG, "event=webhook_outcome_not_recorded error={0}", String.valueOf(error));
            }
        });
    }

    private CompletionStage<Void> giveUp(EventLog.Event event, String reason) {
        LOG.log(Level.WARNING, "event=webhook_dead_lettered log_id={0} attempts={1} reason={2}", event.id(),
                String.valueOf(event.deliveries()), reason);
        return log.deadLetter(event, reason).thenRun(metrics::deadLettered);
    }

    /** Why a try failed: {metric reason, text}, or {@code null} when it did not. */
    private static String[] failure(HttpResponse<byte[]> response, Throwable error) {
        if (error == null) {
            return new String[] {"status", "HTTP " + response.statusCode()};
        }
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        if (cause instanceof TimeoutException || cause instanceof HttpTimeoutException) {
            return new String[] {"timeout", "no answer in time"};
        }
        return new String[] {"error", cause.getClass().getSimpleName() + (cause.getMessage() == null ? "" : ": " + cause.getMessage())};
    }

    /** The body's {@code id} and {@code type} (its first fields), read without parsing the rest. */
    private static String[] idAndType(EventLog.Event event) {
        String[] out = {event.id(), "unknown"};
        try (JsonParser p = JSON.createParser(event.body())) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return out;
            }
            for (int found = 0; found < 2 && p.nextToken() == JsonToken.FIELD_NAME; ) {
                String name = p.currentName();
                p.nextToken();
                if (name.equals("id") || name.equals("type")) {
                    out[name.equals("id") ? 0 : 1] = p.getValueAsString();
                    found++;
                } else {
                    p.skipChildren();
                }
            }
        } catch (IOException e) {
            LOG.log(Level.DEBUG, "event=webhook_body_unreadable log_id={0}", event.id());
        }
        return out;
    }

    /** When the event was appended: a log id is {@code <epoch ms>-<sequence>}; -1 when it is not. */
    private static long appendedAt(String logId) {
        int dash = logId.indexOf('-');
        try {
            return Long.parseLong(dash < 0 ? logId : logId.substring(0, dash));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private void refreshStats() {
        long now = clock.getAsLong();
        if (now - statsAt < WebhookMetrics.STATS_PERIOD.toMillis()) {
            return;
        }
        statsAt = now;
        log.stats().thenAccept(metrics::stats);
    }

    /**
     * Stops taking events and waits (at most the timeout) for the deliveries in flight; what is
     * not acknowledged stays pending, and another gateway takes it over.
     */
    @Override
    public void close() {
        running = false;
        Thread t = loop;
        if (t != null) {
            t.interrupt();
            try {
                t.join(Duration.ofSeconds(5));
                if (slots.tryAcquire(settings.concurrency(), settings.timeout().toMillis() + 1000, TimeUnit.MILLISECONDS)) {
                    slots.release(settings.concurrency());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        poster.close();
    }
}
