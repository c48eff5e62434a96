package io.chatrelay.broker.redis;

import io.chatrelay.broker.OutcomeUnknownException;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/**
 * Writes acknowledged only once a replica has them ({@link RedisSettings.Durability#REPLICA}):
 * the write (an append script) runs on the connection to the master of its slot, then
 * {@code WAIT 1 <timeout>} runs on that same connection. {@code WAIT} counts the replication of
 * the writes of the connection it runs on (it cannot run inside a script), so both must share the
 * connection: in a cluster that is the node connection of the slot's master, not the cluster
 * connection, which would send a keyless {@code WAIT} to any node.
 *
 * <p>Outcomes: the write failed with an error reply (refused, nothing stored): that failure; the
 * write ran and a replica confirmed it: its result; the write ran but no replica confirmed it in
 * time ({@code WAIT} answered 0), or the answer to {@code WAIT} never came: unknown
 * ({@link OutcomeUnknownException}), since the master has it and a failover may or may not keep
 * it. Retrying with the same dedup key is safe: the append script then writes again (it renews
 * the dedup key), so the retry's {@code WAIT} also covers the first attempt.
 *
 * <p>The connection is used for nothing else: {@code WAIT} holds it until the replica answers.
 */
final class ReplicaWrites {
    private final RedisConnections connections;
    private final long waitMillis;

    ReplicaWrites(RedisConnections connections, Duration waitTimeout) {
        this.connections = connections;
        this.waitMillis = waitTimeout.toMillis();
    }

    /**
     * Runs a write on the master of a key's slot and waits for one replica.
     *
     * @param key   a key of the slot the write touches
     * @param write the write
     * @param <T>   its result
     * @return its result once a replica has it; failures are Lettuce's, or {@link OutcomeUnknownException}
     */
    <T> CompletionStage<T> run(String key, Function<RedisClusterAsyncCommands<String, String>, CompletionStage<T>> write) {
        return connections.durableConnection(key).thenCompose(connection -> {
            RedisAsyncCommands<String, String> node = connection.async();
            return write.apply(node).thenCompose(result -> confirmed(node, result));
        });
    }

    private <T> CompletionStage<T> confirmed(RedisAsyncCommands<String, String> node, T result) {
        CompletableFuture<T> outcome = new CompletableFuture<>();
        node.waitForReplication(1, waitMillis).whenComplete((replicas, error) -> {
            if (error != null) {
                outcome.completeExceptionally(new OutcomeUnknownException(
                        "stored on the master, but no answer from WAIT: " + error.getMessage(), error));
            } else if (replicas == null || replicas < 1) {
                outcome.completeExceptionally(new OutcomeUnknownException(
                        "stored on the master, but no replica confirmed it within " + waitMillis + " ms", null));
            } else {
                outcome.complete(result);
            }
        });
        return outcome;
    }
}
