package io.chatrelay.broker;

import java.util.Objects;

/**
 * What the fan-out and the metrics need to know about a frame, carried beside its text so that
 * nothing downstream parses the JSON it was serialized to.
 *
 * @param kind   what the frame is, chosen by the gateway (for example {@code message}, {@code typing});
 *               letters, digits, {@code _ . -}, 1 to 32 characters
 * @param sender the user who caused it, or the empty string for none; no line breaks and no
 *               {@code |}
 * @param ts     epoch milliseconds when the sender's gateway wrote it
 */
public record FrameMeta(String kind, String sender, long ts) {
    /** Validates the fields: they travel in a line-based envelope. */
    public FrameMeta {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(sender, "sender");
        if (kind.isEmpty() || kind.length() > 32 || !kind.chars().allMatch(FrameMeta::kindChar)) {
            throw new IllegalArgumentException("kind must be 1-32 of [A-Za-z0-9_.-]");
        }
        if (sender.length() > 256 || sender.indexOf('\n') >= 0 || sender.indexOf('|') >= 0) {
            throw new IllegalArgumentException("sender must have at most 256 characters, no line break and no '|'");
        }
        if (ts < 0) {
            throw new IllegalArgumentException("ts must not be negative");
        }
    }

    private static boolean kindChar(int c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '-';
    }
}
