package io.chatrelay.gateway.hooks;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The hook meters of one gateway, on its registry: {@code chat_hook_latency{hook}} (one hook
 * request, until its answer or failure: what a join or send waits), {@code chat_hook_denied_total{hook}},
 * {@code chat_hook_rewritten_total}, {@code chat_hook_failures_total{hook,reason}} ({@code timeout},
 * {@code status}, {@code invalid}, {@code error}, {@code busy}; each then decided by the failure policy).
 */
public final class HookMetrics {
    private final MeterRegistry registry;

    /**
     * Registers the meters.
     *
     * @param registry the gateway's registry
     */
    public HookMetrics(MeterRegistry registry) {
        this.registry = registry;
        for (String hook : new String[] {"join", "publish"}) {
            timer(hook);
            denied(hook, 0);
            for (String reason : new String[] {"timeout", "status", "invalid", "error", "busy"}) {
                failures(hook, reason);
            }
        }
        rewrites();
    }

    private Timer timer(String hook) {
        return Timer.builder("chat_hook_latency").description("one hook request, until its answer or failure").tag("hook", hook)
                .publishPercentileHistogram().minimumExpectedValue(Duration.ofNanos(100_000)).maximumExpectedValue(Duration.ofSeconds(30))
                .register(registry);
    }

    private Counter failures(String hook, String reason) {
        return Counter.builder("chat_hook_failures").description("hook requests that failed (then decided by the failure policy)")
                .tag("hook", hook).tag("reason", reason).register(registry);
    }

    private void denied(String hook, double n) {
        Counter.builder("chat_hook_denied").description("refusals by the application's hooks").tag("hook", hook).register(registry)
                .increment(n);
    }

    private Counter rewrites() {
        return Counter.builder("chat_hook_rewritten").description("sends whose text the publish hook replaced").register(registry);
    }

    void answered(String hook, long nanos) {
        timer(hook).record(nanos, TimeUnit.NANOSECONDS);
    }

    void denied(String hook) {
        denied(hook, 1);
    }

    void rewritten() {
        rewrites().increment();
    }

    void failed(String hook, String reason) {
        failures(hook, reason).increment();
    }
}
