/**
 * The example app backend of chat-relay: what an app runs beside the gateways to log its users
 * in and sign their connection and room tokens. {@link io.chatrelay.example.AppBackend} wires it.
 */
package io.chatrelay.example;
