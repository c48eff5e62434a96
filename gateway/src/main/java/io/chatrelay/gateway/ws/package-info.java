/**
 * The WebSocket door: a thin Helidon adapter in front of the chat core.
 * {@link io.chatrelay.gateway.ws.WebSocketDoor} makes one {@code Connection} per WebSocket (the
 * Helidon listener and the core's {@code Recipient}), decided by the
 * {@link io.chatrelay.gateway.ws.Handshake}; each connection has a single writer
 * ({@code Outbound}), a rate limit and heartbeats. No room logic lives here.
 */
package io.chatrelay.gateway.ws;
