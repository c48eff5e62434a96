/**
 * The broker SPI: how gateways exchange room events and keep room history.
 *
 * <p>{@link io.chatrelay.broker.Broker} is the only type the gateway talks to; implementations live
 * in {@code io.chatrelay.broker.memory} (one process) and {@code io.chatrelay.broker.redis}
 * (Redis Streams and Pub/Sub through Lettuce). Only the gateway's wiring chooses one.
 */
package io.chatrelay.broker;
