package io.chatrelay.chat;

import com.fasterxml.jackson.databind.JsonNode;
import io.chatrelay.chat.TestCore.Client;
import io.chatrelay.chat.protocol.ServerFrames;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The message model on the in-memory broker: exactly-once sends with a {@code cid}, replies and
 * metadata, edits and deletions by their author, reactions with counts, read cursors, unread
 * counts and receipts; and protocol-1 clients that see none of what they cannot read.
 */
class MessageModelTest {
    private static final Duration QUIET = Duration.ofMillis(600);

    private final TestCore chat = new TestCore();

    @AfterEach
    void close() {
        chat.close();
    }

    private Client v2(String user) {
        Client c = chat.connect(user, ServerFrames.PROTOCOL_2, Map.of());
        c.out().next("joined");
        return c;
    }

    private JsonNode answer(Client c, String frame, String ref) {
        c.send(chat.core(), frame);
        return c.out().next(f -> ref.equals(f.path("ref").asText()), RecordingRecipient.WAIT);
    }

    private String post(Client c, String text) {
        String ref = "p" + System.nanoTime();
        JsonNode ack = answer(c, "{\"type\":\"send\",\"room\":\"lobby\",\"text\":\"" + text + "\",\"ref\":\"" + ref + "\"}", ref);
        assertThat(ack.path("type").asText()).isEqualTo("ack");
        return ack.path("id").asText();
    }

    private static List<JsonNode> settled(Client c) {
        c.out().all("none", QUIET);
        return c.out().frames().stream().map(MessageModelTest::parse).toList();
    }

