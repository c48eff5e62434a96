package io.chatrelay.gateway.protocol;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chatrelay.broker.StreamId;

import java.io.IOException;

/**
 * Turns a client text frame into a {@link ClientFrame} or a {@link ProtocolException} with a
 * documented code. A frame that does not start with <code>{</code> or {@code [} is plain text: a
 * {@code send} to the default room, so echo-style clients work unchanged.
 */
public final class FrameDecoder {
    /** Deepest JSON nesting accepted. */
    public static final int MAX_DEPTH = 8;
    /** Longest {@code ref} accepted. */
    public static final int MAX_REF = 64;
    private static final int DEFAULT_PAGE = 50;
    private static final int MAX_PAGE = 100;

    private final ObjectMapper mapper;
    private final String defaultRoom;
    private final int maxText;

    /**
     * Creates a decoder.
     *
     * @param defaultRoom room that plain text goes to, empty for none
     * @param maxText     longest text accepted, in characters
     */
    public FrameDecoder(String defaultRoom, int maxText) {
        JsonFactory factory = JsonFactory.builder()
                .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH).build())
                .enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .build();
        this.mapper = new ObjectMapper(factory);
        this.defaultRoom = defaultRoom;
        this.maxText = maxText;
    }

    /**
     * Decodes one text frame.
     *
     * @param text the frame
     * @return the frame
     * @throws ProtocolException with the documented code when the frame is invalid
     */
    public ClientFrame decode(String text) throws ProtocolException {
        String trimmed = text.strip();
        if (!trimmed.startsWith("{") && !trimmed.startsWith("[")) {
            if (defaultRoom.isEmpty()) {
                throw new ProtocolException(ErrorCode.BAD_JSON, "frames must be JSON objects", null);
            }
            return new ClientFrame.SendRoom(defaultRoom, text(text, null), null);
        }
        JsonNode node = parse(trimmed);
        if (!node.isObject()) {
            throw new ProtocolException(ErrorCode.BAD_FRAME, "a frame must be a JSON object", null);
        }
        String ref = ref(node);
        String type = optionalString(node, "type", ref);
        if (type == null) {
            throw new ProtocolException(ErrorCode.UNKNOWN_TYPE, "missing type", ref);
        }
        return switch (type) {
            case "join" -> new ClientFrame.Join(room(node, ref), optionalId(node, "since", ref), ref);
            case "leave" -> new ClientFrame.Leave(room(node, ref), ref);
            case "send" -> send(node, ref);
            case "history" -> history(node, ref);
            case "typing" -> new ClientFrame.Typing(room(node, ref), ref);
            case "ping" -> new ClientFrame.Ping(ref);
            case "status" -> new ClientFrame.Status(ref);
            default -> throw new ProtocolException(ErrorCode.UNKNOWN_TYPE, "unknown type", ref);
        };
    }

    private JsonNode parse(String text) throws ProtocolException {
        try (JsonParser parser = mapper.createParser(text)) {
            JsonNode node = mapper.readTree(parser);
            if (node == null || parser.nextToken() != null) {
                throw new ProtocolException(ErrorCode.BAD_JSON, "expected exactly one JSON value", null);
            }
            return node;
        } catch (IOException e) {
            throw new ProtocolException(ErrorCode.BAD_JSON, "invalid JSON", null);
        }
    }

    private ClientFrame send(JsonNode node, String ref) throws ProtocolException {
        String to = optionalString(node, "to", ref);
        String text = text(optionalString(node, "text", ref), ref);
        if (to != null) {
            if (!Names.validUser(to)) {
                throw new ProtocolException(ErrorCode.BAD_USER, "to must match " + Names.USER.pattern(), ref);
            }
            return new ClientFrame.SendDirect(to, text, ref);
        }
        return new ClientFrame.SendRoom(room(node, ref), text, ref);
    }

    private ClientFrame history(JsonNode node, String ref) throws ProtocolException {
        String before = optionalId(node, "before", ref);
        int limit = limit(node, ref);
        String with = optionalString(node, "with", ref);
        if (with != null) {
            if (!Names.validUser(with)) {
                throw new ProtocolException(ErrorCode.BAD_USER, "with must match " + Names.USER.pattern(), ref);
            }
            return new ClientFrame.DirectHistory(with, before, optionalId(node, "after", ref), limit, ref);
        }
        return new ClientFrame.RoomHistory(room(node, ref), before, limit, ref);
    }

    private int limit(JsonNode node, String ref) throws ProtocolException {
        JsonNode limit = node.get("limit");
        if (limit == null || limit.isNull()) {
            return DEFAULT_PAGE;
        }
        if (!limit.canConvertToInt() || !limit.isIntegralNumber() || limit.intValue() < 1 || limit.intValue() > MAX_PAGE) {
            throw new ProtocolException(ErrorCode.BAD_FRAME, "limit must be an integer from 1 to " + MAX_PAGE, ref);
        }
        return limit.intValue();
    }

    private String text(String text, String ref) throws ProtocolException {
        if (text == null || text.isBlank()) {
            throw new ProtocolException(ErrorCode.BAD_TEXT, "text must not be empty", ref);
        }
        if (text.length() > maxText) {
            throw new ProtocolException(ErrorCode.TEXT_TOO_LONG, "text longer than " + maxText + " characters", ref);
        }
        if (hasLoneSurrogate(text)) {
            throw new ProtocolException(ErrorCode.BAD_TEXT, "text is not valid Unicode", ref);
        }
        return text;
    }

    private static String room(JsonNode node, String ref) throws ProtocolException {
        String room = optionalString(node, "room", ref);
        if (!Names.validRoom(room)) {
            throw new ProtocolException(ErrorCode.BAD_ROOM, "room must match " + Names.ROOM.pattern(), ref);
        }
        return room;
    }

    private static String optionalId(JsonNode node, String field, String ref) throws ProtocolException {
        String id = optionalString(node, field, ref);
        if (id != null && !StreamId.isValid(id)) {
            throw new ProtocolException(ErrorCode.BAD_ID, field + " must be a message id like 1732291234567-0", ref);
        }
        return id;
    }

    private static String ref(JsonNode node) throws ProtocolException {
        JsonNode ref = node.get("ref");
        if (ref == null || ref.isNull()) {
            return null;
        }
        if (!ref.isTextual() || ref.textValue().length() > MAX_REF || hasLoneSurrogate(ref.textValue())) {
            throw new ProtocolException(ErrorCode.BAD_FRAME, "ref must be a string of at most " + MAX_REF + " characters", null);
        }
        return ref.textValue();
    }

    private static String optionalString(JsonNode node, String field, String ref) throws ProtocolException {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isTextual()) {
            throw new ProtocolException(ErrorCode.BAD_FRAME, field + " must be a string", ref);
        }
        return value.textValue();
    }

    private static boolean hasLoneSurrogate(String s) {
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
