package io.chatrelay.broker.redis;

import io.chatrelay.broker.FrameMeta;
import io.chatrelay.broker.StoredFrame;

/**
 * The Pub/Sub payload: {@code id \n kind \n sender \n ts \n frame}, with an empty id for
 * ephemeral frames. The same layout is written by {@code append.lua}. The frame comes last, so
 * it may contain line breaks; the other fields cannot (see {@link FrameMeta}).
 */
final class Envelope {
    private Envelope() {
    }

    static String ephemeral(FrameMeta meta, String frame) {
        return "\n" + meta.kind() + "\n" + meta.sender() + "\n" + meta.ts() + "\n" + frame;
    }

    /**
     * Decodes a payload.
     *
     * @param topic   the topic of the channel it came on
     * @param payload the payload
     * @return the frame, or {@code null} when the payload is not an envelope
     */
    static StoredFrame decode(String topic, String payload) {
        int a = payload.indexOf('\n');
        int b = a < 0 ? -1 : payload.indexOf('\n', a + 1);
        int c = b < 0 ? -1 : payload.indexOf('\n', b + 1);
        int d = c < 0 ? -1 : payload.indexOf('\n', c + 1);
        if (d < 0) {
            return null;
        }
        try {
            FrameMeta meta = new FrameMeta(payload.substring(a + 1, b), payload.substring(b + 1, c),
                    Long.parseLong(payload, c + 1, d, 10));
            return new StoredFrame(topic, a == 0 ? null : payload.substring(0, a), meta, payload.substring(d + 1));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
