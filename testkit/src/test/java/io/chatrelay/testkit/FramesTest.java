package io.chatrelay.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FramesTest {
    @Test
    void ordersMessageIdsNumericallyOnBothParts() {
        assertThat(Frames.compareIds("9-0", "10-0")).isNegative();
        assertThat(Frames.compareIds("10-2", "10-10")).isNegative();
        assertThat(Frames.compareIds("10-10", "10-10")).isZero();
        assertThat(Frames.sorted(List.of("10-10", "9-5", "10-2"))).containsExactly("9-5", "10-2", "10-10");
    }

    @Test
    void buildsClientFrames() {
        assertThat(Frames.join("r").toString()).isEqualTo("{\"type\":\"join\",\"room\":\"r\"}");
        assertThat(Frames.join("r", "1-0").toString()).isEqualTo("{\"type\":\"join\",\"room\":\"r\",\"since\":\"1-0\"}");
        assertThat(Frames.send("r", "hi", null).toString()).isEqualTo("{\"type\":\"send\",\"room\":\"r\",\"text\":\"hi\"}");
        assertThat(Frames.object("type", "history", "room", "r", "limit", 5).toString())
                .isEqualTo("{\"type\":\"history\",\"room\":\"r\",\"limit\":5}");
        assertThatThrownBy(() -> Frames.object("type")).isInstanceOf(IllegalArgumentException.class);
        assertThat(Frames.joinWithToken("private:x", "t", "j1").toString())
                .isEqualTo("{\"type\":\"join\",\"room\":\"private:x\",\"token\":\"t\",\"ref\":\"j1\"}");
        assertThat(Frames.refresh("t", null).toString()).isEqualTo("{\"type\":\"refresh\",\"token\":\"t\"}");
        assertThat(Frames.direct("bob", "hi", "d1").toString())
                .isEqualTo("{\"type\":\"send\",\"to\":\"bob\",\"text\":\"hi\",\"ref\":\"d1\"}");
    }

    @Test
    void helloKeepsTheRoomsInOrderWithNullForNoId() {
        Map<String, String> rooms = new LinkedHashMap<>();
        rooms.put("lobby", "5-1");
        rooms.put("r2", null);
        assertThat(Frames.hello("alice", null, rooms).toString())
                .isEqualTo("{\"type\":\"hello\",\"name\":\"alice\",\"rooms\":{\"lobby\":\"5-1\",\"r2\":null}}");
    }

    @Test
    void matchesServerFrames() throws Exception {
        JsonNode joined = Frames.JSON.readTree("{\"type\":\"joined\",\"room\":\"r\",\"recovered\":true,\"members\":[],"
                + "\"messages\":[{\"type\":\"message\",\"room\":\"r\",\"id\":\"1-0\",\"text\":\"a\"},"
                + "{\"type\":\"message\",\"room\":\"r\",\"id\":\"1-1\",\"text\":\"b\"}]}");
        assertThat(Frames.joined("r")).accepts(joined);
        assertThat(Frames.joined("s")).rejects(joined);
        assertThat(Frames.messageIds(joined)).containsExactly("1-0", "1-1");
        assertThat(Frames.messageTexts(joined)).containsExactly("a", "b");
        JsonNode presence = Frames.JSON.readTree("{\"type\":\"presence\",\"room\":\"r\",\"user\":\"u\",\"event\":\"leave\"}");
        assertThat(Frames.presence("r", "u", "leave")).accepts(presence);
        assertThat(Frames.presence("r", "u", "join")).rejects(presence);
        assertThat(Frames.presenceOf("u")).accepts(presence);
    }

    @Test
    void readsMemberIdsAndTheirDisplayNamesFromJoined() throws Exception {
        JsonNode joined = Frames.JSON.readTree("{\"type\":\"joined\",\"room\":\"r\",\"members\":[\"bob\",\"guest:ab2cd3ef4gh5\"],"
                + "\"names\":{\"bob\":\"Bob B.\",\"guest:ab2cd3ef4gh5\":\"alice\"},\"messages\":[]}");
        assertThat(Frames.members(joined)).containsExactly("bob", "guest:ab2cd3ef4gh5");
        assertThat(Frames.memberNames(joined)).containsExactly(Map.entry("bob", "Bob B."), Map.entry("guest:ab2cd3ef4gh5", "alice"));
        JsonNode dm = Frames.JSON.readTree("{\"type\":\"message\",\"to\":\"bob\",\"id\":\"1-0\",\"from\":\"carol\",\"text\":\"hi\"}");
        assertThat(Frames.direct("hi")).accepts(dm);
        assertThat(Frames.message("r")).rejects(dm);
        JsonNode error = Frames.JSON.readTree("{\"type\":\"error\",\"code\":\"forbidden\",\"message\":\"no\",\"ref\":\"j1\"}");
        assertThat(Frames.error("forbidden", "j1")).accepts(error);
        assertThat(Frames.error("forbidden", "j2")).rejects(error);
    }
}
