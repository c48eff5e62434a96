package io.chatrelay.chat.protocol;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.params.provider.Arguments.arguments;

class FrameDecoderTest {
    private static final int MAX_TEXT = 4096;

    private final FrameDecoder decoder = new FrameDecoder("lobby", MAX_TEXT, 32);

    // ---- invalid frames --------------------------------------------------------------------

    static Stream<Arguments> badFrames() {
        String room64 = "r".repeat(64);
        return Stream.of(
                // not JSON although it starts like JSON
                arguments("truncated object", "{\"type\":\"send\",\"room\":\"r\",\"text\":", ErrorCode.BAD_JSON),
                arguments("lone brace", "{", ErrorCode.BAD_JSON),
                arguments("lone bracket", "[", ErrorCode.BAD_JSON),
                arguments("single quotes", "{'type':'ping'}", ErrorCode.BAD_JSON),
                arguments("unquoted key", "{type:\"ping\"}", ErrorCode.BAD_JSON),
                arguments("trailing comma", "{\"type\":\"ping\",}", ErrorCode.BAD_JSON),
                arguments("two objects", "{\"type\":\"ping\"}{\"type\":\"ping\"}", ErrorCode.BAD_JSON),
                arguments("trailing garbage", "{\"type\":\"ping\"} x", ErrorCode.BAD_JSON),
                arguments("duplicate keys", "{\"type\":\"send\",\"room\":\"r\",\"text\":\"a\",\"text\":\"b\"}", ErrorCode.BAD_JSON),
                arguments("duplicate type", "{\"type\":\"ping\",\"type\":\"status\"}", ErrorCode.BAD_JSON),
                arguments("nested 9 deep", nested(FrameDecoder.MAX_DEPTH + 1), ErrorCode.BAD_JSON),
                arguments("nested 1000 deep", nested(1000), ErrorCode.BAD_JSON),
                arguments("array nested 9 deep", "[".repeat(9) + "]".repeat(9), ErrorCode.BAD_JSON),
                // JSON, but not an object or a field of the wrong type
                arguments("empty array", "[]", ErrorCode.BAD_FRAME),
                arguments("array of a frame", "[{\"type\":\"ping\"}]", ErrorCode.BAD_FRAME),
                arguments("type is a number", "{\"type\":1}", ErrorCode.BAD_FRAME),
                arguments("type is an object", "{\"type\":{\"a\":1}}", ErrorCode.BAD_FRAME),
                arguments("room is a number", "{\"type\":\"join\",\"room\":5}", ErrorCode.BAD_FRAME),
                arguments("text is a number", "{\"type\":\"send\",\"room\":\"r\",\"text\":5}", ErrorCode.BAD_FRAME),
                arguments("text is an array", "{\"type\":\"send\",\"room\":\"r\",\"text\":[\"hi\"]}", ErrorCode.BAD_FRAME),
                arguments("since is a number", "{\"type\":\"join\",\"room\":\"r\",\"since\":5}", ErrorCode.BAD_FRAME),
                arguments("limit 0", "{\"type\":\"history\",\"room\":\"r\",\"limit\":0}", ErrorCode.BAD_FRAME),
                arguments("limit 101", "{\"type\":\"history\",\"room\":\"r\",\"limit\":101}", ErrorCode.BAD_FRAME),
                arguments("limit negative", "{\"type\":\"history\",\"room\":\"r\",\"limit\":-1}", ErrorCode.BAD_FRAME),
                arguments("limit as string", "{\"type\":\"history\",\"room\":\"r\",\"limit\":\"5\"}", ErrorCode.BAD_FRAME),
                arguments("limit fractional", "{\"type\":\"history\",\"room\":\"r\",\"limit\":5.5}", ErrorCode.BAD_FRAME),
                arguments("limit as float", "{\"type\":\"history\",\"room\":\"r\",\"limit\":5.0}", ErrorCode.BAD_FRAME),
                arguments("limit beyond int", "{\"type\":\"history\",\"room\":\"r\",\"limit\":4294967301}", ErrorCode.BAD_FRAME),
                arguments("limit boolean", "{\"type\":\"history\",\"room\":\"r\",\"limit\":true}", ErrorCode.BAD_FRAME),
                // type
                arguments("empty object", "{}", ErrorCode.UNKNOWN_TYPE),
                arguments("missing type", "{\"room\":\"r\",\"text\":\"hi\"}", ErrorCode.UNKNOWN_TYPE),
                arguments("null type", "{\"type\":null}", ErrorCode.UNKNOWN_TYPE),
                arguments("unknown type", "{\"type\":\"shout\"}", ErrorCode.UNKNOWN_TYPE),
                arguments("server frame type", "{\"type\":\"message\",\"room\":\"r\",\"text\":\"hi\"}", ErrorCode.UNKNOWN_TYPE),
                arguments("type in upper case", "{\"type\":\"JOIN\",\"room\":\"r\"}", ErrorCode.UNKNOWN_TYPE),
                arguments("empty type", "{\"type\":\"\"}", ErrorCode.UNKNOWN_TYPE),
                // rooms
                arguments("join without room", "{\"type\":\"join\"}", ErrorCode.BAD_ROOM),
                arguments("null room", "{\"type\":\"join\",\"room\":null}", ErrorCode.BAD_ROOM),
                arguments("empty room", "{\"type\":\"join\",\"room\":\"\"}", ErrorCode.BAD_ROOM),
                arguments("wildcard room", "{\"type\":\"join\",\"room\":\"*\"}", ErrorCode.BAD_ROOM),
                arguments("pattern room", "{\"type\":\"join\",\"room\":\"room:*\"}", ErrorCode.BAD_ROOM),
                arguments("room with space", "{\"type\":\"join\",\"room\":\"a b\"}", ErrorCode.BAD_ROOM),
                arguments("room with newline", "{\"type\":\"join\",\"room\":\"a\\nb\"}", ErrorCode.BAD_ROOM),
                arguments("room ending in newline", "{\"type\":\"join\",\"room\":\"lobby\\n\"}", ErrorCode.BAD_ROOM),
                arguments("room with NUL", "{\"type\":\"join\",\"room\":\"a\\u0000b\"}", ErrorCode.BAD_ROOM),
                arguments("room with DEL", "{\"type\":\"join\",\"room\":\"a\\u007fb\"}", ErrorCode.BAD_ROOM),
                arguments("room with slash", "{\"type\":\"join\",\"room\":\"a/b\"}", ErrorCode.BAD_ROOM),
                arguments("room with braces", "{\"type\":\"join\",\"room\":\"{a}\"}", ErrorCode.BAD_ROOM),
                arguments("room with non-ASCII letter", "{\"type\":\"join\",\"room\":\"caf\\u00e9\"}", ErrorCode.BAD_ROOM),
                arguments("room of 65 characters", "{\"type\":\"join\",\"room\":\"" + room64 + "x\"}", ErrorCode.BAD_ROOM),
                arguments("room of 10 KB", "{\"type\":\"join\",\"room\":\"" + "a".repeat(10 * 1024) + "\"}", ErrorCode.BAD_ROOM),
                arguments("leave without room", "{\"type\":\"leave\"}", ErrorCode.BAD_ROOM),
                arguments("typing with bad room", "{\"type\":\"typing\",\"room\":\"*\"}", ErrorCode.BAD_ROOM),
                arguments("send without room or to", "{\"type\":\"send\",\"text\":\"hi\"}", ErrorCode.BAD_ROOM),
                arguments("history without room or with", "{\"type\":\"history\"}", ErrorCode.BAD_ROOM),
                // users
                arguments("to with space", "{\"type\":\"send\",\"to\":\"b ob\",\"text\":\"hi\"}", ErrorCode.BAD_USER),
                arguments("empty to", "{\"type\":\"send\",\"to\":\"\",\"text\":\"hi\"}", ErrorCode.BAD_USER),
                arguments("to of 65 characters", "{\"type\":\"send\",\"to\":\"" + "u".repeat(65) + "\",\"text\":\"hi\"}", ErrorCode.BAD_USER),
                arguments("history with bad user", "{\"type\":\"history\",\"with\":\"*\"}", ErrorCode.BAD_USER),
                // text
                arguments("send without text", "{\"type\":\"send\",\"room\":\"r\"}", ErrorCode.BAD_TEXT),
                arguments("null text", "{\"type\":\"send\",\"room\":\"r\",\"text\":null}", ErrorCode.BAD_TEXT),
                arguments("empty text", "{\"type\":\"send\",\"room\":\"r\",\"text\":\"\"}", ErrorCode.BAD_TEXT),
                arguments("blank text", "{\"type\":\"send\",\"room\":\"r\",\"text\":\"  \\t\\n \"}", ErrorCode.BAD_TEXT),
                arguments("direct without text", "{\"type\":\"send\",\"to\":\"bob\"}", ErrorCode.BAD_TEXT),
                arguments("lone high surrogate", "{\"type\":\"send\",\"room\":\"r\",\"text\":\"\\ud800\"}", ErrorCode.BAD_TEXT),
                arguments("lone low surrogate", "{\"type\":\"send\",\"room\":\"r\",\"text\":\"a\\udc00b\"}", ErrorCode.BAD_TEXT),
                arguments("swapped surrogates", "{\"type\":\"send\",\"room\":\"r\",\"text\":\"\\ude00\\ud83d\"}", ErrorCode.BAD_TEXT),
                arguments("text over the limit", "{\"type\":\"send\",\"room\":\"r\",\"text\":\"" + "x".repeat(MAX_TEXT + 1) + "\"}",
                        ErrorCode.TEXT_TOO_LONG),
                arguments("two-byte characters over the byte limit", "{\"type\":\"send\",\"room\":\"r\",\"text\":\""
                        + "\u00e9".repeat(MAX_TEXT / 2 + 1) + "\"}", ErrorCode.TEXT_TOO_LONG),
                arguments("emoji over the byte limit", "{\"type\":\"send\",\"room\":\"r\",\"text\":\""
                        + "\ud83d\ude00".repeat(MAX_TEXT / 4 + 1) + "\"}", ErrorCode.TEXT_TOO_LONG),
                arguments("direct text over the limit", "{\"type\":\"send\",\"to\":\"bob\",\"text\":\"" + "x".repeat(MAX_TEXT + 1) + "\"}",
                        ErrorCode.TEXT_TOO_LONG),
                // message parts
                arguments("cid with a space", "{\"type\":\"send\",\"room\":\"r\",\"text\":\"a\",\"cid\":\"a b\"}", ErrorCode.BAD_FRAME),
                arguments("empty cid", "{\"type\":\"send\",\"room\":\"r\",\"text\":\"a\",\"cid\":\"\"}", ErrorCode.BAD_FRAME),
                arguments("cid of 65 characters", "{\"type\":\"send\",\"room\":\"r\",\"text\":\"a\",\"cid\":\""
                        + "c".repeat(TextRules.MAX_CID + 1) + "\"}", ErrorCode.BAD_FRAME),
                arguments("cid of the gateway's own form", "{\"type\":\"send\",\"room\":\"r\",\"text\":\"a\",\"cid\":\"~s1.1\"}",
                        ErrorCode.BAD_FRAME),
                arguments("cid is a number", "{\"type\":\"send\",\"room\":\"r\",\"text\":\"a\",\"cid\":7}", ErrorCode.BAD_FRAME),
                arguments("reply_to not an id", "{\"type\":\"send\",\"room\":\"r\",\"text\":\"a\",\"reply_to\":\"x\"}", ErrorCode.BAD_ID),
                arguments("meta is an array", "{\"type\":\"send\",\"room\":\"r\",\"text\":\"a\",\"meta\":[1]}", ErrorCode.BAD_FRAME),
                arguments("meta is a string", "{\"type\":\"send\",\"room\":\"r\",\"text\":\"a\",\"meta\":\"m\"}", ErrorCode.BAD_FRAME),
                arguments("meta 4 deep", "{\"type\":\"send\",\"room\":\"r\",\"text\":\"a\",\"meta\":{\"a\":{\"b\":{\"c\":{}}}}}",
                        ErrorCode.BAD_FRAME),
                arguments("meta over 1 KiB", "{\"type\":\"send\",\"room\":\"r\",\"text\":\"a\",\"meta\":{\"a\":\""
                        + "m".repeat(TextRules.MAX_META_BYTES) + "\"}}", ErrorCode.BAD_FRAME),
                arguments("edit without target", "{\"type\":\"edit\",\"room\":\"r\",\"text\":\"a\"}", ErrorCode.BAD_ID),
                arguments("edit without text", "{\"type\":\"edit\",\"room\":\"r\",\"target\":\"1-0\"}", ErrorCode.BAD_TEXT),
                arguments("delete of garbage", "{\"type\":\"delete\",\"room\":\"r\",\"target\":\"x\"}", ErrorCode.BAD_ID),
                arguments("react without emoji", "{\"type\":\"react\",\"room\":\"r\",\"target\":\"1-0\"}", ErrorCode.BAD_FRAME),
                arguments("react with a spaced emoji", "{\"type\":\"react\",\"room\":\"r\",\"target\":\"1-0\",\"emoji\":\"a b\"}",
                        ErrorCode.BAD_FRAME),
                arguments("react with a long emoji", "{\"type\":\"react\",\"room\":\"r\",\"target\":\"1-0\",\"emoji\":\""
                        + "e".repeat(TextRules.MAX_EMOJI + 1) + "\"}", ErrorCode.BAD_FRAME),
                arguments("react with an unknown op", "{\"type\":\"react\",\"room\":\"r\",\"target\":\"1-0\",\"emoji\":\"e\","
                        + "\"op\":\"toggle\"}", ErrorCode.BAD_FRAME),
                arguments("read without id", "{\"type\":\"read\",\"room\":\"r\"}", ErrorCode.BAD_ID),
                // ids
                arguments("garbage since", "{\"type\":\"join\",\"room\":\"r\",\"since\":\"yesterday\"}", ErrorCode.BAD_ID),
                arguments("since without sequence", "{\"type\":\"join\",\"room\":\"r\",\"since\":\"1732291234567\"}", ErrorCode.BAD_ID),
                arguments("negative since", "{\"type\":\"join\",\"room\":\"r\",\"since\":\"-1-0\"}", ErrorCode.BAD_ID),
                arguments("overflowing since", "{\"type\":\"join\",\"room\":\"r\",\"since\":\"99999999999999999999-0\"}", ErrorCode.BAD_ID),
                arguments("empty since", "{\"type\":\"join\",\"room\":\"r\",\"since\":\"\"}", ErrorCode.BAD_ID),
                arguments("garbage before", "{\"type\":\"history\",\"room\":\"r\",\"before\":\"x-1\"}", ErrorCode.BAD_ID),
                arguments("garbage after", "{\"type\":\"history\",\"with\":\"bob\",\"after\":\"1-x\"}", ErrorCode.BAD_ID),
                // ref itself invalid: cannot be echoed
                arguments("ref is a number", "{\"type\":\"ping\",\"ref\":1}", ErrorCode.BAD_FRAME),
                arguments("ref is an object", "{\"type\":\"ping\",\"ref\":{\"a\":\"b\"}}", ErrorCode.BAD_FRAME),
                arguments("ref of 65 characters", "{\"type\":\"ping\",\"ref\":\"" + "r".repeat(FrameDecoder.MAX_REF + 1) + "\"}",
                        ErrorCode.BAD_FRAME),
                arguments("ref with lone surrogate", "{\"type\":\"ping\",\"ref\":\"\\ud800\"}", ErrorCode.BAD_FRAME),
                // plain text that cannot be a message
                arguments("empty plain text", "", ErrorCode.BAD_TEXT),
                arguments("blank plain text", "   \t ", ErrorCode.BAD_TEXT),
                arguments("plain text over the limit", "y".repeat(MAX_TEXT + 1), ErrorCode.TEXT_TOO_LONG));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badFrames")
    void refusesBadFramesWithTheDocumentedCode(String description, String frame, ErrorCode expected) {
        ProtocolException e = decodeFailure(frame);

        assertThat(e.code()).as(description).isEqualTo(expected);
        assertThat(e.ref()).as("no ref to echo").isNull();
        assertThat(e.getMessage()).isNotBlank();
    }

    static Stream<Arguments> badFramesWithRef() {
        return badFrames()
                .filter(a -> ((String) a.get()[1]).startsWith("{\""))
                .filter(a -> a.get()[2] != ErrorCode.BAD_JSON)
                .filter(a -> !((String) a.get()[0]).startsWith("ref "))
                .map(a -> arguments(a.get()[0], "{\"ref\":\"c1\"," + ((String) a.get()[1]).substring(1), a.get()[2]));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badFramesWithRef")
    void echoesTheRefOfABadFrame(String description, String frame, ErrorCode expected) {
        ProtocolException e = decodeFailure(frame);

        assertThat(e.code()).as(description).isEqualTo(expected);
        assertThat(e.ref()).as(description).isEqualTo("c1");
    }

    @Test
    void echoesTheRefWhenItComesAfterTheBadField() {
        ProtocolException e = decodeFailure("{\"type\":\"join\",\"room\":\"a b\",\"ref\":\"j-7\"}");

        assertThat(e.code()).isEqualTo(ErrorCode.BAD_ROOM);
        assertThat(e.ref()).isEqualTo("j-7");
    }

    @Test
    void doesNotEchoUserContentInTheMessage() {
        ProtocolException e = decodeFailure("{\"type\":\"join\",\"room\":\"<script>alert(1)</script>\"}");

        assertThat(e.code()).isEqualTo(ErrorCode.BAD_ROOM);
        assertThat(e.getMessage()).doesNotContain("<script>");
    }

    @Test
    void refusesPlainTextWhenThereIsNoDefaultRoom() {
        FrameDecoder strict = new FrameDecoder("", MAX_TEXT, 32);

        ProtocolException e = catchThrowableOfType(ProtocolException.class, () -> strict.decode("hello"));

        assertThat(e).isNotNull();
        assertThat(e.code()).isEqualTo(ErrorCode.BAD_JSON);
    }

    // ---- valid frames ----------------------------------------------------------------------

    @Test
    void treatsPlainTextAsASendToTheDefaultRoom() throws Exception {
        assertThat(decoder.decode("hello")).isEqualTo(new ClientFrame.SendRoom("lobby", "hello", null));
    }

    @ParameterizedTest
    @ValueSource(strings = {"hello world", "null", "42", "true", "\"quoted\"", "<b>hi</b>", "héllo 👋", "} not json"})
    void treatsAnyTextNotStartingLikeJsonAsPlainText(String text) throws Exception {
        assertThat(decoder.decode(text)).isEqualTo(new ClientFrame.SendRoom("lobby", text, null));
    }

    @Test
    void usesTheConfiguredDefaultRoomForPlainText() throws Exception {
        FrameDecoder custom = new FrameDecoder("general", MAX_TEXT, 32);

        assertThat(custom.decode("hi")).isEqualTo(new ClientFrame.SendRoom("general", "hi", null));
    }

    static Stream<Arguments> validFrames() {
        return Stream.of(
                arguments("{\"type\":\"join\",\"room\":\"r\"}", new ClientFrame.Join("r", null, null)),
                arguments("{\"type\":\"join\",\"room\":\"a.b:c_d-E9\",\"since\":\"1732291234567-3\",\"ref\":\"j1\"}",
                        new ClientFrame.Join("a.b:c_d-E9", "1732291234567-3", "j1")),
                arguments("{\"type\":\"join\",\"room\":\"r\",\"since\":null}", new ClientFrame.Join("r", null, null)),
                arguments("{\"type\":\"leave\",\"room\":\"r\",\"ref\":\"l1\"}", new ClientFrame.Leave("r", "l1")),
                arguments("{\"type\":\"send\",\"room\":\"r\",\"text\":\"hi\",\"ref\":\"c1\"}", new ClientFrame.SendRoom("r", "hi", "c1")),
                arguments("{\"type\":\"send\",\"room\":\"r\",\"text\":\"hi\"}", new ClientFrame.SendRoom("r", "hi", null)),
                arguments("{\"type\":\"send\",\"to\":\"bob@example.com\",\"text\":\"hi\",\"ref\":\"c2\"}",
                        new ClientFrame.SendDirect("bob@example.com", "hi", "c2")),
                arguments("{\"type\":\"history\",\"room\":\"r\",\"before\":\"5-1\",\"limit\":10,\"ref\":\"h1\"}",
                        new ClientFrame.RoomHistory("r", "5-1", 10, "h1")),
                arguments("{\"type\":\"history\",\"room\":\"r\"}", new ClientFrame.RoomHistory("r", null, 50, null)),
                arguments("{\"type\":\"history\",\"room\":\"r\",\"limit\":null}", new ClientFrame.RoomHistory("r", null, 50, null)),
                arguments("{\"type\":\"history\",\"room\":\"r\",\"limit\":1}", new ClientFrame.RoomHistory("r", null, 1, null)),
                arguments("{\"type\":\"history\",\"room\":\"r\",\"limit\":100}", new ClientFrame.RoomHistory("r", null, 100, null)),
                arguments("{\"type\":\"history\",\"with\":\"bob\",\"after\":\"7-0\",\"ref\":\"h2\"}",
                        new ClientFrame.DirectHistory("bob", null, "7-0", 50, "h2")),
                arguments("{\"type\":\"history\",\"with\":\"bob\",\"before\":\"7-0\",\"limit\":20}",
                        new ClientFrame.DirectHistory("bob", "7-0", null, 20, null)),
                arguments("{\"type\":\"typing\",\"room\":\"r\"}", new ClientFrame.Typing("r", null)),
                arguments("{\"type\":\"send\",\"room\":\"r\",\"text\":\"hi\",\"cid\":\"k-1\",\"reply_to\":\"5-0\",\"meta\":{\"a\":[1]}}",
                        new ClientFrame.SendRoom("r", new Post("hi", "k-1", "5-0", "{\"a\":[1]}"), null)),
                arguments("{\"type\":\"edit\",\"room\":\"r\",\"target\":\"5-0\",\"text\":\"new\",\"ref\":\"e\"}",
                        new ClientFrame.Edit("r", "5-0", "new", "e")),
                arguments("{\"type\":\"delete\",\"room\":\"r\",\"target\":\"5-0\"}", new ClientFrame.Delete("r", "5-0", null)),
                arguments("{\"type\":\"react\",\"room\":\"r\",\"target\":\"5-0\",\"emoji\":\"+1\"}",
                        new ClientFrame.React("r", "5-0", "+1", true, null)),
                arguments("{\"type\":\"react\",\"room\":\"r\",\"target\":\"5-0\",\"emoji\":\"+1\",\"op\":\"remove\"}",
                        new ClientFrame.React("r", "5-0", "+1", false, null)),
                arguments("{\"type\":\"read\",\"room\":\"r\",\"id\":\"5-0\"}", new ClientFrame.Read("r", "5-0", null)),
                arguments("{\"type\":\"ping\"}", new ClientFrame.Ping(null)),
                arguments("{\"type\":\"ping\",\"ref\":\"p1\"}", new ClientFrame.Ping("p1")),
                arguments("{\"type\":\"ping\",\"ref\":null}", new ClientFrame.Ping(null)),
                arguments("{\"type\":\"status\",\"ref\":\"s1\"}", new ClientFrame.Status("s1")),
                arguments("  \n{\"type\":\"ping\"}\n  ", new ClientFrame.Ping(null)),
                arguments("{\"type\":\"ping\",\"extra\":{\"ignored\":[1,2,3]}}", new ClientFrame.Ping(null)));
    }

    @ParameterizedTest
    @MethodSource("validFrames")
    void decodesValidFramesToTheirRecord(String frame, ClientFrame expected) throws Exception {
        assertThat(decoder.decode(frame)).isEqualTo(expected);
    }

    @Test
    void acceptsTextOfExactlyTheLimit() throws Exception {
        String text = "x".repeat(MAX_TEXT);

        ClientFrame frame = decoder.decode("{\"type\":\"send\",\"room\":\"r\",\"text\":\"" + text + "\"}");

        assertThat(frame).isEqualTo(new ClientFrame.SendRoom("r", text, null));
    }

    @Test
    void countsTextInUtf8BytesNotCharacters() throws Exception {
        String text = "\u00e9".repeat(MAX_TEXT / 2);

        ClientFrame frame = decoder.decode("{\"type\":\"send\",\"room\":\"r\",\"text\":\"" + text + "\"}");

        assertThat(((ClientFrame.SendRoom) frame).post().text()).isEqualTo(text);
        assertThat(decodeFailure("{\"type\":\"send\",\"room\":\"r\",\"text\":\"" + text + "e\"}").code())
                .isEqualTo(ErrorCode.TEXT_TOO_LONG);
    }

    @Test
    void keepsEscapedCharactersAndSurrogatePairsOfText() throws Exception {
        ClientFrame frame = decoder.decode(
                "{\"type\":\"send\",\"room\":\"r\",\"text\":\"a \\\"quote\\\" \\\\ back\\nslash \\ud83d\\ude00 <script>\"}");

        assertThat(frame).isEqualTo(new ClientFrame.SendRoom("r", "a \"quote\" \\ back\nslash 😀 <script>", null));
    }

    @Test
    void acceptsRoomsOfExactly64CharactersAndRefsOfExactly64() throws Exception {
        String room = "r".repeat(64);
        String ref = "f".repeat(FrameDecoder.MAX_REF);

        assertThat(decoder.decode("{\"type\":\"join\",\"room\":\"" + room + "\",\"ref\":\"" + ref + "\"}"))
                .isEqualTo(new ClientFrame.Join(room, null, ref));
    }

    @Test
    void acceptsNestingOfExactlyTheMaximumDepth() throws Exception {
        assertThat(decoder.decode(nested(FrameDecoder.MAX_DEPTH))).isEqualTo(new ClientFrame.Ping(null));
    }

    @Test
    void prefersTheDirectFormWhenBothToAndRoomAreGiven() throws Exception {
        assertThat(decoder.decode("{\"type\":\"send\",\"to\":\"bob\",\"room\":\"r\",\"text\":\"hi\"}"))
                .isEqualTo(new ClientFrame.SendDirect("bob", "hi", null));
    }

    // ---- helpers ---------------------------------------------------------------------------

    /** A ping whose total object nesting depth is {@code depth} (the frame object itself is depth 1). */
    private static String nested(int depth) {
        return "{\"type\":\"ping\",\"x\":" + "{\"a\":".repeat(depth - 1) + "1" + "}".repeat(depth - 1) + "}";
    }

    private ProtocolException decodeFailure(String frame) {
        ProtocolException e = catchThrowableOfType(ProtocolException.class, () -> decoder.decode(frame));
        assertThat(e).as("decoding %s should fail", abbreviate(frame)).isNotNull();
        return e;
    }

    private static String abbreviate(String s) {
        return s.length() <= 120 ? s : s.substring(0, 120) + "...";
    }
}
