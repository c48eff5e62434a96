/**
 * The tokens the gateway accepts: connection tokens and room tokens, signed by
 * {@link io.chatrelay.example.tokens.TokenIssuer} with the configured keys.
 */
package io.chatrelay.example.tokens;
