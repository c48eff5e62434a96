/**
 * The WebSocket side of the gateway: the handshake (identity, origin), one
 * {@link io.chatrelay.gateway.ws.ChatEndpoint} per connection, its
 * {@link io.chatrelay.gateway.ws.ChatSession} with a single writer, and the frame handlers.
 */
package io.chatrelay.gateway.ws;
