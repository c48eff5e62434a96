package io.chatrelay.bench.floor;

import io.helidon.common.buffers.BufferData;
import io.helidon.common.buffers.DataWriter;
import io.helidon.webserver.ConnectionContext;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.websocket.WsConfig;
import io.helidon.webserver.websocket.WsRouting;
import io.helidon.websocket.WsListener;
import io.helidon.websocket.WsSession;

import java.nio.charset.StandardCharsets;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The floor on Helidon 4.5's WebServer, built the way the gateway uses it (the same listener
 * settings: plain sockets, {@code TCP_NODELAY}): a virtual thread per
 * connection reads; a frame is encoded once and its bytes are written straight to the socket
 * ({@link ConnectionContext#dataWriter()}); each connection has a queue and, when the queue goes
 * from idle to busy, a drain task on a virtual thread that writes everything queued with one call
 * (Helidon 4.5 has no non-blocking write, and a writer blocked on one slow client must not hold up
 * the fan-out for the others).
 */
final class HelidonFloor {
    /** Frames queued for one connection before it is closed as too slow. */
    private static final int MAX_QUEUED = 4096;

    private HelidonFloor() {
    }

    /**
     * Starts the server.
     *
     * @param port the port on 127.0.0.1 (0: any)
     * @return the server, started
     */
    static Floor.Server start(int port) {
        Rooms rooms = new Rooms(HelidonFloor::frame);
        WebServer server = WebServer.builder()
                .host("127.0.0.1")
                .port(port)
                // as the gateway: plain sockets (NIO ones hold two 8 KiB buffers per connection)
                // and no Nagle delay
                .useNio(false)
                .connectionOptions(socket -> socket.tcpNoDelay(true))
                .addProtocol(WsConfig.builder().maxFrameLength(Rooms.MAX_FRAME).name("websocket").build())
                .addRouting(WsRouting.builder().endpoint("/ws", () -> new Listener(rooms)))
                .build()
                .start();
        return new Floor.Server() {
            @Override
            public int port() {
                return server.port();
            }

            @Override
            public void stop() {
                server.stop();
            }
        };
    }

    /**
     * An unmasked text frame (server to client), header and payload. The floor's frames are
     * short: {@link Rooms} bounds a text to {@link Rooms#MAX_TEXT} characters, so a payload stays
     * under 64 KiB and the header is 2 or 4 bytes.
     */
    static byte[] frame(String text) {
        byte[] payload = text.getBytes(StandardCharsets.UTF_8);
        int n = payload.length;
        if (n > 0xffff) {
            throw new IllegalArgumentException("frame payload over 64 KiB: " + n);
        }
        int header = n < 126 ? 2 : 4;
        byte[] frame = new byte[header + n];
        System.arraycopy(payload, 0, frame, header, n);
        frame[0] = (byte) 0x81;
        frame[1] = (byte) (n < 126 ? n : 126);
        if (header == 4) {
            frame[2] = (byte) (n >>> 8);
            frame[3] = (byte) n;
        }
        return frame;
    }

    /** One connection: its reader's listener and its queue. */
    private static final class Listener implements WsListener, Rooms.Peer {
        private final Rooms rooms;
        private final Set<String> joined = ConcurrentHashMap.newKeySet();
        private final Queue<byte[]> queue = new ConcurrentLinkedQueue<>();
        private final AtomicInteger queued = new AtomicInteger();
        private final AtomicBoolean draining = new AtomicBoolean();
        private final StringBuilder partial = new StringBuilder();
        private volatile WsSession session;
        private volatile DataWriter socket;
        private volatile boolean closed;

        Listener(Rooms rooms) {
            this.rooms = rooms;
        }

        @Override
        public void onOpen(WsSession ws) {
            session = ws;
            socket = ((ConnectionContext) ws.socketContext()).dataWriter();
            rooms.opened(this);
        }

        @Override
        public void onMessage(WsSession ws, String text, boolean last) {
            if (!last || !partial.isEmpty()) {
                if (partial.length() + text.length() > Rooms.MAX_FRAME) {
                    ws.close(1009, "message too long");
                    return;
                }
                partial.append(text);
                if (!last) {
                    return;
                }
                text = partial.toString();
                partial.setLength(0);
            }
            rooms.received(this, text);
        }

        @Override
        public void onClose(WsSession ws, int status, String reason) {
            closed = true;
            rooms.closed(this);
        }

        @Override
        public void onError(WsSession ws, Throwable t) {
            closed = true;
            rooms.closed(this);
        }

        @Override
        public Set<String> rooms() {
            return joined;
        }

        @Override
        public void deliver(Object frame) {
            if (closed) {
                return;
            }
            if (queued.incrementAndGet() > MAX_QUEUED) {
                closed = true;
                session.terminate();
                return;
            }
            queue.add((byte[]) frame);
            if (draining.compareAndSet(false, true)) {
                Thread.startVirtualThread(this::drain);
            }
        }

        private void drain() {
            do {
                byte[] first;
                while ((first = queue.poll()) != null) {
                    byte[] next = queue.poll();
                    int n = 1;
                    BufferData out;
                    if (next == null) {
                        out = BufferData.create(first);
                    } else {
                        // everything queued, in one write
                        out = BufferData.growing(first.length * 4);
                        out.write(first);
                        for (; next != null; next = queue.poll()) {
                            out.write(next);
                            n++;
                        }
                    }
                    queued.addAndGet(-n);
                    try {
                        socket.writeNow(out);
                    } catch (RuntimeException e) {
                        closed = true;
                        queue.clear();
                        return;
                    }
                }
                draining.set(false);
            } while (!queue.isEmpty() && draining.compareAndSet(false, true));
        }
    }
}
