package io.chatrelay.chat.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chatrelay.broker.StreamId;
import io.chatrelay.chat.protocol.ClientFrame;
import io.chatrelay.chat.protocol.ErrorCode;
import io.chatrelay.chat.protocol.FrameDecoder;
import io.chatrelay.chat.protocol.Names;
import io.chatrelay.chat.protocol.TextRules;
import io.chatrelay.chat.protocol.ProtocolException;
import io.chatrelay.chat.protocol.ServerFrames;

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
    private static final FrameDecoder DECODER = new FrameDecoder("lobby", MAX_TEXT, 32);
    private static final FrameDecoder NO_DEFAULT_ROOM = new FrameDecoder("", MAX_TEXT, 32);
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
        JsonNode message = parse(ServerFrames.roomMessage(a, "fuzzer", "fuzzer", c, 42L).render("1-0"));
        check(message.size() == 7 && "message".equals(message.path("type").textValue())
                && a.equals(message.path("room").textValue()) && "fuzzer".equals(message.path("from").textValue())
                && c.equals(message.path("text").textValue()) && "1-0".equals(message.path("id").textValue())
                && message.path("ts").longValue() == 42L, "room message frame mangled: " + message);
        JsonNode error = parse(ServerFrames.error(ErrorCode.BAD_FRAME, b, a));
        check("error".equals(error.path("type").textValue()) && "bad_frame".equals(error.path("code").textValue())
                && b.equals(error.path("message").textValue()) && a.equals(error.path("ref").textValue()),
                "error frame mangled: " + error);
        JsonNode presence = parse(ServerFrames.presence(a, b, b, c));
        check(presence.size() == 5 && a.equals(presence.path("room").textValue()) && b.equals(presence.path("user").textValue())
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
                    && e.code() != ErrorCode.BINARY_UNSUPPORTED,
                    "the decoder cannot know " + e.code());
            return null;
        }
    }

    private static void checkInvariants(ClientFrame frame) {
        check(frame.ref() == null || validRef(frame.ref()), "invalid ref " + frame.ref());
        switch (frame) {
            case ClientFrame.Hello h -> {
                check(h.rooms().size() <= 32, "too many rooms accepted in hello");
                check(h.token() == null || h.token().length() <= FrameDecoder.MAX_TOKEN, "token too long accepted");
                h.rooms().forEach((room, since) -> {
                    room(room);
                    id(since);
                });
            }
            case ClientFrame.Join j -> {
                room(j.room());
                id(j.since());
                check(j.token() == null || !j.token().isEmpty() && j.token().length() <= FrameDecoder.MAX_TOKEN, "bad room token accepted");
            }
            case ClientFrame.Refresh r -> check(r.token() != null && !r.token().isEmpty()
                    && r.token().length() <= FrameDecoder.MAX_TOKEN, "bad refresh token accepted");
            case ClientFrame.Edit e -> {
                room(e.room());
                id(e.target());
                text(e.text());
            }
            case ClientFrame.Delete d -> {
                room(d.room());
                id(d.target());
            }
            case ClientFrame.React r -> {
                room(r.room());
                id(r.target());
                check(r.emoji() != null && !r.emoji().isEmpty() && r.emoji().length() <= TextRules.MAX_EMOJI, "bad emoji accepted");
            }
            case ClientFrame.Read r -> {
                room(r.room());
                id(r.id());
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
            case ClientFrame.Members m -> {
                room(m.room());
                check(m.after() == null || !m.after().isEmpty() && m.after().length() <= 256, "bad member id accepted: " + m.after());
                limit(m.limit());
            }
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
        int bytes = ServerFrames.utf8Length(ServerFrames.str(text)) - 2;
        check(bytes <= MAX_TEXT, "text of " + bytes + " bytes accepted");
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
            case ClientFrame.Hello h -> {
                n.put("type", "hello").put("name", h.name()).put("token", h.token());
                ObjectNode rooms = n.putObject("rooms");
                h.rooms().forEach(rooms::put);
            }
            case ClientFrame.Join j -> n.put("type", "join").put("room", j.room()).put("since", j.since()).put("token", j.token());
            case ClientFrame.Refresh r -> n.put("type", "refresh").put("token", r.token());
            case ClientFrame.Edit e -> n.put("type", "edit").put("room", e.room()).put("target", e.target()).put("text", e.text());
            case ClientFrame.Delete d -> n.put("type", "delete").put("room", d.room()).put("target", d.target());
            case ClientFrame.React r -> n.put("type", "react").put("room", r.room()).put("target", r.target()).put("emoji", r.emoji())
                    .put("op", r.add() ? "add" : "remove");
            case ClientFrame.Read r -> n.put("type", "read").put("room", r.room()).put("id", r.id());
            case ClientFrame.Leave l -> n.put("type", "leave").put("room", l.room());
            case ClientFrame.SendRoom s -> post(n.put("type", "send").put("room", s.room()), s.post());
            case ClientFrame.SendDirect d -> post(n.put("type", "send").put("to", d.to()), d.post());
            case ClientFrame.RoomHistory h -> n.put("type", "history").put("room", h.room()).put("before", h.before())
                    .put("limit", h.limit());
            case ClientFrame.DirectHistory h -> n.put("type", "history").put("with", h.with()).put("before", h.before())
                    .put("after", h.after()).put("limit", h.limit());
            case ClientFrame.Typing t -> n.put("type", "typing").put("room", t.room());
            case ClientFrame.Members m -> n.put("type", "members").put("room", m.room()).put("after", m.after()).put("limit", m.limit());
            case ClientFrame.Ping p -> n.put("type", "ping");
            case ClientFrame.Status s -> n.put("type", "status");
        }
        n.put("ref", frame.ref());
        return n.toString();
    }

    private static void post(ObjectNode n, io.chatrelay.chat.protocol.Post post) {
        n.put("text", post.text()).put("cid", post.cid()).put("reply_to", post.replyTo());
        if (post.meta() != null) {
            n.set("meta", parse(post.meta()));
        }
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
