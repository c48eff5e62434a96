package io.chatrelay.bench;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;

/**
 * One generated connection: the protocol side. It answers protocol pings, completes
 * {@link #ready} and {@link #joined}, and hands messages, acks and errors to the run's
 * {@link Sink}. The transport is a {@link Connector.Conn}.
 */
final class BenchSocket implements Connector.Endpoint {
    /** Where frames of interest go. Called on the connector's selector threads. */
    interface Sink {
        /** A chat message; {@code frame} is only valid during the call. */
        void message(BenchSocket socket, CharSequence frame);

        default void ack(BenchSocket socket) {
        }

        default void error(BenchSocket socket, CharSequence frame) {
        }

        default void closed(BenchSocket socket, int code) {
        }

        default void sendFailed(BenchSocket socket, Throwable error) {
        }
    }

    /** A sink that ignores everything (idle connections). */
    static final Sink IGNORE = (socket, frame) -> { };

    final int index;
    final String name;
    final String base;
    final Wire wire;
    /** Where it connects: a member's URI, or a publisher's ({@link Wire#publisherUri}). */
    final java.net.URI uri;
    /** Whether this is a publisher-only connection (Nchan). */
    final boolean publisher;
    final CompletableFuture<BenchSocket> ready = new CompletableFuture<>();
    final CompletableFuture<BenchSocket> joined = new CompletableFuture<>();
    private final Sink sink;
    private volatile Connector.Conn conn;
    private volatile int closeCode;
    private volatile String room;

    BenchSocket(int index, String name, String base, Wire wire, Sink sink) {
        this(index, name, base, wire, sink, null, false);
    }

    /**
     * A connection that will be in {@code room} (systems that {@link Wire#joinsOnConnect} subscribe
     * to it by connecting), or a publisher of it.
     */
    BenchSocket(int index, String name, String base, Wire wire, Sink sink, String room, boolean publisher) {
        this.index = index;
        this.name = name;
        this.base = base;
        this.wire = wire;
        this.sink = sink;
        this.room = room;
        this.publisher = publisher;
        this.uri = publisher ? wire.publisherUri(base, room) : wire.uri(base, name, room);
    }

    @Override
    public java.net.URI uri() {
        return uri;
    }

    @Override
    public void attach(Connector.Conn c) {
        this.conn = c;
    }

    String room() {
        return room;
    }

    /** 0 while open, else the close code (1006 for an error). */
    int closeCode() {
        return closeCode;
    }

    /** Sends {@code join} for a room; {@link #joined} completes with the answer (at once where the URI chose the room). */
    void join(String room) {
        this.room = room;
        if (wire.joinsOnConnect()) {
            joined.complete(this);
            return;
        }
        send(wire.join(room));
    }

    @Override
    public void onOpen() {
        if (wire.readyOnOpen()) {
            ready.complete(this);
        }
    }

    /** Sends a text frame; any thread. */
    void send(String text) {
        Connector.Conn c = conn;
        if (c == null || closeCode != 0) {
            sink.sendFailed(this, new IllegalStateException("not open"));
            return;
        }
        try {
            c.sendText(text);
        } catch (IOException | RuntimeException e) {
            sink.sendFailed(this, e);
        }
    }

    /** Closes at once, without a close handshake. */
    void abort() {
        Connector.Conn c = conn;
        if (c != null) {
            c.abort();
        }
    }

    /** Starts a normal close (1000). */
    void close() {
        Connector.Conn c = conn;
        if (c != null && closeCode == 0) {
            c.sendClose(1000);
        }
    }

    @Override
    public void onText(CharSequence frame) {
        switch (wire.classify(frame)) {
            case MESSAGE -> sink.message(this, frame);
            case ACK -> sink.ack(this);
            case READY -> ready.complete(this);
            case JOINED -> joined.complete(this);
            case ERROR -> {
                sink.error(this, frame);
                if (!ready.isDone()) {
                    ready.completeExceptionally(new IllegalStateException("refused: " + frame));
                }
            }
            case OTHER -> {
                String reply = wire.autoReply(frame);
                if (reply != null) {
                    send(reply);
                }
            }
        }
    }

    @Override
    public void onClosed(int code, String why) {
        if (closeCode == 0) {
            closeCode = code;
            sink.closed(this, code);
        }
        IllegalStateException e = new IllegalStateException(name + ": " + why);
        ready.completeExceptionally(e);
        joined.completeExceptionally(e);
    }
}
