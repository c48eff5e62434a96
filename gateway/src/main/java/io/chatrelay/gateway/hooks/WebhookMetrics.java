package io.chatrelay.gateway.hooks;

import io.chatrelay.broker.EventLog;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * The webhook meters of one gateway, on its registry: {@code chat_webhook_delivered_total},
 * {@code chat_webhook_failed_attempts_total{reason}} ({@code status}, {@code timeout},
 * {@code error}), {@code chat_webhook_dead_lettered_total}, {@code chat_webhook_latency} (from the
 * event's append to its acknowledged delivery), {@code chat_webhook_request} (one POST), and
 * gauges of the shared log, read every {@link #STATS_PERIOD}: {@code chat_webhook_pending},
 * {@code chat_webhook_lag}, {@code chat_webhook_dead_letters}; {@code chat_webhook_in_flight}.
 */
public final class WebhookMetrics {
    /** How often the shared log's state is read for the gauges. */
    static final Duration STATS_PERIOD = Duration.ofSeconds(5);

    private final MeterRegistry registry;
    private final Counter delivered;
    private final Counter deadLettered;
    private final Map<String, Counter> failed = new ConcurrentHashMap<>();
    private final Timer latency;
    private final Timer request;
    private final AtomicReference<EventLog.Stats> stats = new AtomicReference<>(new EventLog.Stats(0, 0, 0, 0));

    /**
     * Registers the meters.
     *
     * @param registry the gateway's registry
     */
    public WebhookMetrics(MeterRegistry registry) {
        this.registry = registry;
        delivered = Counter.builder("chat_webhook_delivered").description("webhook deliveries acknowledged with 2xx").register(registry);
        deadLettered = Counter.builder("chat_webhook_dead_lettered").description("events moved to the dead letters by this gateway")
                .register(registry);
        for (String reason : new String[] {"status", "timeout", "error"}) {
            failed.put(reason, Counter.builder("chat_webhook_failed_attempts").description("webhook tries that failed, by reason")
                    .tag("reason", reason).register(registry));
        }
        latency = Timer.builder("chat_webhook_latency").description("from an event's append to its acknowledged delivery")
                .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofHours(1))
                .register(registry);
        request = Timer.builder("chat_webhook_request").description("one webhook POST, until its answer or failure")
                .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofMinutes(1))
                .register(registry);
        gauge("chat_webhook_pending", "events handed to a gateway and not acknowledged yet (all gateways)", () -> stats.get().pending());
        gauge("chat_webhook_lag", "events not handed to any gateway yet", () -> stats.get().lag());
        gauge("chat_webhook_dead_letters", "events in the dead letters (bounded)", () -> stats.get().deadLetters());
    }

    private void gauge(String name, String description, Supplier<Number> value) {
        Gauge.builder(name, value).description(description).register(registry);
    }

    void inFlight(Supplier<Number> value) {
        gauge("chat_webhook_in_flight", "webhook deliveries in flight on this gateway", value);
    }

    void delivered(long appendedAt, long now) {
        delivered.increment();
        if (appendedAt > 0 && now >= appendedAt) {
            latency.record(now - appendedAt, TimeUnit.MILLISECONDS);
        }
    }

    void request(long nanos) {
        request.record(nanos, TimeUnit.NANOSECONDS);
    }

    void failedAttempt(String reason) {
        failed.get(reason).increment();
    }

    void deadLettered() {
        deadLettered.increment();
    }

    void stats(EventLog.Stats now) {
        stats.set(now);
    }
}
