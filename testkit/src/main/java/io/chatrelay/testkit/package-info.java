/**
 * Test support for chat-relay, shared by the gateway's and the compose stack's tests:
 * {@link io.chatrelay.testkit.ChatClient}, the one WebSocket test client (protocols 1 and 2);
 * {@link io.chatrelay.testkit.ResilientClient}, a reconnecting wrapper of it that rejoins with
 * {@code since} and records every message id; {@link io.chatrelay.testkit.RawWsClient}, raw frames
 * on a socket for malformed input; {@link io.chatrelay.testkit.Frames}, frame builders, predicates
 * and message-id order. No Helidon, no Docker.
 */
package io.chatrelay.testkit;
