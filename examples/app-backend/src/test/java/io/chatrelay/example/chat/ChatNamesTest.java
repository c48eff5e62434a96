package io.chatrelay.example.chat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class ChatNamesTest {
    /** The copies here are chat-relay's naming rule, the one file client and gateway read. */
    @Test
    void patternsAreThoseOfChatRelaysNamingRule() throws Exception {
        Path rule = Path.of(System.getProperty("user.dir")).resolve("../../client/web/names.json").normalize();
        JsonNode names = new ObjectMapper().readTree(rule.toFile());

        assertThat(ChatNames.SUBJECT.pattern()).isEqualTo(names.get("subject").asText());
        assertThat(ChatNames.ROOM.pattern()).isEqualTo(names.get("room").asText());
    }

    @Test
    void coversRoomsAsTheGatewayDoes() {
        List<String> grants = List.of("private:team-red.*", "announcements");

        assertThat(ChatNames.covers(grants, "private:team-red.general")).isTrue();
        assertThat(ChatNames.covers(grants, "announcements")).isTrue();
        assertThat(ChatNames.covers(grants, "announcements-2")).isFalse();
        assertThat(ChatNames.covers(grants, "private:team-redder.general")).isFalse();
        assertThat(ChatNames.covers(List.of("*"), "anything")).isTrue();
    }

    @Test
    void acceptsPrintableDisplayNamesOnly() {
        assertThat(ChatNames.validDisplayName("Zoë Ångström 🙂")).isTrue();
        assertThat(ChatNames.validDisplayName("x".repeat(64))).isTrue();
        assertThat(ChatNames.validDisplayName("x".repeat(65))).isFalse();
        assertThat(ChatNames.validDisplayName("  ")).isFalse();
        assertThat(ChatNames.validDisplayName("a\nb")).isFalse();
        assertThat(ChatNames.validDisplayName("a\u202Eb")).isFalse();
    }
}
