package io.chatrelay.chat;

import io.chatrelay.chat.protocol.Post;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The application's synchronous say over joins and sends (the gateway asks its backend over
 * HTTP): allow, deny with a reason the client sees, or, for a send, rewrite the text. An
 * implementation bounds its own time and applies its own failure policy (fail open or closed):
 * what it returns is the decision.
 */
public interface ChatHooks {
    /**
     * A hook's decision.
     *
     * @param allowed whether to go on
     * @param reason  why not (shown to the client), or {@code null}
     * @param text    the text to store instead (a send only), or {@code null} to keep it
     */
    record Verdict(boolean allowed, String reason, String text) {
        /** Go on unchanged. */
        public static final Verdict ALLOW = new Verdict(true, null, null);

        /**
         * A refusal.
         *
         * @param reason why
         * @return the verdict
         */
        public static Verdict deny(String reason) {
            return new Verdict(false, reason, null);
        }
    }

    /** No hooks: everything goes on. */
    ChatHooks NONE = new ChatHooks() {
        @Override
        public boolean publishes(String room) {
            return false;
        }

        @Override
        public Verdict beforeJoin(Identity who, String room) {
            return Verdict.ALLOW;
        }

        @Override
        public CompletionStage<Verdict> beforePublish(Identity who, String room, Post post) {
            return CompletableFuture.completedFuture(Verdict.ALLOW);
        }
    };

    /**
     * Whether sends to a room go through the publish hook.
     *
     * @param room the room
     * @return {@code true} to ask
     */
    boolean publishes(String room);

    /**
     * Asks whether a user may join a room (one of a namespace whose policy is {@code hook}). Blocks (the session's own virtual thread), within the
     * hook's timeout.
     *
     * @param who  the user
     * @param room the room
     * @return the decision
     */
    Verdict beforeJoin(Identity who, String room);

    /**
     * Asks whether a message may be stored, and with which text.
     *
     * @param who  the sender
     * @param room the room
     * @param post the message
     * @return the decision
     */
    CompletionStage<Verdict> beforePublish(Identity who, String room, Post post);
}
