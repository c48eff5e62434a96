package io.chatrelay.chat.protocol;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The rules for what users write: message texts, client message ids, reactions, metadata.
 *
 * <p>Texts: not blank; no control characters but line feed and tab (no C0/C1 controls, no DEL,
 * no bidirectional overrides or isolates, which can make a message show something else than it
 * says); valid Unicode; and at most the configured number of bytes <em>as sent</em>: UTF-8 of
 * the JSON-escaped text, so that what is stored and sent is bounded, whatever the characters.
 */
public final class TextRules {
    /** Longest client message id. */
    public static final int MAX_CID = 64;
    /** The first character of the ids a gateway gives messages sent without a cid; never a client's. */
    public static final char INTERNAL_CID = '~';
    /** Longest reaction (an emoji or a short code), in characters. */
    public static final int MAX_EMOJI = 32;
    /** Most bytes of a message's metadata object, as JSON. */
    public static final int MAX_META_BYTES = 1024;
    /** Deepest nesting of a metadata object. */
    public static final int MAX_META_DEPTH = 3;

    private TextRules() {
    }

    /**
     * Checks a message text.
     *
     * @param text     the text, or {@code null}
     * @param maxBytes the most bytes it may take as sent
     * @param ref      client ref for errors
     * @return the text
     * @throws ProtocolException bad_text or text_too_long
     */
    public static String text(String text, int maxBytes, String ref) throws ProtocolException {
        if (text == null || text.isBlank()) {
            throw new ProtocolException(ErrorCode.BAD_TEXT, "text must not be empty", ref);
        }
        checkCharacters(text, "text", ref);
        int bytes = ServerFrames.utf8Length(ServerFrames.str(text)) - 2;
        if (bytes > maxBytes) {
            throw new ProtocolException(ErrorCode.TEXT_TOO_LONG,
                    "text of " + bytes + " bytes as sent (UTF-8, JSON-escaped): at most " + maxBytes, ref);
        }
        return text;
    }

    /**
     * Checks a client message id.
     *
     * @param cid the id, or {@code null}
     * @param ref client ref for errors
     * @return the id, or {@code null}
     * @throws ProtocolException bad_frame
     */
    public static String cid(String cid, String ref) throws ProtocolException {
        if (cid == null) {
            return null;
        }
        if (cid.isEmpty() || cid.length() > MAX_CID || hasForbidden(cid) || cid.chars().anyMatch(Character::isWhitespace)
                || cid.charAt(0) == INTERNAL_CID) {
            throw new ProtocolException(ErrorCode.BAD_FRAME,
                    "cid must be 1-" + MAX_CID + " printable characters, not starting with " + INTERNAL_CID, ref);
        }
        return cid;
    }

    /**
     * Checks a reaction.
     *
     * @param emoji the reaction, or {@code null}
     * @param ref   client ref for errors
     * @return the reaction
     * @throws ProtocolException bad_frame
     */
    public static String emoji(String emoji, String ref) throws ProtocolException {
        if (emoji == null || emoji.isEmpty() || emoji.length() > MAX_EMOJI || hasForbidden(emoji)
                || emoji.chars().anyMatch(Character::isWhitespace) || emoji.indexOf('|') >= 0) {
            throw new ProtocolException(ErrorCode.BAD_FRAME, "emoji must be 1-" + MAX_EMOJI + " printable characters", ref);
        }
        return emoji;
    }

    /**
     * Checks a metadata object and returns it as canonical JSON.
     *
     * @param meta   the value, or {@code null}
     * @param mapper writes the JSON
     * @param ref    client ref for errors
     * @return the JSON text, or {@code null}
     * @throws ProtocolException bad_frame
     */
    public static String meta(JsonNode meta, ObjectMapper mapper, String ref) throws ProtocolException {
        if (meta == null || meta.isNull()) {
            return null;
        }
        if (!meta.isObject() || depth(meta) > MAX_META_DEPTH) {
            throw new ProtocolException(ErrorCode.BAD_FRAME, "meta must be an object nested at most " + MAX_META_DEPTH + " deep", ref);
        }
        try {
            String json = mapper.writeValueAsString(meta);
            if (ServerFrames.utf8Length(json) > MAX_META_BYTES || hasForbidden(json)) {
                throw new ProtocolException(ErrorCode.BAD_FRAME, "meta must be at most " + MAX_META_BYTES + " bytes of JSON", ref);
            }
            return json;
        } catch (JsonProcessingException e) {
            throw new ProtocolException(ErrorCode.BAD_FRAME, "meta is not JSON", ref);
        }
    }

    private static int depth(JsonNode node) {
        int deepest = 0;
        for (JsonNode child : node) {
            deepest = Math.max(deepest, depth(child));
        }
        return (node.isContainerNode() ? 1 : 0) + deepest;
    }

    /**
     * Rejects control characters (but line feed and tab), bidirectional overrides and isolates,
     * and invalid Unicode.
     */
    static void checkCharacters(String s, String field, String ref) throws ProtocolException {
        if (hasLoneSurrogate(s)) {
            throw new ProtocolException(ErrorCode.BAD_TEXT, field + " is not valid Unicode", ref);
        }
        if (hasForbidden(s)) {
            throw new ProtocolException(ErrorCode.BAD_TEXT,
                    field + " must not contain control characters (line feed and tab are fine) or bidirectional overrides", ref);
        }
    }

    private static boolean hasForbidden(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 && c != '\n' && c != '\t' || c >= 0x7f && c <= 0x9f
                    || c >= 0x202a && c <= 0x202e || c >= 0x2066 && c <= 0x2069) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether a string has a lone surrogate (invalid Unicode).
     *
     * @param s the string
     * @return {@code true} if so
     */
    static boolean hasLoneSurrogate(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c)) {
                if (i + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(i + 1))) {
                    return true;
                }
                i++;
            } else if (Character.isLowSurrogate(c)) {
                return true;
            }
        }
        return false;
    }
}
