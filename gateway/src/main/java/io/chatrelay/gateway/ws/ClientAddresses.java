package io.chatrelay.gateway.ws;

import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which client address a connection comes from, and how many connections each address holds on
 * this gateway (a cap taken atomically). Behind a load balancer the peer is the balancer: its
 * {@code X-Forwarded-For} names the client, but only a trusted peer's is believed (a client could
 * write one itself); the value the balancer appended is the last one.
 */
final class ClientAddresses {
    private final ConcurrentHashMap<String, Integer> counts = new ConcurrentHashMap<>();
    private final int max;
    private final List<String> trusted;

    ClientAddresses(int max, List<String> trustedProxies) {
        this.max = max;
        this.trusted = List.copyOf(trustedProxies);
    }

    /**
     * The client address of a connection.
     *
     * @param peer          the socket peer's address
     * @param forwardedFor  every {@code X-Forwarded-For} value of the request, in order, or {@code null}
     * @return the address to count
     */
    String clientOf(String peer, List<String> forwardedFor) {
        if (forwardedFor == null || forwardedFor.isEmpty() || !(trusted.contains("*") || trusted.contains(peer))) {
            return peer;
        }
        String last = forwardedFor.getLast();
        int comma = last.lastIndexOf(',');
        String client = (comma < 0 ? last : last.substring(comma + 1)).trim();
        return client.isEmpty() || client.length() > 64 ? peer : client;
    }

    /**
     * Takes a slot for an address.
     *
     * @param address the client address
     * @return {@code false} when the address already holds the most connections allowed
     */
    boolean acquire(String address) {
        boolean[] taken = new boolean[1];
        counts.compute(address, (a, n) -> {
            int held = n == null ? 0 : n;
            taken[0] = held < max;
            return taken[0] ? held + 1 : n;
        });
        return taken[0];
    }

    /**
     * Gives a slot back.
     *
     * @param address the client address
     */
    void release(String address) {
        counts.computeIfPresent(address, (a, n) -> n > 1 ? n - 1 : null);
    }
}
