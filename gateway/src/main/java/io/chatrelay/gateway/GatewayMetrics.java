package io.chatrelay.gateway;

import io.chatrelay.broker.StoredFrame;
import io.chatrelay.chat.ChatMetrics;
import io.chatrelay.chat.protocol.ErrorCode;
import io.chatrelay.gateway.ws.WriterEvents;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The gateway's Prometheus metrics ({@code /observe/metrics}), on a Micrometer registry of its
 * own: two gateways in one JVM keep their own counts, and nothing goes to a global registry.
 * Implements the core's {@link ChatMetrics}; the transport reports through
 * {@link #outboundListener()} and the methods below.
 */
public final class GatewayMetrics implements ChatMetrics, AutoCloseable {
    private final PrometheusMeterRegistry registry;
    private final JvmGcMetrics gc = new JvmGcMetrics();
    private final Counter framesIn;
    private final Counter framesOut;
    private final Counter published;
    private final Counter refused;
    private final Counter slowConsumers;
    private final Counter dropped;
    private final Counter heartbeatTimeouts;
    private final Counter floodCloses;
    private final Counter brokerReconnects;
    private final Counter deliveries;
    private final Timer latency;
    private final Map<ErrorCode, Counter> errors = new EnumMap<>(ErrorCode.class);
    /** Stateless, so one for all connections (a new one per connection cost 72 bytes each). */
    private final WriterEvents outboundListener;

    /**
     * Creates a registry for one gateway and registers the meters, each tagged with the node.
     *
     * @param node this gateway's node id
     */
    public GatewayMetrics(String node) {
        this.registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        registry.config().commonTags(Tags.of("node", node));
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        gc.bindTo(registry);
        framesIn = counter("chat_frames_in", "client frames received");
        framesOut = counter("chat_frames_out", "frames written to clients");
        published = counter("chat_messages_published", "messages stored and published by this gateway");
        refused = counter("chat_connections_refused", "connections closed at open (full, draining or not ready)");
        slowConsumers = counter("chat_slow_consumer_closes", "connections closed with 1013 as slow consumers");
        dropped = counter("chat_ephemeral_dropped", "typing/presence frames dropped for slow connections");
        heartbeatTimeouts = counter("chat_heartbeat_timeouts", "connections closed for missing pongs");
        floodCloses = counter("chat_flood_closes", "connections closed with 1008 for flooding");
        brokerReconnects = counter("chat_broker_reconnects", "broker connection restored after a loss");
        deliveries = counter("chat_deliveries", "frames offered to local members by the fan-out");
        latency = Timer.builder("chat_delivery_latency")
                .description("time from a message's ts (sender's gateway clock) to its fan-out here")
                .publishPercentileHistogram()
                .publishPercentiles(0.5, 0.99)
                .minimumExpectedValue(Duration.ofNanos(100_000))
                .maximumExpectedValue(Duration.ofSeconds(10))
                .register(registry);
        for (ErrorCode code : ErrorCode.values()) {
            errors.put(code, Counter.builder("chat_errors").description("error frames sent, by code")
                    .tag("code", code.wire()).register(registry));
        }
        outboundListener = new WriterEvents(framesOut::increment, dropped::increment, slowConsumers::increment);
    }

    private Counter counter(String name, String description) {
        return Counter.builder(name).description(description).register(registry);
    }

    /**
     * Registers a gauge.
     *
     * @param name        meter name
     * @param description what it measures
     * @param value       the value
     */
    public void gauge(String name, String description, Supplier<? extends Number> value) {
        Gauge.builder(name, value).description(description).register(registry);
    }

    /**
     * The metrics in the Prometheus text format.
     *
     * @return the scrape
     */
    public String scrape() {
        return registry.scrape();
    }

    /**
     * The registry (for other meters of this gateway).
     *
     * @return the registry
     */
    public MeterRegistry registry() {
        return registry;
    }

    @Override
    public void brokerReconnected() {
        brokerReconnects.increment();
    }

    @Override
    public void fannedOut(StoredFrame frame, int recipients, long nowMillis) {
        deliveries.increment(recipients);
        long ts = frame.meta().ts();
        if (!frame.ephemeral() && ts > 0 && nowMillis >= ts) {
            latency.record(nowMillis - ts, TimeUnit.MILLISECONDS);
        }
    }

    @Override
    public void frameIn() {
        framesIn.increment();
    }

    @Override
    public void published() {
        published.increment();
    }

    @Override
    public void refused() {
        refused.increment();
    }

    @Override
    public void error(ErrorCode code) {
        errors.get(code).increment();
    }

    /** A connection missed its heartbeat. */
    public void heartbeatTimeout() {
        heartbeatTimeouts.increment();
    }

    /** A connection was closed for flooding. */
    public void floodClosed() {
        floodCloses.increment();
        error(ErrorCode.RATE_LIMITED);
    }

    /**
     * Callbacks for the per-connection writers.
     *
     * @return the listener
     */
    public WriterEvents outboundListener() {
        return outboundListener;
    }

    /**
     * Messages stored and published by this gateway since it started.
     *
     * @return the count
     */
    public long publishedTotal() {
        return (long) published.count();
    }

    /**
     * Frames offered to local members since start.
     *
     * @return the count
     */
    public long deliveriesTotal() {
        return (long) deliveries.count();
    }

    /**
     * A percentile of the recent delivery latency (the last few minutes).
     *
     * @param percentile 0.5 or 0.99
     * @return milliseconds, or 0 when nothing was delivered recently
     */
    public double latencyMillis(double percentile) {
        for (io.micrometer.core.instrument.distribution.ValueAtPercentile v : latency.takeSnapshot().percentileValues()) {
            if (v.percentile() == percentile) {
                return v.value(java.util.concurrent.TimeUnit.MILLISECONDS);
            }
        }
        return 0;
    }

    @Override
    public void close() {
        gc.close();
        registry.close();
    }
}
