package io.chatrelay.bench.floor;

import java.util.concurrent.CountDownLatch;

/**
 * {@code floor --transport helidon|netty --port 9401 [--threads 2]}: a WebSocket server with local
 * rooms and nothing else (no Redis, no identity, no history), on one of two WebSocket layers, that
 * the load generator can drive as {@code --system chatrelay}. It measures what the WebSocket layer
 * alone costs per idle connection and per delivery: the floor under any server built on it.
 * Listens on 127.0.0.1 only; runs until killed.
 */
public final class Floor {
    private Floor() {
    }

    /**
     * Starts the floor server and waits forever.
     *
     * @param transport {@code helidon} or {@code netty}
     * @param port      the port
     * @param threads   Netty's event loops (Helidon: virtual threads, not set here)
     * @throws InterruptedException when interrupted
     */
    public static void run(String transport, int port, int threads) throws InterruptedException {
        Server s = start(transport, port, threads);
        System.err.println("[floor] " + transport + " on 127.0.0.1:" + s.port());
        new CountDownLatch(1).await();
    }

    /**
     * Starts a floor server.
     *
     * @param transport {@code helidon} or {@code netty}
     * @param port      the port on 127.0.0.1 (0: any free one)
     * @param threads   Netty's event loops
     * @return the running server
     * @throws InterruptedException when interrupted while binding
     */
    public static Server start(String transport, int port, int threads) throws InterruptedException {
        return switch (transport) {
            case "helidon" -> HelidonFloor.start(port);
            case "netty" -> NettyFloor.start(port, threads);
            default -> throw new IllegalArgumentException("--transport helidon|netty, not " + transport);
        };
    }

    /** A running floor server. */
    public interface Server {
        /** The port it listens on. */
        int port();

        /** Stops it. */
        void stop();
    }
}
