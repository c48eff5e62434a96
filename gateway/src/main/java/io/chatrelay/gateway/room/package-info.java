/**
 * Local room state of one gateway: which local connections are members of which topics, the
 * reference-counted broker subscriptions behind them, the fan-out of delivered frames, and
 * presence bookkeeping (local counts, heartbeats, sweeps).
 */
package io.chatrelay.gateway.room;
