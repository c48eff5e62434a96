package io.chatrelay.gateway;

import io.chatrelay.gateway.protocol.ErrorCode;
import io.helidon.metrics.api.Counter;
import io.helidon.metrics.api.Gauge;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.Metrics;
import io.helidon.metrics.api.Tag;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/** The gateway's Prometheus metrics, exposed at {@code /observe/metrics}. */
public final class GatewayMetrics {
    private final MeterRegistry registry;
    private final AtomicInteger sessions = new AtomicInteger();
    private final Counter framesIn;
    private final Counter framesOut;
    private final Counter published;
    private final Counter refused;
    private final Counter slowConsumers;
    private final Counter dropped;
    private final Counter heartbeatTimeouts;
    private final Counter brokerReconnects;
    private final io.helidon.metrics.api.Timer latency;
    private final Map<ErrorCode, Counter> errors = new EnumMap<>(ErrorCode.class);

    /**
     * Registers the meters in the global registry.
     *
     * @param node this gateway's node id, a tag on every meter
     */
    public GatewayMetrics(String node) {
        this.registry = Metrics.globalRegistry();
        List<Tag> tags = List.of(Tag.create("node", node));
        registry.getOrCreate(Gauge.builder("chat_sessions", sessions::get).tags(tags).description("open WebSocket sessions"));
        framesIn = counter("chat_frames_in", "client frames received", tags);
        framesOut = counter("chat_frames_out", "frames written to clients", tags);
        published = counter("chat_messages_published", "messages stored and published by this gateway", tags);
        refused = counter("chat_connections_refused", "connections closed at open (full or draining)", tags);
        slowConsumers = counter("chat_slow_consumer_closes", "connections closed with 1013 as slow consumers", tags);
        dropped = counter("chat_ephemeral_dropped", "typing/presence frames dropped for slow connections", tags);
        heartbeatTimeouts = counter("chat_heartbeat_timeouts", "connections closed for missing pongs", tags);
        brokerReconnects = counter("chat_broker_reconnects", "broker connection restored after a loss", tags);
        latency = registry.getOrCreate(io.helidon.metrics.api.Timer.builder("chat_delivery_latency")
                .tags(tags).description("time from a message's ts (sender's gateway clock) to its fan-out here")
                .publishPercentileHistogram(true)
                .minimumExpectedValue(java.time.Duration.ofNanos(100_000))
                .maximumExpectedValue(java.time.Duration.ofSeconds(10)));
        for (ErrorCode code : ErrorCode.values()) {
            List<Tag> withCode = List.of(Tag.create("node", node), Tag.create("code", code.wire()));
            errors.put(code, counter("chat_errors", "error frames sent, by code", withCode));
        }
    }

    private Counter counter(String name, String description, List<Tag> tags) {
        return registry.getOrCreate(Counter.builder(name).tags(tags).description(description));
    }

    /**
     * Registers a gauge.
     *
     * @param name        meter name
     * @param description what it measures
     * @param node        node tag
     * @param value       the value
     */
    public void gauge(String name, String description, String node, Supplier<? extends Number> value) {
        registry.getOrCreate(Gauge.builder(name, () -> value.get().doubleValue())
                .tags(List.of(Tag.create("node", node))).description(description));
    }

    /** The broker connection came back. */
    public void brokerReconnected() {
        brokerReconnects.increment();
    }

    /**
     * Records publish-to-fan-out latency of a stored room or direct message frame, read from its
     * {@code "ts":} field (written last by {@code ServerFrames}); other frames are ignored.
     *
     * @param frame  the frame text
     * @param nowMillis current epoch milliseconds
     */
    public void delivered(String frame, long nowMillis) {
        int at = frame.lastIndexOf("\"ts\":");
        if (at < 0) {
            return;
        }
        long ts = 0;
        for (int i = at + 5; i < frame.length(); i++) {
            char c = frame.charAt(i);
            if (c < '0' || c > '9') {
                break;
            }
            ts = ts * 10 + (c - '0');
        }
        if (ts > 0 && nowMillis >= ts) {
            latency.record(java.time.Duration.ofMillis(nowMillis - ts));
        }
    }

    /** A session opened. */
    public void opened() {
        sessions.incrementAndGet();
    }

    /** A session closed. */
    public void closed() {
        sessions.decrementAndGet();
    }

    /**
     * Open sessions.
     *
     * @return the count
     */
    public int sessions() {
        return sessions.get();
    }

    /** A client frame arrived. */
    public void frameIn() {
        framesIn.increment();
    }

    /** A message was stored and published. */
    public void published() {
        published.increment();
    }

    /** A connection was refused at open. */
    public void refused() {
        refused.increment();
    }

    /** A connection missed its heartbeat. */
    public void heartbeatTimeout() {
        heartbeatTimeouts.increment();
    }

    /**
     * An error frame was sent.
     *
     * @param code its code
     */
    public void error(ErrorCode code) {
        errors.get(code).increment();
    }

    /**
     * Callbacks for the per-connection writers.
     *
     * @return the listener
     */
    public io.chatrelay.gateway.ws.WriterEvents outboundListener() {
        return new io.chatrelay.gateway.ws.WriterEvents(framesOut::increment, dropped::increment, slowConsumers::increment);
    }
}
