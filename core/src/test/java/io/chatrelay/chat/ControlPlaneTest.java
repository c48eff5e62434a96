package io.chatrelay.chat;

import com.fasterxml.jackson.databind.JsonNode;
import io.chatrelay.broker.Appended;
import io.chatrelay.broker.HistoryPage;
import io.chatrelay.broker.Moderation;
import io.chatrelay.broker.PresenceEntry;
import io.chatrelay.chat.TestCore.Client;
import io.chatrelay.chat.auth.TokenVerifier;
import io.chatrelay.chat.protocol.ErrorCode;
import io.chatrelay.chat.protocol.Post;
import io.chatrelay.chat.protocol.ServerFrames;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The application's control plane on the core: the server API's operations (publish as any
 * sender, disconnect, remove, ban, mute, presence, history, stats), the events webhooks deliver,
 * and the join and publish hooks.
 */
class ControlPlaneTest {
    private static final Duration QUIET = Duration.ofMillis(500);

    private final List<ChatEvent> events = new CopyOnWriteArrayList<>();
    private final FakeHooks hooks = new FakeHooks();
    private final TestCore chat = new TestCore(TestCore.settings(100, 262_144), ChatSecurity.of(true, "",
            new TokenVerifier.Settings(TestCore.SECRET, "", "", "", Duration.ofMinutes(5)), "*=open,private=grant,support=hook"),
            hooks, events::add);

    @AfterEach
    void close() {
        chat.close();
    }

    private ChatApi api() {
        return chat.core().api();
    }

    private Client v2(String user) {
        Client c = chat.connect(user, ServerFrames.PROTOCOL_2, Map.of());
        c.out().next("joined");
        return c;
    }

    private static <T> T get(CompletionStage<T> stage) throws Exception {
        return stage.toCompletableFuture().get(5, TimeUnit.SECONDS);
    }

