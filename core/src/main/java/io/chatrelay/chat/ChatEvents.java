package io.chatrelay.chat;

/**
 * Where the core reports {@link ChatEvent}s (the gateway writes them to the shared event log that
 * webhooks deliver from). Called on broker threads: must not block.
 */
@FunctionalInterface
public interface ChatEvents {
    /** Events go nowhere. */
    ChatEvents NONE = event -> {
    };

    /**
     * Reports an event.
     *
     * @param event the event
     */
    void emit(ChatEvent event);
}
