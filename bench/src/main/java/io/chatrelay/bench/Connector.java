package io.chatrelay.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * A small, lean WebSocket client (RFC 6455, client side, text frames, no extensions) on NIO
 * selectors: {@code loops} threads each own a share of the connections, read into one direct
 * buffer per thread and hand complete text frames to the {@link Endpoint}s as ASCII views of
 * that buffer, without decoding or copying. It replaces the JDK HTTP client's WebSocket, which
 * costs several microseconds of CPU per received frame; here the generator shares two cores
 * with the servers it measures, so its cost per delivery matters.
 *
 * <p>Writes happen on the caller's thread when the socket takes them; what does not fit is queued
 * and flushed by the connection's selector thread.
 */
final class Connector implements AutoCloseable {
    private static final String GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    private static final int MAX_HEADER = 16 * 1024;

    private final Loop[] loops;
    private final AtomicInteger nextLoop = new AtomicInteger();

    /**
     * What a connection reports to: where it connects and the transport's events, all called on
     * the connection's selector thread. {@link BenchSocket} is the load runs' endpoint.
     */
    interface Endpoint {
        /** Where to connect ({@code ws://host:port/path?query}). */
        URI uri();

        /** The transport, before anything else happens on it. */
        void attach(Conn conn);

        /** The WebSocket handshake completed. */
        void onOpen();

        /** A complete text frame; the view is only valid during the call. */
        void onText(CharSequence frame);

        /** The connection ended (1006 for an error or a lost connection, with the reason). */
        void onClosed(int code, String why);
    }

    Connector(int loopCount) {
        loops = new Loop[Math.max(1, loopCount)];
        for (int i = 0; i < loops.length; i++) {
            loops[i] = new Loop("bench-io-" + i);
        }
    }

    /** The outcome of opening many connections. */
    record Opened(List<BenchSocket> sockets, int failures, double seconds, String firstFailure) {
        double rate() {
            return seconds > 0 ? sockets.size() / seconds : 0;
        }
    }

