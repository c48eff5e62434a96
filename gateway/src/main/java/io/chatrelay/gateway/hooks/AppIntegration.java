package io.chatrelay.gateway.hooks;

import io.chatrelay.broker.EventLog;
import io.chatrelay.chat.ChatEvents;
import io.chatrelay.chat.ChatHooks;
import io.chatrelay.gateway.config.GatewayConfig;
import io.chatrelay.gateway.config.HookSettings;
import io.chatrelay.gateway.config.WebhookSettings;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * What the configuration asks of the application's integration, built in one place: the hooks
 * the core asks ({@link HttpHooks}, or none), the sink of its events ({@link EventRecorder} when
 * webhooks are on, or none) and the {@link WebhookDispatcher}. Started after the core (the event
 * log needs the broker), closed before it.
 */
public final class AppIntegration implements AutoCloseable {
    private final ChatHooks hooks;
    private final ChatEvents events;
    private final WebhookDispatcher dispatcher;

    private AppIntegration(ChatHooks hooks, ChatEvents events, WebhookDispatcher dispatcher) {
        this.hooks = hooks;
        this.events = events;
        this.dispatcher = dispatcher;
    }

    /**
     * Builds what the configuration asks for.
     *
     * @param config   the gateway's settings
     * @param log      the shared event log
     * @param registry the gateway's meter registry
     * @return the integration, not started
     */
    public static AppIntegration of(GatewayConfig config, EventLog log, MeterRegistry registry) {
        HookSettings h = config.hooks();
        ChatHooks hooks = h.enabled() ? new HttpHooks(h, config.nodeId(), new HookMetrics(registry), System::currentTimeMillis)
                : ChatHooks.NONE;
        WebhookSettings w = config.webhooks();
        if (!w.enabled()) {
            return new AppIntegration(hooks, ChatEvents.NONE, null);
        }
        return new AppIntegration(hooks, new EventRecorder(log, config.nodeId(), w::delivers, registry),
                new WebhookDispatcher(w, log, config.nodeId(), new WebhookMetrics(registry), System::currentTimeMillis));
    }

    /**
     * The hooks for the core.
     *
     * @return the hooks ({@link ChatHooks#NONE} when none are configured)
     */
    public ChatHooks hooks() {
        return hooks;
    }

    /**
     * The event sink for the core.
     *
     * @return the sink ({@link ChatEvents#NONE} without webhooks)
     */
    public ChatEvents events() {
        return events;
    }

    /** Starts delivering webhooks (when configured). */
    public void start() {
        if (dispatcher != null) {
            dispatcher.start();
        }
    }

    /** Stops delivering (what is in flight may finish, within the timeout) and closes the HTTP clients. */
    @Override
    public void close() {
        if (dispatcher != null) {
            dispatcher.close();
        }
        if (hooks instanceof HttpHooks http) {
            http.close();
        }
    }
}
