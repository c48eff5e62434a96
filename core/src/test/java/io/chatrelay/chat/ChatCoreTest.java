package io.chatrelay.chat;

import com.fasterxml.jackson.databind.JsonNode;
import io.chatrelay.chat.TestCore.Client;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The chat core on the in-memory broker, without any server: join, recovery, presence, typing,
 * direct messages, history, limits.
 */
class ChatCoreTest {
    private static final Duration QUIET = Duration.ofMillis(800);

    private TestCore chat = new TestCore();

    @AfterEach
    void close() {
        chat.close();
    }

    private ChatCore core() {
        return chat.core();
    }

    private static String send(String room, String text, String ref) {
        return "{\"type\":\"send\",\"room\":\"" + room + "\",\"text\":\"" + text + "\",\"ref\":\"" + ref + "\"}";
    }

    private String sendAndAck(Client c, String room, String text) {
        String ref = "r" + System.nanoTime();
        c.send(core(), send(room, text, ref));
        return c.out().next(f -> "ack".equals(f.path("type").asText()) && ref.equals(f.path("ref").asText()),
                RecordingRecipient.WAIT).path("id").asText();
    }

    /** The next presence frame about a user with an event. */
    private static JsonNode presence(Client c, String user, String event, Duration wait) {
        return c.out().next(f -> "presence".equals(f.path("type").asText()) && user.equals(f.path("user").asText())
                && event.equals(f.path("event").asText()), wait);
    }

    /** Presence frames about a user among those received within {@code settle}. */
    private static List<JsonNode> presenceAbout(Client c, String user, Duration settle) {
        return c.out().all("presence", settle).stream().filter(f -> user.equals(f.path("user").asText())).toList();
    }

    private static List<String> texts(JsonNode messages) {
        List<String> texts = new ArrayList<>();
        messages.forEach(m -> texts.add(m.path("text").asText()));
        return texts;
    }

    // ---- open and join ------------------------------------------------------------------------

    @Test
    void opensWithWelcomeThenJoinsTheDefaultRoom() {
        Client alice = chat.connect("alice");

        JsonNode welcome = alice.out().next("welcome");
        JsonNode joined = alice.out().next("joined");

        assertThat(welcome.path("user").asText()).isEqualTo("alice");
        assertThat(welcome.path("protocol").asInt()).isEqualTo(1);
        assertThat(welcome.path("node").asText()).isEqualTo("node-a");
        assertThat(joined.path("room").asText()).isEqualTo("lobby");
        assertThat(joined.has("recovered")).isFalse();
        assertThat(alice.out().frames().getFirst()).contains("\"welcome\"");
    }

    @Test
    void deliversAMessageOnceToEveryMemberAndAcksTheSenderWithItsId() {
        Client alice = chat.connect("alice");
        Client bob = chat.connect("bob");
        bob.out().next("joined");

        String id = sendAndAck(alice, "lobby", "hi");

        JsonNode atBob = bob.out().next("message");
        JsonNode atAlice = alice.out().next("message");
        assertThat(atBob.path("id").asText()).isEqualTo(id);
        assertThat(atBob.path("from").asText()).isEqualTo("alice");
        assertThat(atAlice.path("id").asText()).isEqualTo(id);
        assertThat(bob.out().all("message", QUIET)).isEmpty();
    }

    @Test
    void refusesToSendOrTypeInARoomNotJoined() {
        Client alice = chat.connect("alice");

        alice.send(core(), send("elsewhere", "x", "s1"));
        alice.send(core(), "{\"type\":\"typing\",\"room\":\"elsewhere\",\"ref\":\"t1\"}");

        assertThat(alice.out().next("error").path("code").asText()).isEqualTo("not_member");
        assertThat(alice.out().next("error").path("ref").asText()).isEqualTo("t1");
    }