    private static ChatException failure(CompletionStage<?> stage) {
        try {
            stage.toCompletableFuture().get(5, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            assertThat(e.getCause()).isInstanceOf(ChatException.class);
            return (ChatException) e.getCause();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        throw new AssertionError("expected a failure");
    }

    private static ChatApi.Message system(String text) {
        return new ChatApi.Message("system", "Shop", text, null, null, null);
    }

    private JsonNode answer(Client c, String frame, String ref) {
        c.send(chat.core(), frame);
        return c.out().next(f -> ref.equals(f.path("ref").asText()), RecordingRecipient.WAIT);
    }

    private List<ChatEvent> eventsOf(String type) {
        return events.stream().filter(e -> e.type().equals(type)).toList();
    }

    // ---- publish ------------------------------------------------------------------------------

    @Test
    void aSystemMessageIsStoredAndDeliveredLikeAClientsAndARetryWithItsCidIsNotStoredTwice() throws Exception {
        Client alice = v2("alice");
        ChatApi.Message shipped = new ChatApi.Message("system", "Shop", "order 42 shipped", "order-42", null, null);

        Appended first = get(api().publish("lobby", shipped));
        Appended retry = get(api().publish("lobby", shipped));

        JsonNode m = alice.out().next("message");
        assertThat(m.path("id").asText()).isEqualTo(first.id());
        assertThat(m.path("from").asText()).isEqualTo("system");
        assertThat(m.path("name").asText()).isEqualTo("Shop");
        assertThat(m.path("text").asText()).isEqualTo("order 42 shipped");
        assertThat(retry.id()).isEqualTo(first.id());
        assertThat(retry.duplicate()).isTrue();
        assertThat(alice.out().all("message", QUIET)).isEmpty();
        assertThat(eventsOf(ChatEvent.MESSAGE_CREATED)).hasSize(1);
        assertThat(eventsOf(ChatEvent.MESSAGE_CREATED).getFirst().frame()).contains("order 42 shipped").contains(first.id());
    }

    @Test
    void refusesBadInputBeforeStoringAnything() throws Exception {
        assertThat(failure(api().publish("bad room", system("x"))).code()).isEqualTo(ErrorCode.BAD_ROOM);
        assertThat(failure(api().publish("lobby", system("x".repeat(201)))).code()).isEqualTo(ErrorCode.TEXT_TOO_LONG);
        assertThat(failure(api().publish("lobby", system(" "))).code()).isEqualTo(ErrorCode.BAD_TEXT);
        assertThat(failure(api().publish("lobby", new ChatApi.Message("has space", null, "x", null, null, null))).code())
                .isEqualTo(ErrorCode.BAD_USER);
        assertThat(failure(api().publish("lobby", new ChatApi.Message("system", null, "x", null, "nope", null))).code())
                .isEqualTo(ErrorCode.BAD_ID);
        assertThat(failure(api().direct("nobody", system("x"))).code()).isEqualTo(ErrorCode.UNKNOWN_USER);
        assertThat(failure(api().history("lobby", null, 0)).code()).isEqualTo(ErrorCode.BAD_FRAME);
        assertThat(failure(api().disconnect("alice", "x".repeat(ChatApi.MAX_REASON + 1))).code()).isEqualTo(ErrorCode.BAD_TEXT);
        assertThat(get(api().history("lobby", null, 10)).frames()).isEmpty();
    }

    @Test
    void aDirectMessageFromTheBackendReachesTheUser() throws Exception {
        Client bob = v2("bob");

        Appended stored = get(api().direct("bob", system("your code is 1234")));

        JsonNode m = bob.out().next("message");
        assertThat(m.path("to").asText()).isEqualTo("bob");
        assertThat(m.path("from").asText()).isEqualTo("system");
        assertThat(m.path("id").asText()).isEqualTo(stored.id());
    }

    @Test
    void aModeratorEditsAndDeletesSomeoneElsesMessage() throws Exception {
        Client alice = v2("alice");
        Client bob = v2("bob");
        String id = answer(alice, "{\"type\":\"send\",\"room\":\"lobby\",\"text\":\"rude\",\"ref\":\"s\"}", "s").path("id").asText();

        get(api().edit("lobby", id, "[removed by a moderator]", "moderator"));
        get(api().delete("lobby", id, "moderator"));

        assertThat(bob.out().next("edit").path("text").asText()).isEqualTo("[removed by a moderator]");
        assertThat(bob.out().next("delete").path("target").asText()).isEqualTo(id);
    }

    // ---- disconnect, remove, ban, mute --------------------------------------------------------

    @Test
    void disconnectClosesEveryConnectionOfTheUserAndNoOtherWith4403() throws Exception {
        Client mallory = v2("mallory");
        Client malloryTab = v2("mallory");
        Client alice = v2("alice");

        get(api().disconnect("mallory", "spam"));

        await().atMost(Duration.ofSeconds(2)).until(() -> mallory.out().closed() != null && malloryTab.out().closed() != null);
        assertThat(mallory.out().closed()).isEqualTo(CloseCode.KICKED);
        assertThat(CloseCode.KICKED.code()).isEqualTo(4403);
        assertThat(alice.out().closed()).isNull();
    }

    @Test
    void removeTakesTheUserOutOfTheRoomWhoMayJoinAgain() throws Exception {
        Client bob = v2("bob");

        get(api().remove("lobby", "bob", "cool down"));

        JsonNode left = bob.out().next("left");
        assertThat(left.path("removed").asBoolean()).isTrue();
        assertThat(left.path("reason").asText()).isEqualTo("cool down");
        assertThat(answer(bob, "{\"type\":\"send\",\"room\":\"lobby\",\"text\":\"hi\",\"ref\":\"s\"}", "s").path("code").asText())
                .isEqualTo("not_member");
        bob.send(chat.core(), "{\"type\":\"join\",\"room\":\"lobby\"}");
        assertThat(bob.out().next("joined").path("room").asText()).isEqualTo("lobby");
    }

    @Test
    void aBannedUserIsRemovedAndCannotJoinUntilTheBanIsLifted() throws Exception {
        Client mallory = v2("mallory");

        Moderation.Restriction ban = get(api().ban("lobby", "mallory", Duration.ofHours(1), "spam"));

        assertThat(mallory.out().next("left").path("removed").asBoolean()).isTrue();
        JsonNode refused = answer(mallory, "{\"type\":\"join\",\"room\":\"lobby\",\"ref\":\"j\"}", "j");
        assertThat(refused.path("code").asText()).isEqualTo("forbidden");
        assertThat(refused.path("message").asText()).contains("banned").contains("spam");
        Client again = chat.connect("mallory", ServerFrames.PROTOCOL_2, Map.of());
        assertThat(again.out().next("error").path("code").asText()).isEqualTo("forbidden");
        assertThat(get(api().restrictions(Moderation.Kind.BAN, "lobby"))).extracting(Moderation.Restriction::user)
                .containsExactly("mallory");
        assertThat(ban.until()).isGreaterThan(System.currentTimeMillis());

        assertThat(get(api().lift(Moderation.Kind.BAN, "lobby", "mallory"))).isTrue();
        mallory.send(chat.core(), "{\"type\":\"join\",\"room\":\"lobby\"}");
        assertThat(mallory.out().next("joined").path("room").asText()).isEqualTo("lobby");
    }

    @Test
    void aMutedUserReadsButCannotSendEvenAfterRejoiningUntilUnmuted() throws Exception {
        Client bob = v2("bob");
        Client alice = v2("alice");

        get(api().mute("lobby", "bob", null, "calm down"));

        JsonNode muted = bob.out().next("muted");
        assertThat(muted.path("muted").asBoolean()).isTrue();
        assertThat(muted.path("reason").asText()).isEqualTo("calm down");
        assertThat(answer(bob, "{\"type\":\"send\",\"room\":\"lobby\",\"text\":\"hey\",\"ref\":\"s1\"}", "s1").path("code").asText())
                .isEqualTo("forbidden");
        Client bobLater = chat.connect("bob", ServerFrames.PROTOCOL_2, Map.of());
        bobLater.out().next("joined");
        assertThat(answer(bobLater, "{\"type\":\"send\",\"room\":\"lobby\",\"text\":\"hey\",\"ref\":\"s2\"}", "s2").path("code").asText())
                .isEqualTo("forbidden");
        answer(alice, "{\"type\":\"send\",\"room\":\"lobby\",\"text\":\"still readable\",\"ref\":\"a\"}", "a");
        assertThat(bob.out().next("message").path("text").asText()).isEqualTo("still readable");

        get(api().lift(Moderation.Kind.MUTE, "lobby", "bob"));

        assertThat(bob.out().next("muted").path("muted").asBoolean()).isFalse();
        assertThat(answer(bob, "{\"type\":\"send\",\"room\":\"lobby\",\"text\":\"thanks\",\"ref\":\"s3\"}", "s3").path("type").asText())
                .isEqualTo("ack");
    }

    @Test
    void aModerationCommandHasActedOnThisGatewayWhenTheApiAnswers() throws Exception {
        Client bob = v2("bob");
        Client mallory = v2("mallory");

        for (int i = 0; i < 25; i++) {
            get(api().mute("lobby", "bob", null, "calm down"));
            String muted = "{\"type\":\"send\",\"room\":\"lobby\",\"text\":\"hey\",\"ref\":\"m" + i + "\"}";
            assertThat(answer(bob, muted, "m" + i).path("code").asText()).as("send right after mute %d", i).isEqualTo("forbidden");
            get(api().lift(Moderation.Kind.MUTE, "lobby", "bob"));
            String unmuted = "{\"type\":\"send\",\"room\":\"lobby\",\"text\":\"hey\",\"ref\":\"u" + i + "\"}";
            assertThat(answer(bob, unmuted, "u" + i).path("type").asText()).as("send right after unmute %d", i).isEqualTo("ack");
        }
        get(api().remove("lobby", "bob", "out"));
        assertThat(answer(bob, "{\"type\":\"send\",\"room\":\"lobby\",\"text\":\"hi\",\"ref\":\"r\"}", "r").path("code").asText())
                .isEqualTo("not_member");
        get(api().disconnect("mallory", "spam"));
        assertThat(mallory.out().closed()).isEqualTo(CloseCode.KICKED);
    }

    // ---- reading ------------------------------------------------------------------------------

    @Test
    void presenceHistoryAndStatsAnswerWithoutAWebSocket() throws Exception {
        v2("alice");
        v2("bob");
        Appended one = get(api().publish("lobby", system("one")));
        Appended two = get(api().publish("lobby", system("two")));

        List<PresenceEntry> members = get(api().presence("lobby"));
        HistoryPage page = get(api().history("lobby", null, 10));
        HistoryPage older = get(api().history("lobby", two.id(), 10));
        ChatApi.RoomStats stats = get(api().roomStats("lobby"));

        assertThat(members).extracting(PresenceEntry::member).containsExactly("alice", "bob");
        assertThat(page.frames()).extracting(f -> f.id()).containsExactly(one.id(), two.id());
        assertThat(older.frames()).extracting(f -> f.id()).containsExactly(one.id());
        assertThat(stats.members()).isEqualTo(2);
        assertThat(stats.connections()).isEqualTo(2);
        assertThat(stats.lastId()).isEqualTo(two.id());
        assertThat(api().nodeStats().sessions()).isEqualTo(2);
        assertThat(api().nodeStats().node()).isEqualTo("node-a");
    }

    // ---- events -------------------------------------------------------------------------------

    @Test
    void emitsConnectJoinOccupyThenLeaveVacateDisconnectOncePerUser() {
        Client alice = v2("alice");
        v2("alice");
        await().atMost(Duration.ofSeconds(2)).until(() -> eventsOf(ChatEvent.ROOM_OCCUPIED).size() == 1);

        alice.send(chat.core(), "{\"type\":\"leave\",\"room\":\"lobby\"}");
        chat.core().sessions().snapshot().forEach(s -> chat.core().close(s));

        await().atMost(Duration.ofSeconds(3)).until(() -> eventsOf(ChatEvent.USER_DISCONNECTED).size() == 1);
        await().atMost(Duration.ofSeconds(3)).until(() -> eventsOf(ChatEvent.ROOM_VACATED).size() == 1);
        assertThat(eventsOf(ChatEvent.USER_CONNECTED)).hasSize(1);
        assertThat(eventsOf(ChatEvent.MEMBER_JOINED)).hasSize(1);
        assertThat(eventsOf(ChatEvent.MEMBER_JOINED).getFirst().fields()).containsEntry("room", "lobby").containsEntry("user", "alice");
        assertThat(eventsOf(ChatEvent.MEMBER_LEFT)).hasSize(1);
        assertThat(eventsOf(ChatEvent.USER_DISCONNECTED).getFirst().fields()).containsEntry("user", "alice");
    }

    // ---- hooks --------------------------------------------------------------------------------

    @Test
    void theJoinHookDecidesRoomsOfAHookNamespaceAndItsReasonReachesTheClient() {
        hooks.join = (who, room) -> who.user().equals("alice") ? ChatHooks.Verdict.ALLOW : ChatHooks.Verdict.deny("agents only");
        Client alice = v2("alice");
        Client bob = v2("bob");

        alice.send(chat.core(), "{\"type\":\"join\",\"room\":\"support:42\"}");
        JsonNode out = answer(bob, "{\"type\":\"join\",\"room\":\"support:42\",\"ref\":\"j\"}", "j");
        bob.send(chat.core(), "{\"type\":\"join\",\"room\":\"general\"}");

        assertThat(alice.out().next("joined").path("room").asText()).isEqualTo("support:42");
        assertThat(out.path("code").asText()).isEqualTo("forbidden");
        assertThat(out.path("message").asText()).isEqualTo("agents only");
        assertThat(bob.out().next("joined").path("room").asText()).isEqualTo("general");
        assertThat(hooks.joinsAsked).containsExactly("alice@support:42", "bob@support:42");
    }

    @Test
    void thePublishHookRefusesOrRewritesAndNothingRefusedIsStored() throws Exception {
        hooks.publishRooms = List.of("lobby");
        hooks.publish = post -> post.text().contains("spam") ? ChatHooks.Verdict.deny("no spam here")
                : new ChatHooks.Verdict(true, null, post.text().replace("darn", "d**n"));
        Client alice = v2("alice");
        Client bob = v2("bob");

        JsonNode refused = answer(alice, "{\"type\":\"send\",\"room\":\"lobby\",\"text\":\"buy spam\",\"ref\":\"1\"}", "1");
        JsonNode rewritten = answer(alice, "{\"type\":\"send\",\"room\":\"lobby\",\"text\":\"darn it\",\"ref\":\"2\"}", "2");

        assertThat(refused.path("code").asText()).isEqualTo("forbidden");
        assertThat(refused.path("message").asText()).isEqualTo("no spam here");
        assertThat(rewritten.path("type").asText()).isEqualTo("ack");
        List<JsonNode> messages = bob.out().all("message", QUIET);
        assertThat(messages).extracting(m -> m.path("text").asText()).containsExactly("d**n it");
        assertThat(get(api().history("lobby", null, 10)).frames()).hasSize(1);
    }

    /** Hooks whose answers a test sets. */
    private static final class FakeHooks implements ChatHooks {
        volatile java.util.function.BiFunction<Identity, String, Verdict> join = (who, room) -> Verdict.ALLOW;
        volatile java.util.function.Function<Post, Verdict> publish = post -> Verdict.ALLOW;
        volatile List<String> publishRooms = List.of();
        final List<String> joinsAsked = new CopyOnWriteArrayList<>();

        @Override
        public boolean publishes(String room) {
            return publishRooms.contains(room);
        }

        @Override
        public Verdict beforeJoin(Identity who, String room) {
            joinsAsked.add(who.user() + "@" + room);
            return join.apply(who, room);
        }

        @Override
        public CompletionStage<Verdict> beforePublish(Identity who, String room, Post post) {
            return CompletableFuture.supplyAsync(() -> publish.apply(post));
        }
    }
}
