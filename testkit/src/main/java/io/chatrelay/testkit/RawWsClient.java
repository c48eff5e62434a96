package io.chatrelay.testkit;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;

/**
 * The byte-level tool: a deliberately low-level WebSocket client on a plain socket, for tests of
 * misbehaving peers. It can send any frame (fragments, bad UTF-8, oversized, reserved opcodes),
 * never answer pings, or stop reading altogether (with a small receive buffer: a slow consumer).
 * It is not a chat client: for the protocol, use {@link ChatClient}.
 */
public final class RawWsClient implements AutoCloseable {
    /** Opcode of a text frame. */
    public static final int TEXT = 1;
    /** Opcode of a binary frame. */
    public static final int BINARY = 2;
    /** Opcode of a continuation frame. */
    public static final int CONTINUATION = 0;
    /** Opcode of a close frame. */
    public static final int CLOSE = 8;
    /** Opcode of a ping. */
    public static final int PING = 9;
    /** Opcode of a pong. */
    public static final int PONG = 10;

    /**
     * A received frame.
     *
     * @param opcode  its opcode
     * @param payload its payload (unmasked: the server does not mask)
     */
    public record Frame(int opcode, byte[] payload) {
        /**
         * The payload as UTF-8 text.
         *
         * @return the text
         */
        public String text() {
            return new String(payload, StandardCharsets.UTF_8);
        }

        /**
         * The status code of a close frame.
         *
         * @return the code, or -1 when the payload has none
         */
        public int closeCode() {
            return payload.length >= 2 ? ((payload[0] & 0xff) << 8) | (payload[1] & 0xff) : -1;
        }
    }

    private static final SecureRandom RANDOM = new SecureRandom();
    private final Socket socket;
    private final OutputStream out;
    private final DataInputStream in;
    private final int status;

    private RawWsClient(int port, String pathAndQuery, int receiveBuffer) throws IOException {
        socket = new Socket();
        if (receiveBuffer > 0) {
            socket.setReceiveBufferSize(receiveBuffer);
        }
        socket.connect(new java.net.InetSocketAddress("127.0.0.1", port), 5000);
        socket.setSoTimeout(10_000);
        out = socket.getOutputStream();
        in = new DataInputStream(socket.getInputStream());
        byte[] key = new byte[16];
        RANDOM.nextBytes(key);
        String request = "GET " + pathAndQuery + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nUpgrade: websocket\r\n"
                + "Connection: Upgrade\r\nSec-WebSocket-Key: " + Base64.getEncoder().encodeToString(key)
                + "\r\nSec-WebSocket-Version: 13\r\n\r\n";
        out.write(request.getBytes(StandardCharsets.US_ASCII));
        out.flush();
        status = Integer.parseInt(readHeaders(in).split(" ")[1]);
    }

    /** Connects and completes the handshake (or not: see {@link #status()}). */
    public static RawWsClient connect(int port, String pathAndQuery) throws IOException {
        return new RawWsClient(port, pathAndQuery, 0);
    }

    /** Connects with a small socket receive buffer, for slow-consumer tests. */
    public static RawWsClient connect(int port, String pathAndQuery, int receiveBuffer) throws IOException {
        return new RawWsClient(port, pathAndQuery, receiveBuffer);
    }

    /** The HTTP status of the handshake (101 when upgraded). */
    public int status() {
        return status;
    }

    private static String readHeaders(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        while (matched < 4) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("connection closed during handshake");
            }
            head.write(b);
            matched = (b == '\r' || b == '\n') && "\r\n\r\n".charAt(matched) == b ? matched + 1 : (b == '\r' ? 1 : 0);
        }
        return head.toString(StandardCharsets.US_ASCII);
    }

    /**
     * Sends one text frame, whole.
     *
     * @param text the text
     * @throws IOException when the socket fails
     */
    public void sendText(String text) throws IOException {
        send(TEXT, text.getBytes(StandardCharsets.UTF_8), true);
    }

    /** Sends one frame, masked as a client must. */
    public void send(int opcode, byte[] payload, boolean fin) throws IOException {
        ByteArrayOutputStream frame = new ByteArrayOutputStream(payload.length + 14);
        frame.write((fin ? 0x80 : 0) | opcode);
        if (payload.length < 126) {
            frame.write(0x80 | payload.length);
        } else if (payload.length < 65536) {
            frame.write(0x80 | 126);
            frame.write(payload.length >>> 8);
            frame.write(payload.length & 0xff);
        } else {
            frame.write(0x80 | 127);
            for (int i = 7; i >= 0; i--) {
                frame.write((int) ((long) payload.length >>> (8 * i)) & 0xff);
            }
        }
        byte[] mask = new byte[4];
        RANDOM.nextBytes(mask);
        frame.write(mask);
        for (int i = 0; i < payload.length; i++) {
            frame.write(payload[i] ^ mask[i & 3]);
        }
        out.write(frame.toByteArray());
        out.flush();
    }

    /** Reads the next frame, or returns {@code null} if none arrives within the wait. */
    public Frame read(Duration wait) throws IOException {
        socket.setSoTimeout((int) wait.toMillis());
        try {
            int b0 = in.readUnsignedByte();
            int b1 = in.readUnsignedByte();
            long len = b1 & 0x7f;
            if (len == 126) {
                len = in.readUnsignedShort();
            } else if (len == 127) {
                len = in.readLong();
            }
            byte[] payload = new byte[(int) len];
            in.readFully(payload);
            return new Frame(b0 & 0x0f, payload);
        } catch (SocketTimeoutException e) {
            return null;
        }
    }

    /** Reads frames until one with the opcode arrives (others are skipped); {@code null} on timeout or EOF. */
    public Frame readUntil(int opcode, Duration wait) throws IOException {
        long deadline = System.nanoTime() + wait.toNanos();
        while (System.nanoTime() < deadline) {
            Frame f;
            try {
                f = read(Duration.ofNanos(Math.max(1_000_000, deadline - System.nanoTime())));
            } catch (java.io.EOFException e) {
                return null;
            }
            if (f != null && f.opcode() == opcode) {
                return f;
            }
        }
        return null;
    }

    /** Reads text frames until one contains the fragment. */
    public Frame readTextContaining(String fragment, Duration wait) throws IOException {
        long deadline = System.nanoTime() + wait.toNanos();
        while (System.nanoTime() < deadline) {
            Frame f = readUntil(TEXT, Duration.ofNanos(Math.max(1_000_000, deadline - System.nanoTime())));
            if (f != null && f.text().contains(fragment)) {
                return f;
            }
            if (f == null) {
                return null;
            }
        }
        return null;
    }

    /** Whether the server has closed the TCP connection (EOF seen within the wait). */
    public boolean closedByServer(Duration wait) throws IOException {
        long deadline = System.nanoTime() + wait.toNanos();
        try {
            while (System.nanoTime() < deadline) {
                read(Duration.ofMillis(200));
            }
        } catch (java.io.EOFException | java.net.SocketException e) {
            return true;
        }
        return false;
    }

    /** Closes the socket, without a close frame. */
    @Override
    public void close() throws IOException {
        socket.close();
    }
}
