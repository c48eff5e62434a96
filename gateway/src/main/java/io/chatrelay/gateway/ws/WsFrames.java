package io.chatrelay.gateway.ws;

import io.helidon.common.buffers.BufferData;
import io.helidon.common.buffers.DataWriter;
import io.helidon.webserver.ConnectionContext;
import io.helidon.websocket.WsSession;

import java.nio.charset.StandardCharsets;

/**
 * Server WebSocket text frames encoded once: a server frame is not masked (RFC 6455, 5.1), so the
 * same bytes, header included, go to every recipient. The fan-out offers one frame text to every
 * local member in a row; {@link Cache} encodes it for the first and hands the same array to the
 * others, so a frame is encoded once per gateway instead of once per recipient (which Helidon's
 * {@code WsSession.send(String)} does, with a copy into the connection's send buffer).
 */
final class WsFrames {
    private static final int FIN_TEXT = 0x81;

    private WsFrames() {
    }

    /**
     * One complete, unmasked text frame.
     *
     * @param text the payload
     * @return header and UTF-8 payload
     */
    static byte[] text(String text) {
        byte[] payload = text.getBytes(StandardCharsets.UTF_8);
        int n = payload.length;
        int header = n < 126 ? 2 : n < 65536 ? 4 : 10;
        byte[] frame = new byte[header + n];
        frame[0] = (byte) FIN_TEXT;
        if (n < 126) {
            frame[1] = (byte) n;
        } else if (n < 65536) {
            frame[1] = 126;
            frame[2] = (byte) (n >>> 8);
            frame[3] = (byte) n;
        } else {
            frame[1] = 127;
            for (int i = 0; i < 8; i++) {
                frame[2 + i] = (byte) ((long) n >>> (56 - 8 * i));
            }
        }
        System.arraycopy(payload, 0, frame, header, n);
        return frame;
    }

    /** The payload of a frame made by {@link #text}. */
    static String payload(byte[] frame, int offset) {
        int header = headerLength(frame, offset);
        return new String(frame, offset + header, (int) payloadLength(frame, offset), StandardCharsets.UTF_8);
    }

    /** The length of the frame made by {@link #text} starting at {@code offset}. */
    static int length(byte[] frame, int offset) {
        return (int) (headerLength(frame, offset) + payloadLength(frame, offset));
    }

    private static int headerLength(byte[] frame, int offset) {
        int len = frame[offset + 1] & 0x7f;
        return len == 126 ? 4 : len == 127 ? 10 : 2;
    }

    private static long payloadLength(byte[] frame, int offset) {
        int len = frame[offset + 1] & 0x7f;
        if (len < 126) {
            return len;
        }
        int bytes = len == 126 ? 2 : 8;
        long l = 0;
        for (int i = 0; i < bytes; i++) {
            l = l << 8 | frame[offset + 2 + i] & 0xff;
        }
        return l;
    }

    /**
     * The last frame encoded, by identity of its text: the fan-out passes the same string to every
     * member of a room, one after the other. Thread-safe without locks (an immutable entry in a
     * volatile field): two threads encoding different texts at once only cost an extra encoding.
     */
    static final class Cache {
        private record Entry(String text, byte[] frame) {
        }

        private volatile Entry last = new Entry("", text(""));

        byte[] of(String text) {
            Entry e = last;
            if (e.text() == text) {
                return e.frame();
            }
            byte[] frame = text(text);
            last = new Entry(text, frame);
            return frame;
        }
    }

    /**
     * Writes encoded frames to a connection's socket: whole frames only, one call per batch. Used
     * by the connection's single writer ({@link Outbound}); Helidon's own writes (close replies)
     * are whole frames too, and each socket write is atomic, so frames never interleave.
     */
    @FunctionalInterface
    interface Writer {
        /**
         * Writes bytes holding whole frames.
         *
         * @param bytes  the frames
         * @param offset where they start
         * @param length how many bytes
         */
        void write(byte[] bytes, int offset, int length);

        /**
         * The socket of a Helidon WebSocket session ({@link ConnectionContext#dataWriter()},
         * a direct write on the plain socket); for another session, its own {@code send} frame
         * by frame.
         *
         * @param ws the session
         * @return the writer
         */
        static Writer of(WsSession ws) {
            if (ws.socketContext() instanceof ConnectionContext ctx) {
                DataWriter socket = ctx.dataWriter();
                return (bytes, offset, length) -> socket.writeNow(BufferData.create(bytes, offset, length));
            }
            return (bytes, offset, length) -> {
                for (int at = offset; at < offset + length; at += WsFrames.length(bytes, at)) {
                    ws.send(payload(bytes, at), true);
                }
            };
        }
    }
}
