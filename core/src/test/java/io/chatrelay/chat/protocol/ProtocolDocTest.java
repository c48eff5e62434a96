package io.chatrelay.chat.protocol;

import io.chatrelay.chat.CloseCode;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * docs/protocol.md documents the whole protocol: every frame type the decoder accepts (read from
 * {@link FrameDecoder}'s source), every frame type the server writes (read from
 * {@link ServerFrames}' source), every error code ({@link ErrorCode}) with what a client does, and
 * every close code ({@link CloseCode}).
 */
class ProtocolDocTest {
    private static final Path CORE = Path.of(System.getProperty("user.dir"));
    private static final Path DOC = CORE.resolveSibling("docs").resolve("protocol.md");
    private static final Path SOURCES = CORE.resolve("src/main/java/io/chatrelay/chat/protocol");

    private static String read(Path file) throws IOException {
        assertThat(file).as("%s exists", file).isRegularFile();
        return Files.readString(file);
    }

    private static Set<String> matches(String text, String regex) {
        Set<String> found = new TreeSet<>();
        Matcher m = Pattern.compile(regex).matcher(text);
        while (m.find()) {
            found.add(m.group(1));
        }
        return found;
    }

    /** The lines of the markdown table under a heading. */
    private static List<String> tableRows(String doc, String heading) {
        int start = doc.indexOf("\n" + heading + "\n");
        assertThat(start).as("heading %s", heading).isNotNegative();
        int end = doc.indexOf("\n#", start + heading.length() + 2);
        return doc.substring(start, end < 0 ? doc.length() : end).lines().filter(l -> l.startsWith("| ")).toList();
    }

    @Test
    void everyClientFrameTypeIsInTheClientFramesTable() throws IOException {
        Set<String> types = matches(read(SOURCES.resolve("FrameDecoder.java")), "case \"([a-z]+)\" ->");
        assertThat(types).contains("hello", "send", "edit", "delete", "react", "read");
        String table = String.join("\n", tableRows(read(DOC), "## Client frames"));
        assertThat(types).allSatisfy(type -> assertThat(table).as("client frame %s", type).contains("{\"type\":\"" + type + "\""));
    }

    @Test
    void everyServerFrameTypeHasItsSection() throws IOException {
        Set<String> types = matches(read(SOURCES.resolve("ServerFrames.java")), "\\{\\\\\"type\\\\\":\\\\\"([a-z]+)\\\\\"");
        assertThat(types).contains("welcome", "joined", "message", "edit", "delete", "reaction", "read", "receipt", "muted", "ack", "error");
        Set<String> documented = new TreeSet<>();
        read(DOC).lines().filter(l -> l.startsWith("### ")).forEach(l -> documented.addAll(matches(l, "`([a-z]+)`")));
        assertThat(documented).as("frame types in ### headings of protocol.md").containsAll(types);
    }

    @Test
    void everyFieldTheServerWritesIsShownInAnExample() throws IOException {
        Set<String> fields = matches(read(SOURCES.resolve("ServerFrames.java")), "\\\\\"([a-z_]+)\\\\\":");
        fields.add("count"); // the broker puts the reaction's count in (ServerFrames documents where)
        assertThat(fields).contains("cid", "duplicate", "reply_to", "meta", "target", "emoji", "op", "read", "unread",
                "unread_capped", "receipts", "muted", "reason", "removed");
        String doc = read(DOC);
        assertThat(fields).allSatisfy(field -> assertThat(doc).as("server field %s in an example", field).contains("\"" + field + "\":"));
    }

    @Test
    void everyFieldTheDecoderReadsIsShownInAnExample() throws IOException {
        String decoder = read(SOURCES.resolve("FrameDecoder.java"));
        Set<String> fields = matches(decoder, "\\(node, \"([a-z_]+)\"");
        fields.addAll(matches(decoder, "\\.get\\(\"([a-z_]+)\"\\)"));
        assertThat(fields).contains("cid", "reply_to", "meta", "target", "emoji", "op", "since", "with", "limit", "ref");
        String doc = read(DOC);
        assertThat(fields).allSatisfy(field -> assertThat(doc).as("client field %s in an example", field).contains("\"" + field + "\":"));
    }

    @Test
    void theExactlyOnceRulesAreStated() throws IOException {
        String doc = read(DOC);
        assertThat(doc).contains("## Sending exactly once (`cid`)", "CHAT_DEDUP_WINDOW", "\"duplicate\":true");
        // every code after which a client sends again with the same cid is named in the rules
        String rules = doc.substring(doc.indexOf("## Sending exactly once"), doc.indexOf("## The message model"));
        for (String code : List.of("outcome_unknown", "broker_unavailable", "storage_full", "rate_limited", "internal", "not_member")) {
            assertThat(rules).as("retry rule for %s", code).contains("`" + code + "`");
        }
    }

    @Test
    void everyErrorCodeIsInTheErrorTableWithWhatAClientDoes() throws IOException {
        List<String> rows = tableRows(read(DOC), "### `error`");
        for (ErrorCode code : ErrorCode.values()) {
            assertThat(rows).as("error code %s", code.wire())
                    .anySatisfy(row -> {
                        assertThat(row).startsWith("| `" + code.wire() + "` |");
                        assertThat(row.split("(?<!\\\\)\\|")).as("three columns: code, when, what the client does").hasSize(4);
                    });
        }
        Set<String> documented = new TreeSet<>();
        rows.forEach(row -> documented.addAll(matches(row, "^\\| `([a-z_]+)` \\|")));
        assertThat(documented).as("no code that does not exist").isEqualTo(
                new TreeSet<>(Arrays.stream(ErrorCode.values()).map(ErrorCode::wire).toList()));
    }

    @Test
    void everyCloseCodeIsInTheCloseCodeTable() throws IOException {
        List<String> rows = tableRows(read(DOC), "## Close codes");
        for (CloseCode code : CloseCode.values()) {
            assertThat(rows).as("close code %s", code).anySatisfy(row -> assertThat(row).startsWith("| " + code.code() + " |"));
        }
    }
}