    @Test
    void refusesAJoinBeyondTheRoomLimit() {
        Client alice = chat.connect("alice");
        for (String room : List.of("r1", "r2", "r3")) {
            alice.send(core(), "{\"type\":\"join\",\"room\":\"" + room + "\"}");
        }

        alice.send(core(), "{\"type\":\"join\",\"room\":\"r4\",\"ref\":\"j4\"}");

        JsonNode error = alice.out().next("error");
        assertThat(error.path("code").asText()).isEqualTo("too_many_rooms");
        assertThat(error.path("ref").asText()).isEqualTo("j4");
    }

    @Test
    void joinsWithTheLatestMessagesOldestFirst() {
        Client alice = chat.connect("alice");
        alice.send(core(), "{\"type\":\"join\",\"room\":\"r\"}");
        alice.out().next(f -> "r".equals(f.path("room").asText()) && "joined".equals(f.path("type").asText()), RecordingRecipient.WAIT);
        for (int i = 0; i < 3; i++) {
            sendAndAck(alice, "r", "m" + i);
        }
        Client bob = chat.connect("bob");

        bob.send(core(), "{\"type\":\"join\",\"room\":\"r\"}");

        JsonNode joined = bob.out().next(f -> "r".equals(f.path("room").asText()) && "joined".equals(f.path("type").asText()),
                RecordingRecipient.WAIT);
        assertThat(texts(joined.path("messages"))).containsExactly("m0", "m1", "m2");
        assertThat(joined.path("members")).extracting(JsonNode::asText).containsExactly("alice", "bob");
    }

    // ---- large rooms ------------------------------------------------------------------------

    /** Puts {@code count} members into a room's presence as another gateway would. */
    private void presentElsewhere(String room, int count) throws Exception {
        var other = chat.broker().presenceStore("node-z", Duration.ofMinutes(5), Duration.ofMinutes(5));
        for (int i = 0; i < count; i++) {
            String id = String.format("m%04d", i);
            other.add("room:" + room, id, "name " + id).toCompletableFuture().get();
        }
    }

    @Test
    void aLargeRoomsJoinedListsTheFirstHundredMembersAndTheCountAndMembersPagesOn() throws Exception {
        presentElsewhere("big", 150);
        Client alice = chat.connect("alice");

        alice.send(core(), "{\"type\":\"join\",\"room\":\"big\"}");

        JsonNode joined = alice.out().next(f -> "big".equals(f.path("room").asText()) && "joined".equals(f.path("type").asText()),
                RecordingRecipient.WAIT);
        assertThat(joined.path("members")).hasSize(100);
        assertThat(joined.path("members").get(0).asText()).isEqualTo("alice");
        assertThat(joined.path("member_count").asLong()).isEqualTo(151);
        assertThat(joined.path("members_more").asBoolean()).isTrue();
        String last = joined.path("members").get(99).asText();

        alice.send(core(), "{\"type\":\"members\",\"room\":\"big\",\"after\":\"" + last + "\",\"limit\":100,\"ref\":\"m1\"}");
        JsonNode page = alice.out().next("members");
        assertThat(page.path("members")).hasSize(51);
        assertThat(page.path("members").get(0).asText()).isGreaterThan(last);
        assertThat(page.path("names").path("m0149").asText()).isEqualTo("name m0149");
        assertThat(page.path("more").asBoolean()).isFalse();
        assertThat(page.path("ref").asText()).isEqualTo("m1");
    }

    @Test
    void membersOfARoomTheConnectionIsNotInAreRefused() {
        Client alice = chat.connect("alice");

        alice.send(core(), "{\"type\":\"members\",\"room\":\"elsewhere\",\"ref\":\"m2\"}");

        assertThat(alice.out().next("error").path("code").asText()).isEqualTo("not_member");
    }

