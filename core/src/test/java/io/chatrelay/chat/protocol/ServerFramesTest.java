package io.chatrelay.chat.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chatrelay.broker.FrameTemplate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

class ServerFramesTest {
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(com.fasterxml.jackson.core.JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    /** Strings that break naive JSON writers. */
    static Stream<String> nastyStrings() {
        return Stream.of(
                "plain",
                "",
                "say \"hi\"",
                "back\\slash \\\" \\n",
                "line\nbreak\r\nand\ttab",
                "</script><script>alert('x')</script>",
                "unicode: héllo wörld ✓ 日本語 😀 \uD83D\uDC4D",
                "controls: \u0000 \u0001 \u001f \u007f \u2028 \u2029",
                "{\"type\":\"error\"}",
                "\"},\"type\":\"welcome\",\"x\":{\"");
    }

    @Test
    void carriesKindSenderAndTimeBesideTheMessage() {
        FrameTemplate room = ServerFrames.roomMessage("r", "al.ice@x-1", "al.ice@x-1", "hi", 5L);
        FrameTemplate direct = ServerFrames.directMessage("bob", "alice", "alice", "hi", 6L);

        assertThat(room.meta()).isEqualTo(new io.chatrelay.broker.FrameMeta("message", "al.ice@x-1", 5L));
        assertThat(direct.meta()).isEqualTo(new io.chatrelay.broker.FrameMeta("direct", "alice", 6L));
    }

    @Test
    void writesWelcomeWithProtocolUserAndNode() throws Exception {
        JsonNode n = parse(ServerFrames.welcome(1, "alice", "alice", "gw-1", null));

        assertThat(fields(n)).containsExactlyInAnyOrder("type", "protocol", "user", "name", "node");
        assertThat(n.get("type").asText()).isEqualTo("welcome");
        assertThat(n.get("protocol").isInt()).isTrue();
        assertThat(n.get("protocol").intValue()).isEqualTo(1);
        assertThat(n.get("user").asText()).isEqualTo("alice");
        assertThat(n.get("node").asText()).isEqualTo("gw-1");
    }

    @Test
    void aLargeRoomsJoinedListsTheFirstPageAndTheCountAndMembersPagesOn() throws Exception {
        JsonNode joined = parse(ServerFrames.joined("big", null, members("a1", "a2"), 5000, List.of(), false, null));
        assertThat(texts(joined.get("members"))).containsExactly("a1", "a2");
        assertThat(joined.get("member_count").asLong()).isEqualTo(5000);
        assertThat(joined.get("members_more").asBoolean()).isTrue();

        JsonNode page = parse(ServerFrames.members("big", members("a3", "a4"), true, "m1"));
        assertThat(fields(page)).containsExactlyInAnyOrder("type", "room", "members", "names", "more", "ref");
        assertThat(texts(page.get("members"))).containsExactly("a3", "a4");
        assertThat(page.get("names").get("a3").asText()).isNotEmpty();
        assertThat(page.get("more").asBoolean()).isTrue();
    }

    @Test
    void writesJoinedWithoutRecoveredWhenThereWasNoSince() throws Exception {
        String message = render(ServerFrames.roomMessage("r", "alice", "alice", "hi", 5L), "5-0");

        JsonNode n = parse(ServerFrames.joined("r", null, members("alice", "bob"), List.of(message), false));

        assertThat(fields(n)).containsExactlyInAnyOrder("type", "room", "members", "names", "member_count", "messages");
        assertThat(n.get("member_count").asLong()).isEqualTo(2);
        assertThat(n.get("type").asText()).isEqualTo("joined");
        assertThat(n.get("room").asText()).isEqualTo("r");
        assertThat(texts(n.get("members"))).containsExactly("alice", "bob");
        assertThat(n.get("messages").isArray()).isTrue();
        assertThat(n.get("messages")).hasSize(1);
        assertThat(n.get("messages").get(0)).isEqualTo(parse(message));
    }

    @Test
    void writesJoinedWithRecoveredTrueOrFalse() throws Exception {
        JsonNode recovered = parse(ServerFrames.joined("r", true, members(), List.of(), false));
        JsonNode notRecovered = parse(ServerFrames.joined("r", false, members(), List.of(), false));

        assertThat(recovered.get("recovered").isBoolean()).isTrue();
        assertThat(recovered.get("recovered").booleanValue()).isTrue();
        assertThat(notRecovered.get("recovered").booleanValue()).isFalse();
        assertThat(recovered.get("members").isArray()).isTrue();
        assertThat(recovered.get("members")).isEmpty();
        assertThat(recovered.get("messages")).isEmpty();
    }

    @Test
    void splicesSeveralMessagesIntoJoinedOldestFirst() throws Exception {
        List<String> messages = List.of(
                render(ServerFrames.roomMessage("r", "a", "a", "one", 1L), "1-0"),
                render(ServerFrames.roomMessage("r", "b", "b", "two", 2L), "2-0"),
                render(ServerFrames.roomMessage("r", "c", "c", "three", 3L), "3-0"));

        JsonNode n = parse(ServerFrames.joined("r", null, members("a", "b", "c"), messages, false));

        List<String> ids = new ArrayList<>();
        n.get("messages").forEach(m -> ids.add(m.get("id").asText()));
        assertThat(ids).containsExactly("1-0", "2-0", "3-0");
    }

    @Test
    void writesHistoryForARoomAndForADirectConversation() throws Exception {
        String message = render(ServerFrames.directMessage("bob", "alice", "alice", "hi", 9L), "9-0");

        JsonNode room = parse(ServerFrames.history("room", "r", List.of(), true, "h1"));
        JsonNode direct = parse(ServerFrames.history("with", "bob", List.of(message, message), false, null));

        assertThat(fields(room)).containsExactlyInAnyOrder("type", "room", "messages", "more", "ref");
        assertThat(room.get("type").asText()).isEqualTo("history");
        assertThat(room.get("room").asText()).isEqualTo("r");
        assertThat(room.get("messages")).isEmpty();
        assertThat(room.get("more").booleanValue()).isTrue();
        assertThat(room.get("ref").asText()).isEqualTo("h1");

        assertThat(fields(direct)).containsExactlyInAnyOrder("type", "with", "messages", "more", "ref");
        assertThat(direct.get("with").asText()).isEqualTo("bob");
        assertThat(direct.get("messages")).hasSize(2);
        assertThat(direct.get("more").booleanValue()).isFalse();
        assertThat(direct.get("ref").isNull()).isTrue();
    }

    @Test
    void writesLeft() throws Exception {
        JsonNode n = parse(ServerFrames.left("r"));

        assertThat(fields(n)).containsExactlyInAnyOrder("type", "room");
        assertThat(n.get("type").asText()).isEqualTo("left");
        assertThat(n.get("room").asText()).isEqualTo("r");
    }

    @Test
    void writesAckWithRefAndId() throws Exception {
        JsonNode n = parse(ServerFrames.ack("c1", "1732291234567-0"));

        assertThat(fields(n)).containsExactlyInAnyOrder("type", "ref", "id");
        assertThat(n.get("type").asText()).isEqualTo("ack");
        assertThat(n.get("ref").asText()).isEqualTo("c1");
        assertThat(n.get("id").asText()).isEqualTo("1732291234567-0");
    }

    @Test
    void writesAckWithANullRefWhenTheSendHadNone() throws Exception {
        JsonNode n = parse(ServerFrames.ack(null, "1-0"));

        assertThat(n.has("ref")).isTrue();
        assertThat(n.get("ref").isNull()).isTrue();
    }

    @Test
    void writesPresenceAndTyping() throws Exception {
        JsonNode presence = parse(ServerFrames.presence("r", "bob", "bob", "join"));
        JsonNode typing = parse(ServerFrames.typing("r", "bob", "bob"));

        assertThat(fields(presence)).containsExactlyInAnyOrder("type", "room", "user", "name", "event");
        assertThat(presence.get("type").asText()).isEqualTo("presence");
        assertThat(presence.get("room").asText()).isEqualTo("r");
        assertThat(presence.get("user").asText()).isEqualTo("bob");
        assertThat(presence.get("event").asText()).isEqualTo("join");
        assertThat(fields(typing)).containsExactlyInAnyOrder("type", "room", "user", "name");
        assertThat(typing.get("type").asText()).isEqualTo("typing");
        assertThat(typing.get("user").asText()).isEqualTo("bob");
    }

    @Test
    void writesPong() throws Exception {
        JsonNode n = parse(ServerFrames.PONG);

        assertThat(fields(n)).containsExactly("type");
        assertThat(n.get("type").asText()).isEqualTo("pong");
    }

    @Test
    void writesStatusWithNumbersAsNumbers() throws Exception {
        JsonNode n = parse(ServerFrames.status("gw-1", 12, 3, "UP"));

        assertThat(fields(n)).containsExactlyInAnyOrder("type", "node", "connections", "rooms", "broker");
        assertThat(n.get("type").asText()).isEqualTo("status");
        assertThat(n.get("node").asText()).isEqualTo("gw-1");
        assertThat(n.get("connections").isInt()).isTrue();
        assertThat(n.get("connections").intValue()).isEqualTo(12);
        assertThat(n.get("rooms").intValue()).isEqualTo(3);
        assertThat(n.get("broker").asText()).isEqualTo("UP");
    }

    @ParameterizedTest
    @EnumSource(ErrorCode.class)
    void writesErrorsWithTheWireCode(ErrorCode code) throws Exception {
        JsonNode n = parse(ServerFrames.error(code, "reason", "c1"));

        assertThat(fields(n)).containsExactlyInAnyOrder("type", "code", "message", "ref");
        assertThat(n.get("type").asText()).isEqualTo("error");
        assertThat(n.get("code").asText()).isEqualTo(code.name().toLowerCase(java.util.Locale.ROOT)).matches("[a-z_]+");
        assertThat(n.get("message").asText()).isEqualTo("reason");
        assertThat(n.get("ref").asText()).isEqualTo("c1");
    }

    @Test
    void writesErrorWithANullRef() throws Exception {
        JsonNode n = parse(ServerFrames.error(ErrorCode.BAD_JSON, "invalid JSON", null));

        assertThat(n.get("code").asText()).isEqualTo("bad_json");
        assertThat(n.get("ref").isNull()).isTrue();
    }

    @Test
    void rendersTheRoomMessageWithTheIdInPlace() throws Exception {
        FrameTemplate template = ServerFrames.roomMessage("r", "alice", "alice", "hi", 1732291234567L);

        JsonNode n = parse(template.render("1732291234567-0"));

        assertThat(fields(n)).containsExactly("type", "room", "id", "from", "name", "text", "ts");
        assertThat(n.get("type").asText()).isEqualTo("message");
        assertThat(n.get("room").asText()).isEqualTo("r");
        assertThat(n.get("id").asText()).isEqualTo("1732291234567-0");
        assertThat(n.get("from").asText()).isEqualTo("alice");
        assertThat(n.get("text").asText()).isEqualTo("hi");
        assertThat(n.get("ts").isIntegralNumber()).isTrue();
        assertThat(n.get("ts").longValue()).isEqualTo(1732291234567L);
    }

    @Test
    void rendersTheSameTemplateWithDifferentIds() throws Exception {
        FrameTemplate template = ServerFrames.roomMessage("r", "alice", "alice", "hi", 1L);

        assertThat(parse(template.render("1-0")).get("id").asText()).isEqualTo("1-0");
        assertThat(parse(template.render("1-1")).get("id").asText()).isEqualTo("1-1");
    }

    @Test
    void rendersTheDirectMessageWithToAndTheIdInPlace() throws Exception {
        FrameTemplate template = ServerFrames.directMessage("bob", "alice", "alice", "psst", 42L);

        JsonNode n = parse(template.render("42-7"));

        assertThat(fields(n)).containsExactly("type", "to", "id", "from", "name", "text", "ts");
        assertThat(n.get("type").asText()).isEqualTo("message");
        assertThat(n.get("to").asText()).isEqualTo("bob");
        assertThat(n.get("id").asText()).isEqualTo("42-7");
        assertThat(n.get("from").asText()).isEqualTo("alice");
        assertThat(n.get("text").asText()).isEqualTo("psst");
        assertThat(n.get("ts").longValue()).isEqualTo(42L);
    }

    @ParameterizedTest
    @MethodSource("nastyStrings")
    void roundTripsMessageTextAndNamesThroughJackson(String s) throws Exception {
        JsonNode room = parse(ServerFrames.roomMessage(s, "sender", "sender", s, 7L).render("7-0"));
        JsonNode direct = parse(ServerFrames.directMessage(s, "sender", "sender", s, 7L).render("7-0"));

        assertThat(room.get("type").asText()).isEqualTo("message");
        assertThat(room.get("room").asText()).isEqualTo(s);
        assertThat(room.get("from").asText()).isEqualTo("sender");
        assertThat(room.get("text").asText()).isEqualTo(s);
        assertThat(room.get("id").asText()).isEqualTo("7-0");
        assertThat(direct.get("to").asText()).isEqualTo(s);
        assertThat(direct.get("text").asText()).isEqualTo(s);
    }

    @ParameterizedTest
    @MethodSource("nastyStrings")
    void roundTripsStringsInEveryOtherFrame(String s) throws Exception {
        assertThat(parse(ServerFrames.welcome(1, s, s, s, null)).get("user").asText()).isEqualTo(s);
        assertThat(parse(ServerFrames.welcome(1, s, s, s, null)).get("node").asText()).isEqualTo(s);
        assertThat(parse(ServerFrames.welcome(1, "u", s, "n", s)).get("name").asText()).isEqualTo(s);
        assertThat(parse(ServerFrames.welcome(1, "u", s, "n", s)).get("guest_token").asText()).isEqualTo(s);
        JsonNode joined = parse(ServerFrames.joined(s, null, java.util.Map.of(s, s + "!"), List.of(), false));
        assertThat(joined.get("room").asText()).isEqualTo(s);
        assertThat(texts(joined.get("members"))).containsExactly(s);
        assertThat(joined.get("names").get(s).asText()).isEqualTo(s + "!");
        JsonNode history = parse(ServerFrames.history("room", s, List.of(), false, s));
        assertThat(history.get("room").asText()).isEqualTo(s);
        assertThat(history.get("ref").asText()).isEqualTo(s);
        assertThat(parse(ServerFrames.left(s)).get("room").asText()).isEqualTo(s);
        assertThat(parse(ServerFrames.ack(s, "1-0")).get("ref").asText()).isEqualTo(s);
        JsonNode presence = parse(ServerFrames.presence(s, s, s, s));
        assertThat(presence.get("user").asText()).isEqualTo(s);
        assertThat(presence.get("event").asText()).isEqualTo(s);
        assertThat(parse(ServerFrames.typing(s, s, s)).get("user").asText()).isEqualTo(s);
        assertThat(parse(ServerFrames.status(s, 0, 0, s)).get("broker").asText()).isEqualTo(s);
        JsonNode error = parse(ServerFrames.error(ErrorCode.INTERNAL, s, s));
        assertThat(error.get("message").asText()).isEqualTo(s);
        assertThat(error.get("ref").asText()).isEqualTo(s);
        assertThat(error.get("type").asText()).isEqualTo("error");
    }

    @ParameterizedTest
    @MethodSource("nastyStrings")
    void neverWritesRawControlCharactersInsideAFrame(String s) {
        String frame = ServerFrames.roomMessage("r", "alice", "alice", s, 1L).render("1-0");

        assertThat(frame).doesNotContain("\n").doesNotContain("\r");
        assertThat(frame.chars().filter(c -> c < 0x20)).isEmpty();
    }

    @Test
    void writesNullForANullString() {
        assertThat(ServerFrames.str(null)).isEqualTo("null");
        assertThat(ServerFrames.str("a\"b")).isEqualTo("\"a\\\"b\"");
    }

    // ---- helpers ---------------------------------------------------------------------------

    private static String render(FrameTemplate template, String id) {
        return template.render(id);
    }

    /** Parses exactly one JSON object, refusing trailing content and duplicate keys. */
    private static JsonNode parse(String frame) throws Exception {
        try (var parser = JSON.createParser(frame)) {
            JsonNode node = JSON.readTree(parser);
            assertThat(parser.nextToken()).as("trailing content in %s", frame).isNull();
            assertThat(node.isObject()).as("%s is an object", frame).isTrue();
            return node;
        }
    }

    private static List<String> fields(JsonNode n) {
        List<String> names = new ArrayList<>();
        Iterator<String> it = n.fieldNames();
        it.forEachRemaining(names::add);
        return names;
    }

    private static List<String> texts(JsonNode array) {
        assertThat(array.isArray()).isTrue();
        List<String> values = new ArrayList<>();
        array.forEach(v -> {
            assertThat(v.isTextual()).isTrue();
            values.add(v.textValue());
        });
        return values;
    }

    private static java.util.Map<String, String> members(String... ids) {
        java.util.Map<String, String> m = new java.util.LinkedHashMap<>();
        for (String id : ids) {
            m.put(id, id);
        }
        return m;
    }
}
