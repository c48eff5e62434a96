package io.chatrelay.it;

import io.chatrelay.testkit.ResilientClient;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Keeps clients chatting: each client added sends a message ({@code m0}, {@code m1}, ...) every
 * 100 ms while it is connected, until the chatter is stopped. The fault and scaling tests count
 * what was acknowledged meanwhile, then check that every client converged.
 */
final class Chatter implements AutoCloseable {
    private final AtomicBoolean stop = new AtomicBoolean();
    private final List<ResilientClient> clients = new CopyOnWriteArrayList<>();
    private final List<Thread> threads = new CopyOnWriteArrayList<>();

    Chatter() {
    }

    Chatter(Collection<ResilientClient> clients) {
        add(clients);
    }

    /** Starts the given clients chatting too. */
    void add(Collection<ResilientClient> more) {
        for (ResilientClient c : more) {
            clients.add(c);
            threads.add(Thread.ofVirtual().start(() -> {
                for (int n = 0; !stop.get(); n++) {
                    c.send("m" + n);
                    try {
                        Thread.sleep(100); // the sending pace, not a synchronisation
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }));
        }
    }

    /** Messages acknowledged so far to all clients. */
    long acked() {
        return acked(clients);
    }

    /** Messages acknowledged so far to the given clients. */
    static long acked(Collection<ResilientClient> clients) {
        return clients.stream().mapToLong(c -> c.acked().size()).sum();
    }

    /** Stops sending and waits (bounded) for the senders to end. */
    void stop() throws InterruptedException {
        stop.set(true);
        for (Thread t : threads) {
            t.join(Duration.ofSeconds(5));
        }
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }
}
