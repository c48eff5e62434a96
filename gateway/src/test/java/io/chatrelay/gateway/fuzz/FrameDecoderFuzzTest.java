package io.chatrelay.gateway.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chatrelay.broker.StreamId;
import io.chatrelay.gateway.protocol.ClientFrame;
import io.chatrelay.gateway.protocol.ErrorCode;
import io.chatrelay.gateway.protocol.FrameDecoder;
import io.chatrelay.gateway.protocol.Names;
import io.chatrelay.gateway.protocol.ProtocolException;
import io.chatrelay.gateway.protocol.ServerFrames;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Fuzz tests of the protocol layer (Jazzer). By default (no {@code JAZZER_FUZZ}) JUnit runs each
 * method once per seed in {@code src/test/resources/io/chatrelay/gateway/fuzz/FrameDecoderFuzzTestInputs/<method>/}
 * (plus the empty input); with {@code JAZZER_FUZZ=1} Jazzer fuzzes one method for its
 * {@code maxDuration}. See docs/operations.md, "Bad input".
 *
 * <p>Properties: {@link FrameDecoder#decode} returns a {@link ClientFrame} or throws
 * {@link ProtocolException} and nothing else; every frame it returns satisfies the documented
 * rules (names, ids, text, ref, limit) and survives a JSON round trip unchanged; and
 * {@link ServerFrames#str} always writes a JSON string literal that parses back to the same string.
 */
class FrameDecoderFuzzTest {
    private static final int MAX_TEXT = 4096;
    private static final int MAX_PAGE = 100;
    private static final FrameDecoder DECODER = new FrameDecoder("lobby", MAX_TEXT);
    private static final FrameDecoder NO_DEFAULT_ROOM = new FrameDecoder("", MAX_TEXT);
    private static final ObjectMapper JSON = new ObjectMapper();

    @FuzzTest(maxDuration = "20s")
    void decodeReturnsAValidFrameOrAProtocolException(FuzzedDataProvider data) {
        String text = data.consumeRemainingAsString();
        ClientFrame frame = decodeOrNull(DECODER, text);
        boolean plain = !text.strip().startsWith("{") && !text.strip().startsWith("[");
        if (frame == null) {
            return;
        }
        checkInvariants(frame);
        if (plain) {
            // plain text is a send of exactly that text to the default room, never anything else
            check(frame.equals(new ClientFrame.SendRoom("lobby", text, null)), "plain text became " + frame);
        }
        // decoding is a pure function of the text
        check(frame.equals(decodeOrNull(DECODER, text)), "decoding twice differs");
        // what the decoder accepted, written back as JSON, decodes to the same frame
        String again = encode(frame);
        ClientFrame reDecoded = decodeOrNull(DECODER, again);
        check(frame.equals(reDecoded), "round trip changed " + frame + " into " + reDecoded + " via " + again);
        // without a default room, plain text is refused (bad_json) and JSON frames decode the same
        ClientFrame strict = decodeOrNull(NO_DEFAULT_ROOM, text);
        check(plain ? strict == null : frame.equals(strict), "default room changed the decoding of a JSON frame");
    }

    @FuzzTest(maxDuration = "20s")
    void serverFrameStringsParseBackToTheSameString(FuzzedDataProvider data) {
        String a = data.consumeString(512);
        String b = data.consumeString(512);
        String c = data.consumeRemainingAsString();
        String literal = ServerFrames.str(c);
        JsonNode parsed = parse(literal);
        check(parsed.isTextual() && parsed.textValue().equals(c), "str() does not round-trip: " + literal);
        check(ServerFrames.str(null).equals("null"), "str(null)");
        // whole frames built from arbitrary strings stay one JSON object with the same fields
        JsonNode message = parse(ServerFrames.roomMessage(a, b, c, 42L).render("1-0"));
        check(message.size() == 6 && "message".equals(message.path("type").textValue())
                && a.equals(message.path("room").textValue()) && b.equals(message.path("from").textValue())
                && c.equals(message.path("text").textValue()) && "1-0".equals(message.path("id").textValue())
                && message.path("ts").longValue() == 42L, "room message frame mangled: " + message);
        JsonNode error = parse(ServerFrames.error(ErrorCode.BAD_FRAME, b, a));
        check("error".equals(error.path("type").textValue()) && "bad_frame".equals(error.path("code").textValue())
                && b.equals(error.path("message").textValue()) && a.equals(error.path("ref").textValue()),
                "error frame mangled: " + error);
        JsonNode presence = parse(ServerFrames.presence(a, b, c));
        check(presence.size() == 4 && a.equals(presence.path("room").textValue()) && b.equals(presence.path("user").textValue())
                && c.equals(presence.path("event").textValue()), "presence frame mangled: " + presence);
    }

    // ---- invariants --------------------------------------------------------------------------

    private static ClientFrame decodeOrNull(FrameDecoder decoder, String text) {
        try {
            return decoder.decode(text);
        } catch (ProtocolException e) {
            // the documented answer: a code, a message that never echoes user input, a sane ref
            check(e.code() != null, "protocol exception without a code");
            check(e.getMessage() != null && !e.getMessage().isBlank(), "protocol exception without a message");
            check(e.ref() == null || validRef(e.ref()), "invalid ref echoed: " + e.ref());
            check(e.code() != ErrorCode.INTERNAL && e.code() != ErrorCode.RATE_LIMITED
                    && e.code() != ErrorCode.BROKER_UNAVAILABLE && e.code() != ErrorCode.NOT_MEMBER
                    && e.code() != ErrorCode.TOO_MANY_ROOMS && e.code() != ErrorCode.BINARY_UNSUPPORTED,
                    "the decoder cannot know " + e.code());
            return null;
        }
    }

    private static void checkInvariants(ClientFrame frame) {
        check(frame.ref() == null || validRef(frame.ref()), "invalid ref " + frame.ref());
        switch (frame) {
            case ClientFrame.Join j -> {
                room(j.room());
                id(j.since());
            }
            case ClientFrame.Leave l -> room(l.room());
            case ClientFrame.SendRoom s -> {
                room(s.room());
                text(s.text());
            }
            case ClientFrame.SendDirect d -> {
                user(d.to());
                text(d.text());
            }
            case ClientFrame.RoomHistory h -> {
                room(h.room());
                id(h.before());
                limit(h.limit());
            }
            case ClientFrame.DirectHistory h -> {
                user(h.with());
                id(h.before());
                id(h.after());
                limit(h.limit());
            }
            case ClientFrame.Typing t -> room(t.room());
            case ClientFrame.Ping p -> {
            }
            case ClientFrame.Status s -> {
            }
        }
    }

    private static void room(String room) {
        check(room != null && Names.ROOM.matcher(room).matches(), "invalid room accepted: " + room);
    }

    private static void user(String user) {
        check(user != null && Names.USER.matcher(user).matches(), "invalid user accepted: " + user);
    }

    private static void id(String id) {
        check(id == null || StreamId.isValid(id), "invalid id accepted: " + id);
        if (id != null) {
            StreamId.parse(id);
        }
    }

    private static void text(String text) {
        check(text != null && !text.isBlank(), "blank text accepted");
        check(text.length() <= MAX_TEXT, "text of " + text.length() + " characters accepted");
        check(!hasLoneSurrogate(text), "text with a lone surrogate accepted");
    }

    private static void limit(int limit) {
        check(limit >= 1 && limit <= MAX_PAGE, "limit " + limit + " accepted");
    }

    private static boolean validRef(String ref) {
        return ref.length() <= FrameDecoder.MAX_REF && !hasLoneSurrogate(ref);
    }

    private static boolean hasLoneSurrogate(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return true;
            }
        }
        return false;
    }

    /** The frame as a client would write it. */
    private static String encode(ClientFrame frame) {
        ObjectNode n = JSON.createObjectNode();
        switch (frame) {
            case ClientFrame.Join j -> n.put("type", "join").put("room", j.room()).put("since", j.since());
            case ClientFrame.Leave l -> n.put("type", "leave").put("room", l.room());
            case ClientFrame.SendRoom s -> n.put("type", "send").put("room", s.room()).put("text", s.text());
            case ClientFrame.SendDirect d -> n.put("type", "send").put("to", d.to()).put("text", d.text());
            case ClientFrame.RoomHistory h -> n.put("type", "history").put("room", h.room()).put("before", h.before())
                    .put("limit", h.limit());
            case ClientFrame.DirectHistory h -> n.put("type", "history").put("with", h.with()).put("before", h.before())
                    .put("after", h.after()).put("limit", h.limit());
            case ClientFrame.Typing t -> n.put("type", "typing").put("room", t.room());
            case ClientFrame.Ping p -> n.put("type", "ping");
            case ClientFrame.Status s -> n.put("type", "status");
        }
        n.put("ref", frame.ref());
        return n.toString();
    }

    private static JsonNode parse(String json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException("not JSON: " + json, e);
        }
    }

    private static void check(boolean condition, String what) {
        if (!condition) {
            throw new AssertionError(what);
        }
    }
}
