/**
 * The protocol (see docs/protocol.md): client frames decoded into the sealed
 * {@link io.chatrelay.chat.protocol.ClientFrame}, server frames written once by
 * {@link io.chatrelay.chat.protocol.ServerFrames}, and the documented error codes.
 */
package io.chatrelay.chat.protocol;