    @Test
    void aRoomOfMoreThanAThousandMembersGetsNoPresenceEvents() throws Exception {
        Client alice = chat.connect("alice");
        alice.send(core(), "{\"type\":\"join\",\"room\":\"crowd\"}");
        alice.out().next(f -> "crowd".equals(f.path("room").asText()) && "joined".equals(f.path("type").asText()), RecordingRecipient.WAIT);
        Client bob = chat.connect("bob");
        bob.send(core(), "{\"type\":\"join\",\"room\":\"crowd\"}");
        assertThat(presence(alice, "bob", "join", RecordingRecipient.WAIT)).as("a small room announces joins").isNotNull();

        presentElsewhere("crowd", 1000);
        Client carol = chat.connect("carol");
        carol.send(core(), "{\"type\":\"join\",\"room\":\"crowd\"}");
        carol.out().next(f -> "crowd".equals(f.path("room").asText()) && "joined".equals(f.path("type").asText()), RecordingRecipient.WAIT);

        assertThat(presenceAbout(alice, "carol", QUIET)).as("1003 members: no presence events")
                .noneMatch(f -> "crowd".equals(f.path("room").asText()));
    }

    // ---- rejoin in place --------------------------------------------------------------------

    @Test
    void aRejoinWithSinceRecoversInPlaceWithoutPresenceEventsForOthers() {
        Client alice = chat.connect("alice");
        Client bob = chat.connect("bob");
        bob.out().next("joined");
        String first = sendAndAck(bob, "lobby", "one");
        sendAndAck(bob, "lobby", "two");
        sendAndAck(bob, "lobby", "three");
        for (Client c : List.of(alice, bob)) {
            c.out().next(f -> "three".equals(f.path("text").asText()), RecordingRecipient.WAIT);
            c.out().drain();
        }

        alice.send(core(), "{\"type\":\"join\",\"room\":\"lobby\",\"since\":\"" + first + "\"}");

        JsonNode joined = alice.out().next("joined");
        assertThat(joined.path("recovered").asBoolean()).isTrue();
        assertThat(texts(joined.path("messages"))).containsExactly("two", "three");
        assertThat(presenceAbout(bob, "alice", QUIET)).as("bob sees no leave/join of alice").isEmpty();
        String four = sendAndAck(bob, "lobby", "four");
        assertThat(alice.out().next("message").path("id").asText()).isEqualTo(four);
        assertThat(alice.out().all("message", QUIET)).as("nothing twice").isEmpty();
    }

    @Test
    void aRepeatedJoinWithoutSinceAnswersAgainAndKeepsTheMembership() {
        Client alice = chat.connect("alice");
        alice.out().next("joined");
        presence(alice, "alice", "join", RecordingRecipient.WAIT);

        alice.send(core(), "{\"type\":\"join\",\"room\":\"lobby\"}");

        assertThat(alice.out().next("joined").path("room").asText()).isEqualTo("lobby");
        assertThat(core().rooms().roomCount()).isEqualTo(1);
        assertThat(alice.out().all("presence", QUIET)).isEmpty();
    }

    // ---- recovery in pages ------------------------------------------------------------------

    @Test
    void recoversABacklogLargerThanAPageInPagesWithoutClosing() {
        chat.close();
        chat = new TestCore(TestCore.settings(100, 2048));
        Client writer = chat.connect("writer");
        String since = sendAndAck(writer, "lobby", "start");
        List<String> sent = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            String text = "m" + i + "-" + "x".repeat(150);
            sendAndAck(writer, "lobby", text);
            sent.add(text);
        }
        Client reader = chat.connect("reader", 1, Map.of());
        reader.out().next("joined");

        reader.send(core(), "{\"type\":\"join\",\"room\":\"lobby\",\"since\":\"" + since + "\"}");

