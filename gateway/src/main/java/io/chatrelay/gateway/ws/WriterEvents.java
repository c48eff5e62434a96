package io.chatrelay.gateway.ws;

/**
 * What the per-connection writers report, for metrics.
 *
 * @param onSent         frames were written (how many)
 * @param onDropped      an ephemeral frame was dropped
 * @param onSlowConsumer a connection was closed as a slow consumer
 */
public record WriterEvents(java.util.function.IntConsumer onSent, Runnable onDropped, Runnable onSlowConsumer)
        implements Outbound.Listener {
    @Override
    public void sent(int frames) {
        onSent.accept(frames);
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
