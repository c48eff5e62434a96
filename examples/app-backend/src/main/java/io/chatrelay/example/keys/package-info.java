/**
 * Signing keys: {@link io.chatrelay.example.keys.SharedSecret} (HS256) or a rotating
 * {@link io.chatrelay.example.keys.KeyRing} (RS256/ES256) published as a JWKS.
 */
package io.chatrelay.example.keys;
