/**
 * The chat-relay gateway: {@link io.chatrelay.gateway.Main} reads the configuration;
 * {@link io.chatrelay.gateway.Gateway} is the one composition root (backend, chat core, doors,
 * metrics, the Helidon WebServer); {@link io.chatrelay.gateway.Drain} is the graceful shutdown.
 */
package io.chatrelay.gateway;