    private static JsonNode parse(String frame) {
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper().readTree(frame);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static List<JsonNode> ofType(Client c, String type) {
        return c.out().all(type, QUIET);
    }

    // ---- exactly once -------------------------------------------------------------------------

    @Test
    void aRetryWithTheSameCidAnswersTheFirstIdAndDeliversNothingNew() {
        Client alice = v2("alice");
        Client bob = v2("bob");
        String frame = "{\"type\":\"send\",\"room\":\"lobby\",\"text\":\"once\",\"cid\":\"c-1\",\"ref\":\"%s\"}";

        JsonNode first = answer(alice, frame.formatted("a1"), "a1");
        JsonNode retry = answer(alice, frame.formatted("a2"), "a2");

        assertThat(first.path("type").asText()).isEqualTo("ack");
        assertThat(first.path("cid").asText()).isEqualTo("c-1");
        assertThat(first.has("duplicate")).isFalse();
        assertThat(retry.path("id").asText()).isEqualTo(first.path("id").asText());
        assertThat(retry.path("duplicate").asBoolean()).isTrue();
        List<JsonNode> received = ofType(bob, "message");
        assertThat(received).hasSize(1);
        assertThat(received.getFirst().path("cid").asText()).isEqualTo("c-1");
    }

    @Test
    void theSameCidFromAnotherUserIsAnotherMessage() {
        Client alice = v2("alice");
        Client bob = v2("bob");
        String frame = "{\"type\":\"send\",\"room\":\"lobby\",\"text\":\"hi\",\"cid\":\"same\",\"ref\":\"r\"}";

        String fromAlice = answer(alice, frame, "r").path("id").asText();
        JsonNode fromBob = answer(bob, frame, "r");

        assertThat(fromBob.path("id").asText()).isNotEqualTo(fromAlice);
        assertThat(fromBob.has("duplicate")).isFalse();
    }

    @Test
    void aDirectMessageRetriedWithItsCidIsStoredOnceInTheConversation() {
        Client alice = v2("alice");
        Client bob = v2("bob");
        String frame = "{\"type\":\"send\",\"to\":\"bob\",\"text\":\"psst\",\"cid\":\"d-1\",\"ref\":\"%s\"}";

        String id = answer(alice, frame.formatted("d1"), "d1").path("id").asText();
        JsonNode retry = answer(alice, frame.formatted("d2"), "d2");

        assertThat(retry.path("id").asText()).isEqualTo(id);
        assertThat(ofType(bob, "message")).hasSize(1);
        JsonNode history = answer(bob, "{\"type\":\"history\",\"with\":\"alice\",\"ref\":\"h\"}", "h");
        assertThat(history.path("messages")).hasSize(1);
        assertThat(history.path("messages").get(0).path("id").asText()).isEqualTo(id);
    }

    // ---- replies and metadata -----------------------------------------------------------------

    @Test
    void aReplyCarriesItsTargetAndMetadataToEveryMemberAndIntoHistory() {
        Client alice = v2("alice");
        Client bob = v2("bob");
        String target = post(alice, "question?");
        bob.out().next("message");

        JsonNode ack = answer(bob, "{\"type\":\"send\",\"room\":\"lobby\",\"text\":\"answer\",\"reply_to\":\"" + target
                + "\",\"meta\":{\"kind\":\"quote\",\"n\":[1,2]},\"ref\":\"r\"}", "r");

        JsonNode atAlice = alice.out().next(f -> "message".equals(f.path("type").asText())
                && "answer".equals(f.path("text").asText()), RecordingRecipient.WAIT);
        assertThat(atAlice.path("id").asText()).isEqualTo(ack.path("id").asText());
        assertThat(atAlice.path("reply_to").asText()).isEqualTo(target);
        assertThat(atAlice.path("meta").path("kind").asText()).isEqualTo("quote");
        assertThat(atAlice.path("meta").path("n")).hasSize(2);
        JsonNode history = answer(alice, "{\"type\":\"history\",\"room\":\"lobby\",\"ref\":\"h\"}", "h");
        assertThat(history.path("messages").get(1).path("reply_to").asText()).isEqualTo(target);
    }

    @Test
    void refusesMetadataDeeperThanAllowedAndStoresNothing() {
        Client alice = v2("alice");
        Client bob = v2("bob");

        JsonNode error = answer(alice, "{\"type\":\"send\",\"room\":\"lobby\",\"text\":\"x\",\"meta\":{\"a\":{\"b\":{\"c\":{\"d\":1}}}},"
                + "\"ref\":\"m\"}", "m");

        assertThat(error.path("type").asText()).isEqualTo("error");
        assertThat(ofType(bob, "message")).isEmpty();
    }

    // ---- edit and delete ----------------------------------------------------------------------

    @Test
    void theAuthorEditsAndDeletesAMessageAndEveryMemberSeesBoth() {
        Client alice = v2("alice");
        Client bob = v2("bob");
        String id = post(alice, "tpyo");

        JsonNode edited = answer(alice, "{\"type\":\"edit\",\"room\":\"lobby\",\"target\":\"" + id + "\",\"text\":\"typo\",\"ref\":\"e\"}", "e");
        JsonNode deleted = answer(alice, "{\"type\":\"delete\",\"room\":\"lobby\",\"target\":\"" + id + "\",\"ref\":\"d\"}", "d");

        assertThat(edited.path("type").asText()).isEqualTo("ack");
        assertThat(deleted.path("type").asText()).isEqualTo("ack");
        JsonNode edit = bob.out().next("edit");
        assertThat(edit.path("target").asText()).isEqualTo(id);
        assertThat(edit.path("text").asText()).isEqualTo("typo");
        assertThat(edit.path("from").asText()).isEqualTo("alice");
        assertThat(edit.path("id").asText()).isEqualTo(edited.path("id").asText());
        assertThat(bob.out().next("delete").path("target").asText()).isEqualTo(id);
        JsonNode history = answer(bob, "{\"type\":\"history\",\"room\":\"lobby\",\"ref\":\"h\"}", "h");
        assertThat(history.path("messages").findValuesAsText("type")).containsExactly("message", "edit", "delete");
    }

    @Test
    void nobodyButTheAuthorEditsOrDeletesAMessage() {
        Client alice = v2("alice");
        Client bob = v2("bob");
        String id = post(alice, "mine");
        bob.out().next("message");

        JsonNode edit = answer(bob, "{\"type\":\"edit\",\"room\":\"lobby\",\"target\":\"" + id + "\",\"text\":\"yours\",\"ref\":\"e\"}", "e");
        JsonNode delete = answer(bob, "{\"type\":\"delete\",\"room\":\"lobby\",\"target\":\"" + id + "\",\"ref\":\"d\"}", "d");

        assertThat(edit.path("code").asText()).isEqualTo("forbidden");
        assertThat(delete.path("code").asText()).isEqualTo("forbidden");
        assertThat(ofType(alice, "edit")).isEmpty();
        assertThat(ofType(alice, "delete")).isEmpty();
    }

    @Test
    void refusesToEditAnIdThatIsNotAMessageOfTheRoom() {
        Client alice = v2("alice");
        String id = post(alice, "m");
        String editId = answer(alice, "{\"type\":\"edit\",\"room\":\"lobby\",\"target\":\"" + id + "\",\"text\":\"n\",\"ref\":\"e\"}", "e")
                .path("id").asText();

        JsonNode missing = answer(alice, "{\"type\":\"edit\",\"room\":\"lobby\",\"target\":\"1-0\",\"text\":\"x\",\"ref\":\"x1\"}", "x1");
        JsonNode ofAnEdit = answer(alice, "{\"type\":\"delete\",\"room\":\"lobby\",\"target\":\"" + editId + "\",\"ref\":\"x2\"}", "x2");

        assertThat(missing.path("code").asText()).isEqualTo("bad_id");
        assertThat(ofAnEdit.path("code").asText()).isEqualTo("bad_id");
    }

    // ---- reactions ----------------------------------------------------------------------------

    @Test
    void reactionsCountDistinctUsersAndAnUnchangedReactionStoresNothing() {
        Client alice = v2("alice");
        Client bob = v2("bob");
        String id = post(alice, "nice");
        String react = "{\"type\":\"react\",\"room\":\"lobby\",\"target\":\"" + id + "\",\"emoji\":\"👍\",\"ref\":\"%s\"%s}";

        JsonNode first = answer(alice, react.formatted("1", ""), "1");
        JsonNode again = answer(alice, react.formatted("2", ""), "2");
        answer(bob, react.formatted("3", ""), "3");
        answer(alice, react.formatted("4", ",\"op\":\"remove\""), "4");

        assertThat(first.path("id").asText()).isNotEmpty();
        assertThat(again.path("id").isNull()).isTrue();
        List<JsonNode> reactions = ofType(bob, "reaction");
        assertThat(reactions).extracting(r -> r.path("count").asInt()).containsExactly(1, 2, 1);
        assertThat(reactions).extracting(r -> r.path("op").asText()).containsExactly("add", "add", "remove");
        assertThat(reactions.getFirst().path("target").asText()).isEqualTo(id);
        assertThat(reactions.getFirst().path("emoji").asText()).isEqualTo("👍");
    }

    @Test
    void aMessageHoldsABoundedNumberOfDistinctReactions() {
        Client alice = v2("alice");
        String id = post(alice, "react to me");
        for (int i = 0; i < Posting.MAX_REACTIONS; i++) {
            JsonNode ok = answer(alice, "{\"type\":\"react\",\"room\":\"lobby\",\"target\":\"" + id + "\",\"emoji\":\"e" + i
                    + "\",\"ref\":\"r" + i + "\"}", "r" + i);
            assertThat(ok.path("type").asText()).isEqualTo("ack");
        }

        JsonNode refused = answer(alice, "{\"type\":\"react\",\"room\":\"lobby\",\"target\":\"" + id
                + "\",\"emoji\":\"one-more\",\"ref\":\"x\"}", "x");
        JsonNode existing = answer(alice, "{\"type\":\"react\",\"room\":\"lobby\",\"target\":\"" + id
                + "\",\"emoji\":\"e0\",\"op\":\"remove\",\"ref\":\"y\"}", "y");

        assertThat(refused.path("code").asText()).isEqualTo("too_many_reactions");
        assertThat(existing.path("type").asText()).isEqualTo("ack");
    }

    // ---- read state ---------------------------------------------------------------------------

    @Test
    void readingMovesTheCursorTellsTheUsersOtherTabsAndSendsAReceipt() {
        Client alice = v2("alice");
        Client aliceTab = v2("alice");
        Client bob = v2("bob");
        String id = post(bob, "read me");

        alice.send(chat.core(), "{\"type\":\"read\",\"room\":\"lobby\",\"id\":\"" + id + "\",\"ref\":\"r\"}");

        JsonNode read = aliceTab.out().next("read");
        assertThat(read.path("room").asText()).isEqualTo("lobby");
        assertThat(read.path("id").asText()).isEqualTo(id);
        JsonNode receipt = bob.out().next("receipt");
        assertThat(receipt.path("user").asText()).isEqualTo("alice");
        assertThat(receipt.path("id").asText()).isEqualTo(id);
    }

    @Test
    void aCursorNeverMovesBack() {
        Client alice = v2("alice");
        Client aliceTab = v2("alice");
        String older = post(alice, "one");
        String newer = post(alice, "two");

        alice.send(chat.core(), "{\"type\":\"read\",\"room\":\"lobby\",\"id\":\"" + newer + "\"}");
        aliceTab.out().next("read");
        alice.send(chat.core(), "{\"type\":\"read\",\"room\":\"lobby\",\"id\":\"" + older + "\"}");

        assertThat(ofType(aliceTab, "read")).isEmpty();
    }

    @Test
    void aJoinTellsTheCursorTheUnreadCountAndTheReceipts() {
        Client alice = v2("alice");
        Client bob = v2("bob");
        String first = post(bob, "1");
        post(bob, "2");
        post(bob, "3");
        alice.send(chat.core(), "{\"type\":\"read\",\"room\":\"lobby\",\"id\":\"" + first + "\"}");
        bob.out().next("receipt");

        Client again = chat.connect("alice", ServerFrames.PROTOCOL_2, Map.of());
        JsonNode joined = again.out().next("joined");

        assertThat(joined.path("read").asText()).isEqualTo(first);
        assertThat(joined.path("unread").asInt()).isEqualTo(2);
        assertThat(joined.path("receipts").path("alice").asText()).isEqualTo(first);
    }

    // ---- protocol 1 ---------------------------------------------------------------------------

    @Test
    void aProtocol1ClientSeesMessagesButNoEditsDeletionsReactionsOrReadState() {
        Client alice = v2("alice");
        Client old = chat.connect("carol");
        old.out().next("joined");
        String id = post(alice, "hello");
        answer(alice, "{\"type\":\"edit\",\"room\":\"lobby\",\"target\":\"" + id + "\",\"text\":\"hello!\",\"ref\":\"e\"}", "e");
        answer(alice, "{\"type\":\"react\",\"room\":\"lobby\",\"target\":\"" + id + "\",\"emoji\":\"x\",\"ref\":\"x\"}", "x");
        alice.send(chat.core(), "{\"type\":\"read\",\"room\":\"lobby\",\"id\":\"" + id + "\"}");

        alice.out().next("receipt");
        List<JsonNode> live = settled(old);
        Client rejoined = chat.connect("carol");
        JsonNode joined = rejoined.out().next("joined");

        assertThat(live).extracting(f -> f.path("type").asText()).contains("message")
                .doesNotContain("edit", "reaction", "read", "receipt");
        assertThat(joined.path("messages").findValuesAsText("type")).containsOnly("message");
        assertThat(joined.has("unread")).isFalse();
        JsonNode refused = answer(old, "{\"type\":\"edit\",\"room\":\"lobby\",\"target\":\"" + id + "\",\"text\":\"no\",\"ref\":\"o\"}", "o");
        assertThat(refused.path("code").asText()).isEqualTo("unknown_type");
    }
}
