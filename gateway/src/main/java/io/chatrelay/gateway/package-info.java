/**
 * The chat-relay gateway: {@link io.chatrelay.gateway.Main} wires the configuration, the broker
 * and the Helidon WebServer ({@link io.chatrelay.gateway.Gateway}).
 */
package io.chatrelay.gateway;
