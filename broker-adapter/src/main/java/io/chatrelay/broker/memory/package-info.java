/**
 * {@link io.chatrelay.broker.memory.InMemoryBroker}: the broker for one gateway process, with no
 * external dependency. History and presence live in memory and are lost on restart.
 */
package io.chatrelay.broker.memory;
