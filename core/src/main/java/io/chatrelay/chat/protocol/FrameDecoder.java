package io.chatrelay.chat.protocol;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chatrelay.broker.StreamId;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

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
    /** Longest connection token accepted in {@code hello}. */
    public static final int MAX_TOKEN = 8192;
    private static final int DEFAULT_PAGE = 50;
    private static final int MAX_PAGE = 100;

    private final ObjectMapper mapper;
    private final String defaultRoom;
    private final int maxText;
    private final int maxRooms;

    /**
     * Creates a decoder.
     *
     * @param defaultRoom room that plain text goes to, empty for none
     * @param maxText     longest text accepted, in bytes as sent (UTF-8, JSON-escaped)
     * @param maxRooms    most rooms one {@code hello} may ask for
     */
    public FrameDecoder(String defaultRoom, int maxText, int maxRooms) {
        JsonFactory factory = JsonFactory.builder()
                .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH).build())
                .enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .build();
        this.mapper = new ObjectMapper(factory);
        this.defaultRoom = defaultRoom;
        this.maxText = maxText;
        this.maxRooms = maxRooms;
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
            return new ClientFrame.SendRoom(defaultRoom, TextRules.text(text, maxText, null), null);
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
            case "hello" -> hello(node, ref);
            case "join" -> new ClientFrame.Join(room(node, ref), optionalId(node, "since", ref), token(node, ref, false), ref);
            case "refresh" -> new ClientFrame.Refresh(token(node, ref, true), ref);
            case "leave" -> new ClientFrame.Leave(room(node, ref), ref);
            case "send" -> send(node, ref);
            case "history" -> history(node, ref);
            case "members" -> new ClientFrame.Members(room(node, ref), memberId(node, ref), limit(node, ref), ref);
            case "typing" -> new ClientFrame.Typing(room(node, ref), ref);
            case "edit" -> new ClientFrame.Edit(room(node, ref), requiredId(node, "target", ref),
                    TextRules.text(optionalString(node, "text", ref), maxText, ref), ref);
            case "delete" -> new ClientFrame.Delete(room(node, ref), requiredId(node, "target", ref), ref);
            case "react" -> new ClientFrame.React(room(node, ref), requiredId(node, "target", ref),
                    TextRules.emoji(optionalString(node, "emoji", ref), ref), !"remove".equals(op(node, ref)), ref);
            case "read" -> new ClientFrame.Read(room(node, ref), requiredId(node, "id", ref), ref);
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

    private ClientFrame hello(JsonNode node, String ref) throws ProtocolException {
        String name = optionalString(node, "name", ref);
        String token = token(node, ref, false);
        Map<String, String> rooms = new LinkedHashMap<>();
        JsonNode wanted = node.get("rooms");
        if (wanted != null && !wanted.isNull()) {
            if (!wanted.isObject()) {
                throw new ProtocolException(ErrorCode.BAD_FRAME, "rooms must map room names to the last id seen or null", ref);
            }
            if (wanted.size() > maxRooms) {
                throw new ProtocolException(ErrorCode.TOO_MANY_ROOMS, "at most " + maxRooms + " rooms per connection", ref);
            }
            for (var field : wanted.properties()) {
                if (!Names.validRoom(field.getKey())) {
                    throw new ProtocolException(ErrorCode.BAD_ROOM, "room must match " + Names.ROOM.pattern(), ref);
                }
                rooms.put(field.getKey(), optionalId(wanted, field.getKey(), ref));
            }
        }
        return new ClientFrame.Hello(name, token, rooms, ref);
    }

    private static String token(JsonNode node, String ref, boolean required) throws ProtocolException {
        String token = optionalString(node, "token", ref);
        if (token == null || token.isEmpty()) {
            if (required) {
                throw new ProtocolException(ErrorCode.BAD_FRAME, "token is required", ref);
            }
            return null;
        }
        if (token.length() > MAX_TOKEN) {
            throw new ProtocolException(ErrorCode.BAD_FRAME, "token longer than " + MAX_TOKEN + " characters", ref);
        }
        return token;
    }

    private ClientFrame send(JsonNode node, String ref) throws ProtocolException {
        String to = optionalString(node, "to", ref);
        Post post = new Post(TextRules.text(optionalString(node, "text", ref), maxText, ref),
                TextRules.cid(optionalString(node, "cid", ref), ref), optionalId(node, "reply_to", ref),
                TextRules.meta(node.get("meta"), mapper, ref));
        if (to != null) {
            if (!Names.validUser(to)) {
                throw new ProtocolException(ErrorCode.BAD_USER, "to must match " + Names.USER.pattern(), ref);
            }
            return new ClientFrame.SendDirect(to, post, ref);
        }
        return new ClientFrame.SendRoom(room(node, ref), post, ref);
    }

    private static String requiredId(JsonNode node, String field, String ref) throws ProtocolException {
        String id = optionalId(node, field, ref);
        if (id == null) {
            throw new ProtocolException(ErrorCode.BAD_ID, field + " is required: a message id like 1732291234567-0", ref);
        }
        return id;
    }

    private static String op(JsonNode node, String ref) throws ProtocolException {
        String op = optionalString(node, "op", ref);
        if (op != null && !op.equals("add") && !op.equals("remove")) {
            throw new ProtocolException(ErrorCode.BAD_FRAME, "op must be add or remove", ref);
        }
        return op;
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

    /** The member id a members page starts after: a string of at most 256 characters, or none. */
    private static String memberId(JsonNode node, String ref) throws ProtocolException {
        String after = optionalString(node, "after", ref);
        if (after != null && (after.isEmpty() || after.length() > 256 || TextRules.hasLoneSurrogate(after))) {
            throw new ProtocolException(ErrorCode.BAD_FRAME, "after must be a member id of 1 to 256 characters", ref);
        }
        return after;
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
        if (!ref.isTextual() || ref.textValue().length() > MAX_REF || TextRules.hasLoneSurrogate(ref.textValue())) {
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
}
