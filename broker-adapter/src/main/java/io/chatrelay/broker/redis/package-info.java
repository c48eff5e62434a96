/**
 * {@link io.chatrelay.broker.redis.RedisBroker}: the broker for many gateways, on Redis through
 * Lettuce. History is a capped Redis Stream per topic; each append is one Lua script doing
 * {@code XADD} then {@code PUBLISH}; presence is a sorted set per topic scored by expiry.
 */
package io.chatrelay.broker.redis;