    /**
     * Opens sockets, at most {@code concurrency} handshakes in flight, and waits until each is
     * ready (or failed) or the timeout passes.
     */
    Opened open(int count, Function<Integer, BenchSocket> make, int concurrency, Duration timeout)
            throws InterruptedException {
        Semaphore inFlight = new Semaphore(Math.max(1, concurrency));
        BenchSocket[] sockets = new BenchSocket[count];
        AtomicInteger failures = new AtomicInteger();
        String[] firstFailure = new String[1];
        List<CompletableFuture<?>> all = new ArrayList<>(count);
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        for (int i = 0; i < count; i++) {
            if (!inFlight.tryAcquire(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                failures.addAndGet(count - i);
                break;
            }
            BenchSocket s = make.apply(i);
            loops[i % loops.length].connect(s);
            int index = i;
            all.add(s.ready.orTimeout(30, TimeUnit.SECONDS).whenComplete((ok, e) -> {
                inFlight.release();
                if (e == null) {
                    sockets[index] = ok;
                } else {
                    failures.incrementAndGet();
                    synchronized (firstFailure) {
                        if (firstFailure[0] == null) {
                            firstFailure[0] = String.valueOf(e);
                        }
                    }
                    s.abort();
                }
            }));
        }
        try {
            CompletableFuture.allOf(all.toArray(CompletableFuture[]::new))
                    .get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (Exception e) {
            // counted below: whatever is not ready
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        List<BenchSocket> ready = new ArrayList<>(count);
        int missing = 0;
        for (BenchSocket s : sockets) {
            if (s != null) {
                ready.add(s);
            } else {
                missing++;
            }
        }
        return new Opened(ready, missing, seconds, firstFailure[0]);
    }

    /** Opens one connection, on the selector threads in turn; its events go to {@code endpoint}. */
    void connect(Endpoint endpoint) {
        loops[Math.floorMod(nextLoop.getAndIncrement(), loops.length)].connect(endpoint);
    }

    @Override
    public void close() {
        for (Loop l : loops) {
            l.shutdown();
        }
    }

    /** One selector thread. */
    private static final class Loop implements Runnable {
        private final Selector selector;
        private final Thread thread;
        private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
        private final AsciiView view = new AsciiView();
        private ByteBuffer buf = ByteBuffer.allocateDirect(1 << 18);
        private volatile boolean running = true;

        Loop(String name) {
            try {
                selector = Selector.open();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            thread = Thread.ofPlatform().daemon().name(name).start(this);
        }

        void execute(Runnable task) {
            tasks.add(task);
            selector.wakeup();
        }

        void connect(Endpoint socket) {
            execute(() -> {
                Conn c = new Conn(this, socket, socket.uri());
                socket.attach(c);
                try {
                    c.start();
                } catch (IOException | RuntimeException e) {
                    c.fail(e);
                }
            });
        }

        @Override
        public void run() {
            while (running) {
                Runnable task;
                while ((task = tasks.poll()) != null) {
                    task.run();
                }
                try {
                    selector.select(100);
                } catch (IOException e) {
                    continue;
                }
                var keys = selector.selectedKeys();
                for (SelectionKey key : keys) {
                    Conn c = (Conn) key.attachment();
                    try {
                        if (!key.isValid()) {
                            continue;
                        }
                        int ready = key.readyOps();
                        if ((ready & SelectionKey.OP_CONNECT) != 0) {
                            c.connected();
                        }
                        if (key.isValid() && (ready & SelectionKey.OP_READ) != 0) {
                            c.read();
                        }
                        if (key.isValid() && (ready & SelectionKey.OP_WRITE) != 0) {
                            c.flush();
                        }
                    } catch (IOException | RuntimeException e) {
                        c.fail(e);
                    }
                }
                keys.clear();
            }
            for (SelectionKey key : selector.keys()) {
                try {
                    key.channel().close();
                } catch (IOException e) {
                    // closing anyway
                }
            }
            try {
                selector.close();
            } catch (IOException e) {
                // closing anyway
            }
        }

        void shutdown() {
            running = false;
            selector.wakeup();
            try {
                thread.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        /** A read buffer of at least {@code size} bytes, holding what the current one holds. */
        ByteBuffer grow(int size) {
            if (buf.capacity() < size) {
                buf = ByteBuffer.allocateDirect(Integer.highestOneBit(size - 1) << 1);
            }
            return buf;
        }
    }

    /** One connection's transport state; everything but {@link #send} runs on its loop thread. */
    static final class Conn {
        private enum State { CONNECTING, HANDSHAKE, OPEN, CLOSED }

        private final Loop loop;
        private final Endpoint socket;
        private final URI uri;
        private final String key;
        private SocketChannel channel;
        private SelectionKey selectionKey;
        private volatile State state = State.CONNECTING;
        private byte[] carry;
        private int carryLength;
        private int needed;
        private byte[] fragment;
        private int fragmentLength;
        private final ArrayDeque<ByteBuffer> pending = new ArrayDeque<>();
        private boolean writeInterest;
        private volatile boolean closeSent;

        Conn(Loop loop, Endpoint socket, URI uri) {
            this.loop = loop;
            this.socket = socket;
            this.uri = uri;
            byte[] nonce = new byte[16];
            ThreadLocalRandom.current().nextBytes(nonce);
            this.key = Base64.getEncoder().encodeToString(nonce);
        }

        void start() throws IOException {
            channel = SocketChannel.open();
            channel.configureBlocking(false);
            channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
            int port = uri.getPort() > 0 ? uri.getPort() : 80;
            boolean done = channel.connect(new InetSocketAddress(uri.getHost(), port));
            selectionKey = channel.register(loop.selector, done ? SelectionKey.OP_READ : SelectionKey.OP_CONNECT, this);
            if (done) {
                connected();
            }
        }

        void connected() throws IOException {
            if (channel.isConnectionPending()) {
                channel.finishConnect();
            }
            selectionKey.interestOps(SelectionKey.OP_READ);
            state = State.HANDSHAKE;
            String path = uri.getRawPath() + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
            String request = "GET " + path + " HTTP/1.1\r\nHost: " + uri.getHost() + ":" + uri.getPort()
                    + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " + key
                    + "\r\nSec-WebSocket-Version: 13\r\n\r\n";
            write(ByteBuffer.wrap(request.getBytes(StandardCharsets.US_ASCII)));
        }

        void read() throws IOException {
            ByteBuffer b = loop.grow(Math.max(needed, carryLength + 4096));
            b.clear();
            if (carryLength > 0) {
                b.put(carry, 0, carryLength);
                carryLength = 0;
            }
            int n = channel.read(b);
            if (n < 0) {
                ended(1006, "connection closed by the server");
                return;
            }
            b.flip();
            if (state == State.HANDSHAKE && !handshake(b)) {
                keep(b);
                return;
            }
            frames(b);
            keep(b);
        }

        /** Keeps the unparsed rest of the buffer for the next read. */
        private void keep(ByteBuffer b) {
            int rest = b.remaining();
            if (rest == 0 || state == State.CLOSED) {
                carryLength = 0;
                if (carry != null && carry.length > 64 * 1024) {
                    carry = null;
                }
                return;
            }
            if (carry == null || carry.length < rest) {
                carry = new byte[Math.max(rest, 256)];
            }
            b.get(carry, 0, rest);
            carryLength = rest;
        }

        /** Parses the 101 answer; returns false while it is incomplete. */
        private boolean handshake(ByteBuffer b) throws IOException {
            int end = -1;
            for (int i = b.position(); i + 3 < b.limit(); i++) {
                if (b.get(i) == '\r' && b.get(i + 1) == '\n' && b.get(i + 2) == '\r' && b.get(i + 3) == '\n') {
                    end = i + 4;
                    break;
                }
            }
            if (end < 0) {
                if (b.remaining() > MAX_HEADER) {
                    throw new IOException("handshake answer too long");
                }
                return false;
            }
            byte[] head = new byte[end - b.position()];
            b.get(head);
            String answer = new String(head, StandardCharsets.ISO_8859_1);
            String status = answer.substring(0, Math.max(0, answer.indexOf('\r')));
            if (!status.startsWith("HTTP/1.1 101")) {
                throw new IOException("handshake refused: " + status);
            }
            if (!answer.toLowerCase(java.util.Locale.ROOT).contains("sec-websocket-accept: " + accept(key).toLowerCase(java.util.Locale.ROOT))) {
                throw new IOException("bad Sec-WebSocket-Accept");
            }
            state = State.OPEN;
            socket.onOpen();
            return true;
        }

        private void frames(ByteBuffer b) throws IOException {
            needed = 0;
            while (state == State.OPEN) {
                int p = b.position();
                int rem = b.remaining();
                if (rem < 2) {
                    return;
                }
                int b0 = b.get(p) & 0xff;
                int b1 = b.get(p + 1) & 0xff;
                long len = b1 & 0x7f;
                int header = 2;
                if (len == 126) {
                    if (rem < 4) {
                        return;
                    }
                    len = b.getShort(p + 2) & 0xffff;
                    header = 4;
                } else if (len == 127) {
                    if (rem < 10) {
                        return;
                    }
                    len = b.getLong(p + 2);
                    header = 10;
                }
                boolean masked = (b1 & 0x80) != 0;
                if (masked) {
                    header += 4;
                }
                if (len > 64L * 1024 * 1024) {
                    throw new IOException("frame too large: " + len);
                }
                if (rem < header + len) {
                    needed = (int) (header + len);
                    return;
                }
                int start = p + header;
                int end = start + (int) len;
                if (masked) {
                    for (int i = start; i < end; i++) {
                        b.put(i, (byte) (b.get(i) ^ b.get(start - 4 + ((i - start) & 3))));
                    }
                }
                b.position(end);
                frame((b0 & 0x80) != 0, b0 & 0x0f, b, start, end);
            }
        }

        private void frame(boolean fin, int opcode, ByteBuffer b, int start, int end) throws IOException {
            switch (opcode) {
                case 0x1 -> {
                    if (fin) {
                        socket.onText(loop.view.of(b, start, end));
                    } else {
                        fragmentLength = 0;
                        append(b, start, end);
                    }
                }
                case 0x0 -> {
                    if (fragment == null) {
                        return;
                    }
                    append(b, start, end);
                    if (fin) {
                        ByteBuffer whole = ByteBuffer.wrap(fragment, 0, fragmentLength);
                        fragment = null;
                        socket.onText(loop.view.of(whole, 0, fragmentLength));
                    }
                }
                case 0x8 -> {
                    int code = end - start >= 2 ? b.getShort(start) & 0xffff : 1005;
                    if (!closeSent) {
                        closeSent = true;
                        send(0x8, new byte[] {(byte) (code >> 8), (byte) code});
                    }
                    ended(code, "closed by the server");
                }
                case 0x9 -> {
                    byte[] payload = new byte[end - start];
                    b.get(start, payload);
                    send(0xA, payload);
                }
                default -> {
                    // pong, binary: ignored
                }
            }
        }

        private void append(ByteBuffer b, int start, int end) {
            int n = end - start;
            if (fragment == null) {
                fragment = new byte[Math.max(1024, n * 2)];
            } else if (fragment.length < fragmentLength + n) {
                fragment = Arrays.copyOf(fragment, Math.max(fragment.length * 2, fragmentLength + n));
            }
            b.get(start, fragment, fragmentLength, n);
            fragmentLength += n;
        }

        /** Sends a text frame; any thread. */
        void sendText(String text) throws IOException {
            send(0x1, text.getBytes(StandardCharsets.UTF_8));
        }

        void sendClose(int code) {
            if (closeSent || state != State.OPEN) {
                return;
            }
            closeSent = true;
            try {
                send(0x8, new byte[] {(byte) (code >> 8), (byte) code});
            } catch (IOException e) {
                abort();
            }
        }

        private void send(int opcode, byte[] payload) throws IOException {
            int len = payload.length;
            int header = 2 + (len < 126 ? 0 : len < 65536 ? 2 : 8) + 4;
            ByteBuffer f = ByteBuffer.allocate(header + len);
            f.put((byte) (0x80 | opcode));
            if (len < 126) {
                f.put((byte) (0x80 | len));
            } else if (len < 65536) {
                f.put((byte) (0x80 | 126)).putShort((short) len);
            } else {
                f.put((byte) (0x80 | 127)).putLong(len);
            }
            int mask = ThreadLocalRandom.current().nextInt();
            f.putInt(mask);
            byte m0 = (byte) (mask >>> 24);
            byte m1 = (byte) (mask >>> 16);
            byte m2 = (byte) (mask >>> 8);
            byte m3 = (byte) mask;
            for (int i = 0; i < len; i++) {
                byte m = switch (i & 3) {
                    case 0 -> m0;
                    case 1 -> m1;
                    case 2 -> m2;
                    default -> m3;
                };
                f.put((byte) (payload[i] ^ m));
            }
            f.flip();
            write(f);
        }

        private void write(ByteBuffer f) throws IOException {
            synchronized (this) {
                if (state == State.CLOSED) {
                    throw new IOException("closed");
                }
                if (pending.isEmpty()) {
                    channel.write(f);
                    if (!f.hasRemaining()) {
                        return;
                    }
                }
                pending.add(f);
                if (!writeInterest) {
                    writeInterest = true;
                    loop.execute(this::wantWrite);
                }
            }
        }

        private void wantWrite() {
            try {
                if (selectionKey.isValid()) {
                    selectionKey.interestOps(selectionKey.interestOps() | SelectionKey.OP_WRITE);
                }
            } catch (CancelledKeyException e) {
                // closed meanwhile
            }
        }

        void flush() throws IOException {
            synchronized (this) {
                while (!pending.isEmpty()) {
                    ByteBuffer f = pending.peek();
                    channel.write(f);
                    if (f.hasRemaining()) {
                        return;
                    }
                    pending.poll();
                }
                writeInterest = false;
                selectionKey.interestOps(SelectionKey.OP_READ);
            }
        }

        /** Closes the socket now; any thread. */
        void abort() {
            state = State.CLOSED;
            try {
                if (channel != null) {
                    channel.close();
                }
            } catch (IOException e) {
                // closing anyway
            }
        }

        void fail(Throwable e) {
            ended(1006, String.valueOf(e));
        }

        private void ended(int code, String why) {
            boolean first = state != State.CLOSED;
            abort();
            if (first) {
                socket.onClosed(code, why);
            }
        }

        private static String accept(String key) {
            try {
                MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
                return Base64.getEncoder().encodeToString(sha1.digest((key + GUID).getBytes(StandardCharsets.US_ASCII)));
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /**
     * A reusable {@link CharSequence} over bytes of a buffer, one char per byte: enough for the
     * ASCII that the generator looks at; {@link #toString} decodes UTF-8 properly.
     */
    static final class AsciiView implements CharSequence {
        private ByteBuffer buffer;
        private int offset;
        private int length;

        AsciiView of(ByteBuffer b, int start, int end) {
            this.buffer = b;
            this.offset = start;
            this.length = end - start;
            return this;
        }

        @Override
        public int length() {
            return length;
        }

        @Override
        public char charAt(int index) {
            if (index < 0 || index >= length) {
                throw new IndexOutOfBoundsException(index);
            }
            return (char) (buffer.get(offset + index) & 0xff);
        }

        @Override
        public CharSequence subSequence(int start, int end) {
            return toString().subSequence(start, end);
        }

        @Override
        public String toString() {
            byte[] bytes = new byte[length];
            buffer.get(offset, bytes);
            return new String(bytes, StandardCharsets.UTF_8);
        }
    }
}
