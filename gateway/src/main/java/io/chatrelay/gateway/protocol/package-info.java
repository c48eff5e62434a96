/**
 * Protocol v1 (see docs/protocol.md): client frames decoded into the sealed
 * {@link io.chatrelay.gateway.protocol.ClientFrame}, server frames written once by
 * {@link io.chatrelay.gateway.protocol.ServerFrames}, and the documented error codes.
 */
package io.chatrelay.gateway.protocol;
