package io.chatrelay.broker.redis;

import io.chatrelay.broker.BrokerException;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One broker's script calls ({@link LuaScript}), run by SHA1 ({@code EVALSHA}) and kept in the
 * order they were issued even when Redis has lost its script cache (a restart, a promoted replica,
 * {@code SCRIPT FLUSH}, a new cluster node).
 *
 * <p>A call that Redis answers {@code NOSCRIPT} did not run; it is sent again with the script's
 * text ({@code EVAL}, which also caches it). Sent again at once, it would run after the calls
 * issued behind it that reach Redis once that {@code EVAL} has cached the script: a client's
 * second message stored before its first, a leave before its join. So, per hash slot (one node,
 * one connection: the only calls whose order Redis keeps), from the first {@code NOSCRIPT} on new
 * calls on that slot are held and the refused ones wait; once every call sent on the slot has
 * been answered (in the order sent), the refused ones are sent again with their text, then the
 * held ones, all in their order. The other slots go on (a failover of one master, whose calls in
 * flight may take a command timeout to fail, holds only its own). A refused call that a later
 * call of the same sequence (its {@code order} key: a sender in a topic, a member of a topic) has
 * overtaken meanwhile (it ran because another gateway cached the script again, or failed in a way
 * that may have run) is not sent again: it fails with a {@link BrokerException} (nothing was sent)
 * rather than run out of order.
 */
final class ScriptCalls {
    private final ReentrantLock lock = new ReentrantLock();
    /** Each hash slot's calls, made on first use (at most 16384: no boxing or map on the hot path). */
    private final Slot[] slots = new Slot[SlotHash.SLOT_COUNT];
    private long retried;

    /**
     * Runs a script.
     *
     * @param script the script
     * @param redis  the connection
     * @param order  what the call must stay in order with (calls with the same key), or {@code null}
     * @param output how to read the result
     * @param keys   keys (one hash slot)
     * @param args   arguments
     * @param <T>    result type
     * @return the result
     */
    <T> CompletionStage<T> run(LuaScript script, RedisClusterAsyncCommands<String, String> redis, String order,
                               ScriptOutputType output, String[] keys, String... args) {
        Call<T> call = new Call<>(script, redis, order, output, keys, args);
        lock.lock();
        try {
            Slot slot = slots[call.slot];
            if (slot == null) {
                slot = new Slot();
                slots[call.slot] = slot;
            }
            if (slot.holding) {
                slot.held.add(call);
            } else {
                send(slot, call);
            }
        } finally {
            lock.unlock();
        }
        return call.result;
    }

    /** How many calls were sent again with the script's text. */
    long retried() {
        lock.lock();
        try {
            return retried;
        } finally {
            lock.unlock();
        }
    }

    /** Sends a call by SHA1; with the lock held, so that calls reach the connection in order. */
    private <T> void send(Slot slot, Call<T> call) {
        issue(slot, call, false);
    }

    private <T> void issue(Slot slot, Call<T> call, boolean text) {
        slot.inFlight++;
        if (text) {
            retried++;
        }
        CompletionStage<T> sent;
        try {
            sent = text ? call.redis.eval(call.script.text(), call.output, call.keys, call.args)
                    : call.redis.evalsha(call.script.sha(), call.output, call.keys, call.args);
        } catch (RuntimeException e) {
            sent = CompletableFuture.failedFuture(e);
        }
        sent.whenComplete((value, error) -> {
            if (!text && error != null && unknownScript(error)) {
                refused(slot, call);
            } else {
                done(slot, call, value, error);
            }
        });
    }

    private void refused(Slot slot, Call<?> call) {
        lock.lock();
        try {
            slot.holding = true;
            slot.refused.add(call);
            slot.inFlight--;
            releaseWhenAnswered(slot);
        } finally {
            lock.unlock();
        }
    }

    private <T> void done(Slot slot, Call<T> call, T value, Throwable error) {
        lock.lock();
        try {
            slot.inFlight--;
            if (call.order != null) {
                for (Call<?> waiting : slot.refused) {
                    if (call.order.equals(waiting.order)) {
                        waiting.overtaken = true;
                    }
                }
            }
            releaseWhenAnswered(slot);
        } finally {
            lock.unlock();
        }
        if (error == null) {
            call.result.complete(value);
        } else {
            call.result.completeExceptionally(error instanceof CompletionException && error.getCause() != null ? error.getCause() : error);
        }
    }

    /** With the lock held: once no call of the slot is in flight, its refused calls go out again, then its held ones. */
    private void releaseWhenAnswered(Slot slot) {
        if (slot.inFlight > 0) {
            return;
        }
        if (slot.holding) {
            slot.holding = false;
            List<Call<?>> again = new ArrayList<>(slot.refused);
            slot.refused.clear();
            List<Call<?>> next = new ArrayList<>(slot.held);
            slot.held.clear();
            for (Call<?> call : again) {
                if (call.overtaken) {
                    call.result.completeExceptionally(new BrokerException(
                            "redis had lost its scripts and a later write of the same sender ran first: nothing was sent"));
                } else {
                    issue(slot, call, true);
                }
            }
            next.forEach(call -> send(slot, call));
        }
    }

    /** One hash slot's calls. */
    private static final class Slot {
        final ArrayDeque<Call<?>> refused = new ArrayDeque<>();
        final ArrayDeque<Call<?>> held = new ArrayDeque<>();
        int inFlight;
        boolean holding;
    }

    /** One script call and its result. */
    private static final class Call<T> {
        final LuaScript script;
        final RedisClusterAsyncCommands<String, String> redis;
        final String order;
        final ScriptOutputType output;
        final String[] keys;
        final String[] args;
        final int slot;
        final CompletableFuture<T> result = new CompletableFuture<>();
        boolean overtaken;

        Call(LuaScript script, RedisClusterAsyncCommands<String, String> redis, String order, ScriptOutputType output,
             String[] keys, String[] args) {
            this.script = script;
            this.redis = redis;
            this.order = order;
            this.output = output;
            this.keys = keys;
            this.args = args;
            this.slot = keys.length == 0 ? 0 : SlotHash.getSlot(keys[0]);
        }
    }

    private static boolean unknownScript(Throwable error) {
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        return cause instanceof RedisNoScriptException;
    }
}
