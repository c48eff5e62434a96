/**
 * Gateway settings: {@code application.yaml} defaults, overridden by {@code CHAT_*} environment
 * variables through one explicit mapping ({@link io.chatrelay.gateway.config.EnvMapping}).
 */
package io.chatrelay.gateway.config;
