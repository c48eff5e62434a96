package io.chatrelay.gateway.ws;

/**
 * What the per-connection writers report, for metrics.
 *
 * @param onSent         a frame was written
 * @param onDropped      an ephemeral frame was dropped
 * @param onSlowConsumer a connection was closed as a slow consumer
 */
public record WriterEvents(Runnable onSent, Runnable onDropped, Runnable onSlowConsumer) implements Outbound.Listener {
    @Override
    public void sent() {
        onSent.run();
    }

    @Override
    public void dropped() {
        onDropped.run();
    }

    @Override
    public void slowConsumer() {
        onSlowConsumer.run();
    }
}
