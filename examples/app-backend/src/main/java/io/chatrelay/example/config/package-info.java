/**
 * Settings: {@code application.yaml} defaults, overridden by environment variables through one
 * explicit mapping ({@link io.chatrelay.example.config.EnvMapping}).
 */
package io.chatrelay.example.config;