        JsonNode joined = reader.out().next("joined");
        assertThat(joined.path("more").asBoolean()).isTrue();
        assertThat(joined.path("messages").size()).isBetween(1, 59);
        List<String> got = new ArrayList<>(texts(joined.path("messages")));
        while (got.size() < sent.size()) {
            got.add(reader.out().next("message").path("text").asText());
        }
        assertThat(got).containsExactlyElementsOf(sent);
        assertThat(reader.out().closed()).isNull();
        assertThat(reader.out().paced()).as("pages waited for the connection to drain").isTrue();
    }

    @Test
    void closesARecoveringConnectionThatReadsNothingInsteadOfQueueingWithoutBound() {
        chat.close();
        chat = new TestCore(TestCore.settings(100, 1024));
        Client writer = chat.connect("writer");
        String since = sendAndAck(writer, "lobby", "start");
        for (int i = 0; i < 30; i++) {
            sendAndAck(writer, "lobby", "m" + i + "-" + "y".repeat(150));
        }
        Client reader = chat.connect("reader");
        reader.out().next("joined");
        reader.out().stopReading();

        reader.send(core(), "{\"type\":\"join\",\"room\":\"lobby\",\"since\":\"" + since + "\"}");

        assertThat(reader.out().closed()).isEqualTo(CloseCode.OVERLOAD);
    }

    @Test
    void answersRecoveredFalseWithTheLatestPageWhenSinceWasTrimmedAway() {
        chat.close();
        ChatSettings base = TestCore.settings(100, 262_144);
        chat = new TestCore(new ChatSettings(base.nodeId(), base.defaultRoom(), base.limits(),
                new ChatSettings.History(5, 3, 262_144, Duration.ofDays(7), Duration.ofDays(30)), base.presence(), base.messages(),
                base.brokerTimeout()));
        Client writer = chat.connect("writer");
        String first = sendAndAck(writer, "lobby", "first");
        for (int i = 0; i < 10; i++) {
            sendAndAck(writer, "lobby", "n" + i);
        }
        Client reader = chat.connect("reader");
        reader.out().next("joined");

        reader.send(core(), "{\"type\":\"join\",\"room\":\"lobby\",\"since\":\"" + first + "\"}");

        JsonNode joined = reader.out().next("joined");
        assertThat(joined.path("recovered").asBoolean()).isFalse();
        assertThat(texts(joined.path("messages"))).containsExactly("n7", "n8", "n9");
    }

    @Test
    void resumesEveryRoomOfAHelloInOneStep() {
        Client writer = chat.connect("writer");
        writer.send(core(), "{\"type\":\"join\",\"room\":\"r\"}");
        writer.out().next(f -> "r".equals(f.path("room").asText()) && "joined".equals(f.path("type").asText()), RecordingRecipient.WAIT);
        String lobbySince = sendAndAck(writer, "lobby", "l0");
        sendAndAck(writer, "lobby", "l1");
        String roomSince = sendAndAck(writer, "r", "r0");
        sendAndAck(writer, "r", "r1");
        Map<String, String> resume = new LinkedHashMap<>();
        resume.put("r", roomSince);
        resume.put("lobby", lobbySince);

        Client reader = chat.connect("reader", 2, resume);

        assertThat(reader.out().next("welcome").path("protocol").asInt()).isEqualTo(2);
        JsonNode r = reader.out().next("joined");
        JsonNode lobby = reader.out().next("joined");
        assertThat(r.path("room").asText()).isEqualTo("r");
        assertThat(texts(r.path("messages"))).containsExactly("r1");
        assertThat(lobby.path("room").asText()).isEqualTo("lobby");
        assertThat(texts(lobby.path("messages"))).containsExactly("l1");
        assertThat(reader.out().all("joined", QUIET)).as("the default room once").isEmpty();
    }

    // ---- presence ---------------------------------------------------------------------------

    @Test
    void announcesAUsersFirstConnectionOnlyAndCountsTwoTabsOnce() {
        Client bob = chat.connect("bob");
        bob.out().next("joined");

        Client tab1 = chat.connect("alice");
        Client tab2 = chat.connect("alice");
        tab2.out().next("joined");

        presence(bob, "alice", "join", RecordingRecipient.WAIT);
        assertThat(presenceAbout(bob, "alice", QUIET)).as("the second tab is not announced").isEmpty();
        assertThat(tab1.out().next("joined").path("members")).hasSize(2);
    }

    @Test
    void announcesALeaveAtOnceWhenTheLastConnectionLeavesOnPurpose() {
        Client bob = chat.connect("bob");
        Client alice = chat.connect("alice");
        alice.out().next("joined");
        presence(bob, "alice", "join", RecordingRecipient.WAIT);

        alice.send(core(), "{\"type\":\"leave\",\"room\":\"lobby\"}");

        assertThat(alice.out().next("left").path("room").asText()).isEqualTo("lobby");
        presence(bob, "alice", "leave", Duration.ofMillis(150));
    }

    @Test
    void aClosedConnectionsUserLingersThenLeavesAfterTheSweep() {
        Client bob = chat.connect("bob");
        Client alice = chat.connect("alice");
        alice.out().next("joined");
        presence(bob, "alice", "join", RecordingRecipient.WAIT);

        long closedAt = System.nanoTime();
        core().close(alice.session());

        presence(bob, "alice", "leave", RecordingRecipient.WAIT);
        long tookMs = (System.nanoTime() - closedAt) / 1_000_000;
        assertThat(tookMs).as("linger 300 ms + sweep 200 ms").isBetween(250L, 2000L);
    }

    @Test
    void aUserWhoReconnectsWithinTheLingerIsNeverSeenLeaving() {
        Client bob = chat.connect("bob");
        Client alice = chat.connect("alice");
        alice.out().next("joined");
        presence(bob, "alice", "join", RecordingRecipient.WAIT);

        core().close(alice.session());
        Client again = chat.connect("alice");
        again.out().next("joined");

        assertThat(presenceAbout(bob, "alice", Duration.ofMillis(1500))).as("no leave, no join").isEmpty();
    }

    // ---- typing -----------------------------------------------------------------------------

    @Test
    void typingReachesTheOthersButNotTheTypistsOwnConnectionsAtMostOncePerSecond() {
        Client alice = chat.connect("alice");
        Client aliceTab = chat.connect("alice");
        Client bob = chat.connect("bob");
        bob.out().next("joined");
        aliceTab.out().next("joined");

        alice.send(core(), "{\"type\":\"typing\",\"room\":\"lobby\"}");
        alice.send(core(), "{\"type\":\"typing\",\"room\":\"lobby\"}");

        JsonNode typing = bob.out().next("typing");
        assertThat(typing.path("user").asText()).isEqualTo("alice");
        assertThat(bob.out().all("typing", QUIET)).as("throttled").isEmpty();
        assertThat(alice.out().all("typing", Duration.ZERO)).isEmpty();
        assertThat(aliceTab.out().all("typing", Duration.ZERO)).isEmpty();
    }

    // ---- direct messages and history ----------------------------------------------------------

    @Test
    void deliversADirectMessageToEveryConnectionOfBothUsersAndKeepsItsHistory() {
        Client alice = chat.connect("alice");
        Client bob1 = chat.connect("bob");
        Client bob2 = chat.connect("bob");
        bob2.out().next("joined");

        alice.send(core(), "{\"type\":\"send\",\"to\":\"bob\",\"text\":\"psst\",\"ref\":\"d1\"}");

        String id = alice.out().next("ack").path("id").asText();
        for (Client c : List.of(alice, bob1, bob2)) {
            JsonNode m = c.out().next("message");
            assertThat(m.path("to").asText()).isEqualTo("bob");
            assertThat(m.path("id").asText()).isEqualTo(id);
        }
        bob1.send(core(), "{\"type\":\"history\",\"with\":\"alice\",\"ref\":\"h\"}");
        assertThat(texts(bob1.out().next("history").path("messages"))).containsExactly("psst");
    }

    @Test
    void refusesADirectMessageToAUserWhoNeverConnectedAndStoresNothing() {
        Client alice = chat.connect("alice");
        alice.out().next("joined");

        alice.send(core(), "{\"type\":\"send\",\"to\":\"nobody\",\"text\":\"hi\",\"ref\":\"d1\"}");

        JsonNode error = alice.out().next("error");
        assertThat(error.path("code").asText()).isEqualTo("unknown_user");
        assertThat(error.path("ref").asText()).isEqualTo("d1");
        alice.send(core(), "{\"type\":\"history\",\"with\":\"nobody\",\"ref\":\"h\"}");
        assertThat(alice.out().next("history").path("messages")).isEmpty();
    }

    @Test
    void capsTheConnectionsOfOneUserAndFreesASlotWhenOneCloses() {
        List<Client> tabs = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            tabs.add(chat.connect("alice"));
        }
        Client fourth = chat.connect("alice");

        assertThat(tabs).allMatch(Client::admitted);
        assertThat(fourth.admitted()).isFalse();
        assertThat(fourth.out().closed()).isEqualTo(CloseCode.TOO_MANY_CONNECTIONS);
        core().close(tabs.getFirst().session());
        assertThat(chat.connect("alice").admitted()).isTrue();
        assertThat(chat.connect("bob").admitted()).as("other users are not affected").isTrue();
    }

    @Test
    void boundsAHistoryPageInBytesAndSaysMore() {
        chat.close();
        chat = new TestCore(TestCore.settings(100, 1024));
        Client alice = chat.connect("alice");
        for (int i = 0; i < 20; i++) {
            sendAndAck(alice, "lobby", "h" + i + "-" + "z".repeat(150));
        }

        alice.send(core(), "{\"type\":\"history\",\"room\":\"lobby\",\"limit\":20,\"ref\":\"h\"}");

        JsonNode page = alice.out().next("history");
        assertThat(page.path("more").asBoolean()).isTrue();
        assertThat(page.path("messages").size()).isBetween(1, 8);
        assertThat(texts(page.path("messages")).getLast()).startsWith("h19-");
    }

    // ---- limits and status ------------------------------------------------------------------

    @Test
    void admitsExactlyAsManySessionsAsTheCapWhenManyConnectAtOnce() throws Exception {
        chat.close();
        chat = new TestCore(TestCore.settings(10, 262_144));
        AtomicInteger admitted = new AtomicInteger();
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        List<RecordingRecipient> refused = java.util.Collections.synchronizedList(new ArrayList<>());
        for (int i = 0; i < 40; i++) {
            String user = "u" + i;
            threads.add(Thread.ofVirtual().start(() -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    return;
                }
                Client c = chat.connect(user);
                if (c.admitted()) {
                    admitted.incrementAndGet();
                } else {
                    refused.add(c.out());
                }
            }));
        }
        start.countDown();
        for (Thread t : threads) {
            t.join();
        }

        assertThat(admitted.get()).isEqualTo(10);
        assertThat(core().sessions().count()).isEqualTo(10);
        assertThat(refused).hasSize(30).allSatisfy(out -> assertThat(out.closed()).isEqualTo(CloseCode.OVERLOAD));
    }

    @Test
    void refusesNewSessionsWhileDrainingWith1012() {
        core().startDraining();

        Client late = chat.connect("late");

        assertThat(late.admitted()).isFalse();
        assertThat(late.out().closed()).isEqualTo(CloseCode.RESTART);
    }

    @Test
    void refusesSessionsWith1013WhileTheBrokerIsNotUp() {
        ChatSettings settings = TestCore.settings(100, 262_144);
        io.chatrelay.broker.memory.InMemoryBroker broker = new io.chatrelay.broker.memory.InMemoryBroker(100);
        ChatCore notStarted = new ChatCore(settings, new ChatBackend(broker, broker.presenceStore("n", Duration.ofSeconds(2),
                Duration.ofMillis(200)), broker.userDirectory(Duration.ofDays(1)), broker.readState(), broker.moderation(), broker.eventLog(10)),
                ChatSecurity.defaults(""),
                ChatMetrics.NONE);
        RecordingRecipient out = new RecordingRecipient();

        boolean admitted = notStarted.open(new Session("s", new Identity("alice", false), out, 1), Map.of());

        assertThat(admitted).isFalse();
        assertThat(out.closed()).isEqualTo(CloseCode.OVERLOAD);
        assertThat(notStarted.sessions().count()).isZero();
        notStarted.close();
    }

    @Test
    void statusCountsSessionsAndRoomsOfThisGateway() {
        Client alice = chat.connect("alice");
        chat.connect("bob").out().next("joined");
        alice.send(core(), "{\"type\":\"join\",\"room\":\"r\"}");

        alice.send(core(), "{\"type\":\"status\"}");

        JsonNode status = alice.out().next("status");
        assertThat(status.path("connections").asInt()).isEqualTo(2);
        assertThat(status.path("rooms").asInt()).isEqualTo(2);
        assertThat(status.path("broker").asText()).isEqualTo("UP");
    }

    @Test
    void closingASessionUnsubscribesRoomsWithoutLocalMembers() {
        Client alice = chat.connect("alice");
        alice.send(core(), "{\"type\":\"join\",\"room\":\"r\"}");
        alice.out().next(f -> "r".equals(f.path("room").asText()) && "joined".equals(f.path("type").asText()), RecordingRecipient.WAIT);

        core().close(alice.session());

        await().atMost(RecordingRecipient.WAIT).until(() -> core().rooms().roomCount() == 0);
        assertThat(core().sessions().count()).isZero();
    }

    // ---- trust: rooms by policy, room tokens, token expiry and refresh ----------------------

    private Identity tokenIdentity(String user, List<String> grants, Duration ttl) {
        return new Identity(user, user, false, grants, java.time.Instant.now().plus(ttl));
    }

    @Test
    void refusesAPrivateRoomWithoutAGrantAndLetsARoomTokenIn() {
        Client alice = chat.connect(tokenIdentity("alice", List.of(), Duration.ofMinutes(5)), 1, Map.of());
        alice.out().next("joined");

        alice.send(core(), "{\"type\":\"join\",\"room\":\"private:r\",\"ref\":\"j1\"}");
        JsonNode error = alice.out().next("error");
        String token = Tokens.roomToken(TestCore.SECRET, "alice", List.of("private:r"), b -> b);
        alice.send(core(), "{\"type\":\"join\",\"room\":\"private:r\",\"token\":\"" + token + "\"}");

        assertThat(error.path("code").asText()).isEqualTo("forbidden");
        assertThat(error.path("ref").asText()).isEqualTo("j1");
        assertThat(alice.out().next(f -> "private:r".equals(f.path("room").asText()) && "joined".equals(f.path("type").asText()),
                RecordingRecipient.WAIT)).isNotNull();
    }

    @Test
    void refusesAnotherUsersRoomTokenAndKeepsTheRoomUnreadable() {
        Client writer = chat.connect(tokenIdentity("writer", List.of("private:*"), Duration.ofMinutes(5)), 1, Map.of());
        writer.send(core(), "{\"type\":\"join\",\"room\":\"private:r\"}");
        sendAndAck(writer, "private:r", "secret");
        Client mallory = chat.connect("mallory");
        mallory.out().next("joined");
        String stolen = Tokens.roomToken(TestCore.SECRET, "writer", List.of("private:r"), b -> b);

        mallory.send(core(), "{\"type\":\"join\",\"room\":\"private:r\",\"token\":\"" + stolen + "\"}");
        mallory.send(core(), "{\"type\":\"history\",\"room\":\"private:r\"}");

        assertThat(mallory.out().next("error").path("code").asText()).isEqualTo("forbidden");
        assertThat(mallory.out().next("error").path("code").asText()).isEqualTo("not_member");
        assertThat(mallory.out().frames()).noneMatch(f -> f.contains("secret"));
    }

    @Test
    void aHelloResumesOnlyTheRoomsItMayRead() {
        Map<String, String> resume = new LinkedHashMap<>();
        resume.put("private:r", null);
        resume.put("open", null);

        Client guest = chat.connect(new Identity("guest1", true), 2, resume);

        assertThat(guest.out().next("error").path("code").asText()).isEqualTo("forbidden");
        assertThat(guest.out().next("joined").path("room").asText()).isEqualTo("open");
    }

    @Test
    void closesAConnectionWhoseTokenExpiresWith4401() {
        Client alice = chat.connect(tokenIdentity("alice", List.of(), Duration.ofMillis(400)), 2, Map.of());
        alice.out().next("joined");

        await().atMost(Duration.ofSeconds(3)).until(() -> alice.out().closed() != null);
        assertThat(alice.out().closed()).isEqualTo(CloseCode.UNAUTHORIZED);
    }

    @Test
    void aRefreshWithANewTokenKeepsTheConnectionOpen() throws Exception {
        Client alice = chat.connect(tokenIdentity("alice", List.of(), Duration.ofMillis(600)), 2, Map.of());
        alice.out().next("joined");
        String fresh = Tokens.hs256(TestCore.SECRET, Tokens.claims("alice", Duration.ofMinutes(5)).build());

        alice.send(core(), "{\"type\":\"refresh\",\"token\":\"" + fresh + "\",\"ref\":\"r1\"}");

        JsonNode refreshed = alice.out().next("refreshed");
        assertThat(refreshed.path("ref").asText()).isEqualTo("r1");
        assertThat(refreshed.path("expires").asLong()).isGreaterThan(java.time.Instant.now().getEpochSecond() + 60);
        Thread.sleep(1000);
        assertThat(alice.out().closed()).isNull();
    }

    @Test
    void aRefreshThatDropsAGrantLeavesTheRoomAndOneForAnotherUserIsRefused() {
        Client bob = chat.connect(tokenIdentity("bob", List.of("private:team"), Duration.ofMinutes(5)), 2, Map.of());
        bob.send(core(), "{\"type\":\"join\",\"room\":\"private:team\"}");
        bob.out().next(f -> "private:team".equals(f.path("room").asText()) && "joined".equals(f.path("type").asText()),
                RecordingRecipient.WAIT);
        String notBob = Tokens.hs256(TestCore.SECRET, Tokens.claims("mallory", Duration.ofMinutes(5)).build());
        String fewer = Tokens.hs256(TestCore.SECRET, Tokens.claims("bob", Duration.ofMinutes(5)).build());

        bob.send(core(), "{\"type\":\"refresh\",\"token\":\"" + notBob + "\",\"ref\":\"x\"}");
        assertThat(bob.out().next("error").path("code").asText()).isEqualTo("unauthorized");
        bob.send(core(), "{\"type\":\"refresh\",\"token\":\"" + fewer + "\"}");

        assertThat(bob.out().next("left").path("room").asText()).isEqualTo("private:team");
        assertThat(bob.out().next("refreshed")).isNotNull();
        assertThat(bob.session().user()).isEqualTo("bob");
    }

    @Test
    void aGuestsRefreshWithItsGuestTokenIsRefusedAndLeavesTheConnectionAsItWas() {
        Identity guest = io.chatrelay.chat.auth.GuestTokens.newGuest("visitor");
        Client c = chat.connect(guest, 2, Map.of());
        c.out().next("joined");
        String guestToken = core().security().authenticator().guestToken(guest);

        c.send(core(), "{\"type\":\"refresh\",\"token\":\"" + guestToken + "\",\"ref\":\"r\"}");

        JsonNode error = c.out().next("error");
        assertThat(error.path("code").asText()).isEqualTo("unauthorized");
        assertThat(error.path("ref").asText()).isEqualTo("r");
        assertThat(c.out().closed()).isNull();
        assertThat(c.session().user()).isEqualTo(guest.user());
    }

    @Test
    void answersAHelloAfterOpenWithAnError() {
        Client alice = chat.connect("alice");

        alice.send(core(), "{\"type\":\"hello\",\"name\":\"x\",\"ref\":\"h\"}");

        JsonNode error = alice.out().next("error");
        assertThat(error.path("code").asText()).isEqualTo("bad_frame");
        assertThat(error.path("ref").asText()).isEqualTo("h");
    }
}
