/**
 * The chat core: {@link io.chatrelay.chat.ChatCore} and what it is made of, with no transport in
 * it (no Helidon). Doors call it with {@link io.chatrelay.chat.Session}s whose frames go out
 * through a {@link io.chatrelay.chat.Recipient}; the broker delivers to it.
 */
package io.chatrelay.chat;
