/**
 * The HTTP door (Helidon SE): token endpoints, JWKS and key rotation, the answers to the
 * gateway's hooks, the webhook receiver, health; JSON with Jackson. It only translates: the
 * decisions are {@link io.chatrelay.example.access.ChatAccess}'s and
 * {@link io.chatrelay.example.chat.WordFilter}'s.
 */
package io.chatrelay.example.http;
