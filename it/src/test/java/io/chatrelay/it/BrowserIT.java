package io.chatrelay.it;

import com.github.dockerjava.api.command.InspectContainerResponse;
import com.microsoft.playwright.Browser;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;
import com.microsoft.playwright.assertions.LocatorAssertions;
import com.microsoft.playwright.assertions.PlaywrightAssertions;
import io.chatrelay.it.browser.ChatPage;
import io.chatrelay.it.browser.ChatPage.Shown;
import io.chatrelay.it.browser.Chromium;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;
import java.util.regex.Pattern;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Real-browser tests: Java Playwright drives the system's headless Chromium
 * ({@code /usr/bin/chromium}) against the chat page served by the real compose stack, through
 * HAProxy, exactly as a user's browser would load it. Each user is its own browser context.
 * Screenshots of key moments go to {@code it/target/screenshots/}.
 *
 * <p>Users are guests: the page shows their display names (the names they picked), and keeps
 * them by the ids the server gave ({@code guest:…}, in the hooks' data attributes). The stack's
 * gateways share one {@code CHAT_AUTH_GUEST_SECRET} (docker-compose.yml gives them the one its
 * {@code secrets} service generated), as a deployment should, so a guest's page that comes back
 * through the load balancer, to any gateway, is the same guest.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class BrowserIT {

    private static final Logger LOG = Logger.getLogger(BrowserIT.class.getName());

    /** Pages opened while looking for a connection on another gateway (HAProxy balances by least connections). */
    private static final int MAX_ATTEMPTS = 8;

    /** The stack, started only once Chromium is known to be there. */
    @RegisterExtension
    static final ComposeStackExtension STACK = ComposeStackExtension.of()
            .requiring(Chromium::requireInstalled);
    private static Playwright playwright;
    private static Browser browser;
    private static Path screenshots;

    /** Every page a test opens; checked and closed after each test. */
    private final List<ChatPage> pages = new ArrayList<>();

    /** Runs once the stack is up (the extension checked for Chromium before starting it). */
    @BeforeAll
    static void start() {
        String dir = System.getProperty("chatrelay.screenshots");
        screenshots = dir == null || dir.isBlank() ? Paths.get("target", "screenshots") : Paths.get(dir);
        PlaywrightAssertions.setDefaultAssertionTimeout(ChatPage.TIMEOUT_MS);
        playwright = Chromium.playwright();
        browser = Chromium.launch(playwright);
        LOG.info(() -> "Chromium " + browser.version() + " from " + Chromium.executable());
    }

    /** Before the extension takes the stack down. */
    @AfterAll
    static void stop() {
        try {
            if (browser != null) {
                browser.close();
            }
            if (playwright != null) {
                playwright.close();
            }
        } catch (RuntimeException e) {
            LOG.warning("closing the browser failed: " + e);
        }
    }

    /** A last screenshot of every page, then: no script error and no request beyond the stack in any of them. */
    @AfterEach
    void closePages(TestInfo test) {
        List<String> errors = new ArrayList<>();
        List<String> foreign = new ArrayList<>();
        for (ChatPage p : pages) {
            try {
                p.screenshot(test.getTestMethod().map(m -> m.getName()).orElse("test") + "-end-" + p.label());
            } catch (RuntimeException e) {
                LOG.warning("no final screenshot of " + p.label() + ": " + e);
            }
            p.pageErrors().forEach(e -> errors.add(p.label() + ": " + e));
            p.foreignRequests().forEach(u -> foreign.add(p.label() + ": " + u));
            p.close();
        }
        pages.clear();
        assertThat(errors).as("uncaught script errors in the pages").isEmpty();
        assertThat(foreign).as("requests to anything but the stack under test").isEmpty();
    }

    @Test
    @Order(1)
    void twoBrowsersInOneRoomSeeMessagesPresenceAndTyping() {
        String s = unique();
        String room = "browser-" + s;
        String aliceName = "alice-" + s;
        String bobName = "bob-" + s;
        ChatPage alice = open("/", "alice").connect(aliceName);
        ChatPage bob = open("/", "bob").connect(bobName);
        alice.joinRoom(room);
        bob.joinRoom(room);

        // presence: each lists the other (and itself, marked), whichever gateway each one is on,
        // by id, showing the display name
        assertThat(alice.user()).isNotEqualTo(bob.user());
        assertThat(alice.member(bob.user())).isVisible();
        assertThat(bob.member(alice.user())).isVisible();
        assertThat(alice.members()).hasCount(2);
        assertThat(bob.members()).hasCount(2);
        assertThat(alice.member(alice.user())).hasClass(Pattern.compile("\\bself\\b"));
        assertThat(alice.member(alice.user())).hasText(aliceName);
        assertThat(bob.member(alice.user())).not().hasClass(Pattern.compile("\\bself\\b"));
        assertThat(bob.member(alice.user()).locator("button")).hasText(aliceName);
        assertThat(alice.member(bob.user()).locator("button")).hasText(bobName);

        // typing: alice types key by key, bob is told (the notice lasts 3 s after the last
        // typing frame, so look while she is still typing)
        String text = "hello bob, this is alice " + s;
        alice.typeSlowly("hello bob, ");
        assertThat(bob.typing()).hasText(aliceName + " is typing…");
        assertThat(alice.typing()).isEmpty();
        bob.screenshot("1-bob-sees-alice-typing");
        alice.typeSlowly(text.substring("hello bob, ".length()));
        assertThat(alice.page().locator("#message")).hasValue(text);

        // the message: at bob with alice as author, at alice marked as her own, same id
        alice.send(text);
        Shown atBob = bob.awaitMessage(text);
        Shown atAlice = alice.awaitMessage(text);
        assertThat(atBob.from()).isEqualTo(aliceName);
        assertThat(atBob.fromId()).isEqualTo(alice.user());
        assertThat(atBob.own()).isFalse();
        assertThat(atAlice.from()).isEqualTo(aliceName);
        assertThat(atAlice.fromId()).isEqualTo(alice.user());
        assertThat(atAlice.own()).isTrue();
        assertThat(atBob.id()).matches("\\d+-\\d+").isEqualTo(atAlice.id());
        assertThat(bob.page().locator("#messages li.message[data-id=\"" + atBob.id() + "\"] .time"))
                .hasText(Pattern.compile("^\\d\\d:\\d\\d$"));
        // a message from alice ends her typing notice at bob
        assertThat(bob.typing()).isEmpty();

        String reply = "hi alice, bob here " + s;
        bob.send(reply);
        Shown replyAtAlice = alice.awaitMessage(reply);
        assertThat(replyAtAlice.from()).isEqualTo(bobName);
        assertThat(replyAtAlice.fromId()).isEqualTo(bob.user());
        assertThat(replyAtAlice.own()).isFalse();
        assertThat(bob.awaitMessage(reply).own()).isTrue();
        assertThat(alice.messages()).extracting(Shown::text).containsExactly(text, reply);
        assertThat(bob.messages()).extracting(Shown::text).containsExactly(text, reply);
        alice.screenshot("1-alice-conversation");
        bob.screenshot("1-bob-conversation");
    }

    @Test
    @Order(2)
    void htmlInMessagesIsShownAsTextAndNeverRuns() {
        String s = unique();
        String room = "html-" + s;
        String aliceName = "alice-" + s;
        ChatPage alice = open("/", "alice").connect(aliceName);
        ChatPage bob = open("/", "bob").connect("bob-" + s);
        alice.joinRoom(room);
        bob.joinRoom(room);

        List<String> payloads = List.of(
                "<img src=x onerror=\"window.__xss=1\">",
                "<script>window.__xss=2</script>",
                "<b>bold?</b> & <a href=\"javascript:window.__xss=3\">link</a>");
        for (String payload : payloads) {
            alice.send(payload);
        }
        for (String payload : payloads) {
            for (ChatPage p : List.of(alice, bob)) {
                Shown shown = p.awaitMessage(payload);
                assertThat(shown.text()).as("%s shows the text as typed", p.label()).isEqualTo(payload);
                assertThat(shown.from()).isEqualTo(aliceName);
            }
        }
        for (ChatPage p : List.of(alice, bob)) {
            assertThat(p.page().locator("#messages img")).hasCount(0);
            assertThat(p.page().locator("#messages script")).hasCount(0);
            assertThat(p.page().locator("#messages a")).hasCount(0);
            assertThat(p.page().locator("#messages b")).hasCount(0);
            assertThat((Object) p.page().evaluate(
                    "() => Array.from(document.querySelectorAll('#messages .text')).every(t => t.childElementCount === 0)"))
                    .as("%s: message texts hold no elements", p.label()).isEqualTo(true);
            assertThat(p.page().evaluate("() => window.__xss")).as("%s: window.__xss", p.label()).isNull();
            assertThat(p.requestedPaths()).as("%s: nothing loaded the <img src=x>", p.label())
                    .noneMatch(path -> path.equals("/x"));
        }
        bob.screenshot("3-bob-html-shown-as-text");
    }

    @Test
    @Order(3)
    void theClientPathServesAPageThatConnects() {
        String name = "carol-" + unique();
        ChatPage carol = open("/client", "carol").connect(name);
        // every connection starts in the lobby, which the page shows
        assertThat(carol.page().locator("#rooms li[data-room=\"lobby\"]")).isVisible();
        assertThat(carol.page().locator("#conversation-title")).hasText("#lobby");
        assertThat(carol.member(carol.user())).hasText(name);
        assertThat(carol.page().locator("#server-status")).containsText("node " + carol.node());
        String text = "hello from /client " + unique();
        carol.send(text);
        assertThat(carol.awaitMessage(text).own()).isTrue();
        carol.screenshot("4-client-path-connected");
    }

    /**
     * Alice's gateway is killed (SIGKILL: no draining, the socket just closes). Her page's timers
     * are held (Playwright's clock) from just before the kill until bob's five messages are
     * stored: her reconnect attempt cannot win the race against them, so they are certainly sent
     * while she is away, and only her recovery (re-join with {@code since}) can bring them.
     */
    @Test
    @Order(4)
    void resumesAfterItsGatewayIsKilledAndShowsMissedMessagesOnce() {
        String s = unique();
        String room = "resume-" + s;
        String aliceName = "alice-" + s;
        String bobName = "bob-" + s;
        ChatPage alice = open("/", "alice", true).connect(aliceName);
        String aliceNode = alice.node();
        String aliceId = alice.user();
        ChatPage bob = openAvoiding(bobName, aliceNode);
        assertThat(bob.node()).isNotEqualTo(aliceNode);
        alice.joinRoom(room);
        bob.joinRoom(room);
        assertThat(alice.member(bob.user())).isVisible();
        String before = "before the crash " + s;
        bob.send(before);
        alice.awaitMessage(before);
        LOG.info(() -> "alice on " + aliceNode + ", bob on " + bob.node());

        List<String> missed = new ArrayList<>();
        for (int i = 1; i <= 5; i++) {
            missed.add("sent while alice was away #" + i + " " + s);
        }
        alice.recordStatus();
        alice.holdTimers();
        InspectContainerResponse dead = STACK.stack().gatewayOfNode(aliceNode);
        STACK.stack().kill(dead);
        try {
            // the banner says so at once
            assertThat(alice.status()).hasAttribute("data-state", "reconnecting",
                    new LocatorAssertions.HasAttributeOptions().setTimeout(60_000));
            assertThat(alice.status()).containsText("Reconnecting");
            assertThat(alice.status()).hasAttribute("data-node", aliceNode);
            alice.screenshot("2-alice-reconnecting");

            for (String text : missed) {
                bob.send(text);
            }
            for (String text : missed) {
                bob.awaitMessage(text);
            }
            // stored and delivered to bob, while alice is still away and has none of them
            assertThat(alice.status()).hasAttribute("data-state", "reconnecting");
            assertThat(alice.messages()).extracting(Shown::text).containsExactly(before);

            alice.releaseTimers();
            // back: connected to a surviving gateway, the missed messages shown once each
            alice.awaitConnected(90_000);
            assertThat(alice.status()).not().hasAttribute("data-node", aliceNode,
                    new LocatorAssertions.HasAttributeOptions().setTimeout(30_000));
            assertThat(alice.status()).hasText("Connected to node " + alice.node() + " as " + aliceName);
            // the same guest: her page presented its guest token, which the other gateway took
            assertThat(alice.user()).isEqualTo(aliceId);
            await("alice shows the 5 missed messages").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250))
                    .untilAsserted(() -> assertThat(alice.messages()).extracting(Shown::text).containsAll(missed));
            List<Shown> shown = alice.messages();
            assertThat(shown).extracting(Shown::id).doesNotHaveDuplicates();
            assertThat(shown).extracting(Shown::text).containsExactlyElementsOf(concat(before, missed));
            assertThat(shown).allSatisfy(m -> {
                assertThat(m.from()).isEqualTo(bobName);
                assertThat(m.fromId()).isEqualTo(bob.user());
            });
            // bob still sees one alice, the same, present
            assertThat(bob.member(aliceId)).isVisible();
            assertThat(bob.members()).hasCount(2);
            assertThat(bob.messages()).extracting(Shown::text).containsExactlyElementsOf(concat(before, missed));
            // still once each a little later (a late duplicate from the live stream would show now)
            bob.send("after the recovery " + s);
            alice.awaitMessage("after the recovery " + s);
            assertThat(alice.messages()).extracting(Shown::text)
                    .containsExactlyElementsOf(concat(before, missed, "after the recovery " + s));

            List<Map<String, Object>> log = alice.statusLog();
            LOG.info(() -> "alice's banner from just before the kill: " + log);
            assertThat(log).as("banner changes").extracting(e -> e.get("state"))
                    .containsSubsequence("connected", "reconnecting", "connected");
            assertThat(log).anySatisfy(e -> {
                assertThat(e.get("state")).isEqualTo("reconnecting");
                assertThat(String.valueOf(e.get("text"))).startsWith("Reconnecting");
            });
            assertThat(log.getLast().get("node")).isNotEqualTo(aliceNode);
            alice.screenshot("2-alice-resumed");
            bob.screenshot("2-bob-after-alice-resumed");
        } finally {
            STACK.stack().startContainer(dead.getId());
            STACK.stack().awaitAllGatewaysUp(Duration.ofMinutes(2));
        }
    }

    /**
     * Two guests who pick the same name are two users, each shown by that name and told apart by
     * id (members, the direct-message list, messages); a guest whose tab loads the page again
     * comes back as the same guest (its guest token, kept in the tab's sessionStorage), while
     * another browser with the same name is another guest. No id is ever the visible text.
     */
    @Test
    @Order(5)
    void guestsAreShownByNameKeptByIdAndATabThatReloadsIsTheSameGuest() {
        String s = unique();
        String room = "names-" + s;
        String name = "dora-" + s;
        ChatPage dora = open("/", "dora").connect(name);
        String doraId = dora.user();
        ChatPage twin = open("/", "twin").connect(name);
        assertThat(twin.user()).as("another guest who picked the same name").isNotEqualTo(doraId);
        dora.joinRoom(room);
        twin.joinRoom(room);

        assertThat(dora.members()).hasCount(2);
        assertThat(dora.member(doraId)).hasText(name);
        assertThat(dora.member(doraId)).hasClass(Pattern.compile("\\bself\\b"));
        assertThat(dora.member(twin.user()).locator("button")).hasText(name);
        assertThat(twin.member(doraId).locator("button")).hasText(name);
        for (ChatPage p : List.of(dora, twin)) {
            assertThat(p.page().locator("#members")).not().containsText("guest:");
            assertThat(p.status()).not().containsText("guest:");
        }

        // a direct message from the member list: the conversation is keyed by the peer's id and titled with its name
        dora.member(twin.user()).locator("button").click();
        assertThat(dora.dm(twin.user()).locator(".label")).hasText(name);
        assertThat(dora.page().locator("#conversation-title")).hasText("@" + name);
        String text = "psst, other " + name + " " + s;
        dora.send(text);
        Shown mine = dora.awaitMessage(text);
        assertThat(mine.own()).isTrue();
        assertThat(mine.fromId()).isEqualTo(doraId);
        assertThat(twin.dm(doraId).locator(".label")).hasText(name);
        twin.dm(doraId).locator(".select").click();
        Shown atTwin = twin.awaitMessage(text);
        assertThat(atTwin.from()).isEqualTo(name);
        assertThat(atTwin.fromId()).isEqualTo(doraId);
        assertThat(atTwin.own()).as("the same name, but not her own message").isFalse();
        assertThat(twin.page().locator("#dms")).not().containsText("guest:");
        twin.screenshot("5-twin-dm-from-dora");

        // dora's tab loads the page again: the same guest, and her direct conversation is hers
        dora.reload().connect(name);
        assertThat(dora.user()).as("the same guest after a reload of the tab").isEqualTo(doraId);
        dora.page().locator("#dm-user").fill(twin.user());
        dora.page().locator("#open-dm").click();
        assertThat(dora.dm(twin.user())).isVisible();
        Shown again = dora.awaitMessage(text);
        assertThat(again.own()).isTrue();
        assertThat(dora.dm(twin.user()).locator(".label")).hasText(name);
        dora.screenshot("5-dora-after-reload");

        // another browser with the same name is yet another guest
        ChatPage third = open("/", "third").connect(name);
        assertThat(third.user()).isNotIn(doraId, twin.user());
    }

    /**
     * The message model in two browsers on two gateways: a reply quotes its message, an edit
     * replaces the text everywhere (the quote follows), reactions are counted and marked as one's
     * own, a reaction taken back disappears; a tab that loads the page again sees it all from the
     * room's history; a deletion hides the text at both. Only the author has edit and delete.
     */
    @Test
    @Order(6)
    void editsDeletionsReactionsAndRepliesReachTheOtherBrowserAndSurviveAReload() {
        String s = unique();
        String room = "model-" + s;
        String aliceName = "alice-" + s;
        String bobName = "bob-" + s;
        ChatPage alice = open("/", "alice").connect(aliceName);
        ChatPage bob = openAvoiding(bobName, alice.node());
        alice.joinRoom(room);
        bob.joinRoom(room);

        String original = "the meeting is at 10 " + s;
        alice.send(original);
        String id = alice.awaitMessage(original).id();
        bob.awaitMessage(original);
        assertThat(alice.message(id).locator(".actions .edit")).hasCount(1);
        assertThat(alice.message(id).locator(".actions .delete")).hasCount(1);
        // not bob's message: he has no edit or delete for it
        assertThat(bob.message(id).locator(".actions .edit")).hasCount(0);
        assertThat(bob.message(id).locator(".actions .delete")).hasCount(0);

        // bob replies: the composer says what he answers; the reply quotes alice's message at both
        bob.act(id, "reply");
        assertThat(bob.page().locator("#composer")).hasAttribute("data-mode", "reply");
        assertThat(bob.page().locator("#compose-context")).containsText(aliceName);
        String answer = "I will be there " + s;
        bob.send(answer);
        assertThat(bob.page().locator("#composer")).hasAttribute("data-mode", "");
        String replyId = bob.awaitMessage(answer).id();
        for (ChatPage p : List.of(alice, bob)) {
            assertThat(p.message(replyId)).hasAttribute("data-reply-to", id);
            assertThat(p.message(replyId).locator(".quote .quote-text")).hasText(original);
            assertThat(p.message(replyId).locator(".quote .quote-from")).hasText(aliceName);
        }

        // alice edits her message: the new text, marked edited, at both; bob's quote follows
        alice.act(id, "edit");
        assertThat(alice.page().locator("#composer")).hasAttribute("data-mode", "edit");
        assertThat(alice.page().locator("#message")).hasValue(original);
        assertThat(alice.page().locator("#send")).hasText("Save");
        String edited = "the meeting is at 11 " + s;
        alice.send(edited);
        for (ChatPage p : List.of(alice, bob)) {
            assertThat(p.message(id).locator(".text")).hasText(edited);
            assertThat(p.message(id)).hasClass(Pattern.compile("\\bedited\\b"));
            assertThat(p.message(id).locator(".edited-mark")).hasText("(edited)");
            assertThat(p.message(replyId).locator(".quote .quote-text")).hasText(edited);
        }
        assertThat(alice.messagesWithText(edited)).as("edited in place, not a new message").hasSize(1);

        // reactions: both 👍 (2, mine at each), bob 🎉 and takes it back. Bob opens his palette
        // first: alice's reaction redraws the message under it, and the palette stays open
        bob.act(id, "react-toggle");
        alice.react(id, "👍");
        assertThat(alice.reaction(id, "👍")).hasAttribute("data-count", "1");
        assertThat(bob.reaction(id, "👍")).hasAttribute("data-count", "1");
        assertThat(bob.message(id).locator(".palette")).isVisible();
        bob.message(id).locator(".palette .pick[data-emoji=\"👍\"]").click();
        bob.react(id, "🎉");
        for (ChatPage p : List.of(alice, bob)) {
            assertThat(p.reaction(id, "👍")).hasAttribute("data-count", "2");
            assertThat(p.reaction(id, "👍")).hasClass(Pattern.compile("\\bmine\\b"));
        }
        assertThat(alice.reaction(id, "🎉")).hasAttribute("data-count", "1");
        assertThat(alice.reaction(id, "🎉")).not().hasClass(Pattern.compile("\\bmine\\b"));
        assertThat(bob.reaction(id, "🎉")).hasClass(Pattern.compile("\\bmine\\b"));
        bob.reaction(id, "🎉").click();
        assertThat(alice.reaction(id, "🎉")).hasCount(0);
        assertThat(bob.reaction(id, "🎉")).hasCount(0);
        bob.screenshot("6-bob-reply-edit-reactions");

        // bob's tab loads the page again: the room's history brings the edit, the reactions and the reply
        String bobId = bob.user();
        bob.reload().connect(bobName);
        assertThat(bob.user()).isEqualTo(bobId);
        bob.joinRoom(room);
        assertThat(bob.message(id).locator(".text")).hasText(edited);
        assertThat(bob.message(id).locator(".edited-mark")).hasText("(edited)");
        assertThat(bob.reaction(id, "👍")).hasAttribute("data-count", "2");
        assertThat(bob.reaction(id, "👍")).hasClass(Pattern.compile("\\bmine\\b"));
        assertThat(bob.reaction(id, "🎉")).hasCount(0);
        assertThat(bob.message(replyId).locator(".quote .quote-text")).hasText(edited);
        assertThat(bob.messages()).extracting(Shown::text).containsExactly(edited, answer);

        // alice deletes it: gone at both, the reply says what it answered was deleted
        alice.act(id, "delete");
        for (ChatPage p : List.of(alice, bob)) {
            assertThat(p.message(id)).hasClass(Pattern.compile("\\bdeleted\\b"));
            assertThat(p.message(id).locator(".text")).hasText("This message was deleted.");
            assertThat(p.message(id).locator(".reactions")).hasCount(0);
            assertThat(p.message(replyId).locator(".quote .quote-text")).hasText("deleted message");
            assertThat(p.page().locator("#messages")).not().containsText(edited);
        }
        alice.screenshot("6-alice-after-delete");
    }

    /**
     * Read state across the tabs of one user: alice's second tab signs in with her first tab's
     * guest token (the same user). Unread badges count bob's messages in both tabs; reading the
     * room in one tab clears the badge in the other, and bob sees "Seen by alice" (a receipt);
     * a tab that was disconnected while the other read comes back with nothing unread (the
     * server's cursor comes with its resumed room).
     */
    @Test
    @Order(7)
    void unreadBadgesAndReadStateMoveAcrossTheTabsOfOneUser() {
        String s = unique();
        String room = "unread-" + s;
        String aliceName = "alice-" + s;
        ChatPage first = open("/", "alice-1").connect(aliceName);
        ChatPage second = open("/", "alice-2").connectWithToken(first.guestToken(), aliceName);
        assertThat(second.user()).as("the same guest in both tabs").isEqualTo(first.user());
        ChatPage bob = open("/", "bob").connect("bob-" + s);
        for (ChatPage p : List.of(first, second, bob)) {
            p.joinRoom(room);
        }
        assertThat(bob.members()).hasCount(2);
        first.show("lobby");
        second.show("lobby");

        for (int i = 1; i <= 3; i++) {
            bob.send("unread #" + i + " " + s);
        }
        bob.awaitMessage("unread #3 " + s);
        for (ChatPage p : List.of(first, second)) {
            assertThat(p.badge(room)).isVisible();
            assertThat(p.badge(room)).hasText("3");
        }
        assertThat(bob.page().locator("#seen")).isEmpty();
        second.screenshot("7-second-tab-3-unread");

        // the first tab shows the room: read there, the second tab's badge clears, bob sees the receipt
        first.show(room);
        assertThat(first.badge(room)).isHidden();
        assertThat(second.badge(room)).isHidden();
        assertThat(bob.page().locator("#seen")).hasText("Seen by " + aliceName);
        bob.screenshot("7-bob-seen-by-alice");

        // the first tab goes back to the lobby: a new message is unread in both
        first.show("lobby");
        bob.send("one more " + s);
        for (ChatPage p : List.of(first, second)) {
            assertThat(p.badge(room)).hasText("1");
        }
        assertThat(bob.page().locator("#seen")).isEmpty();

        // the second tab disconnects; meanwhile bob writes and the first tab reads it all
        second.disconnect();
        bob.send("while the second tab was away " + s);
        assertThat(first.badge(room)).hasText("2");
        first.show(room);
        first.awaitMessage("while the second tab was away " + s);
        assertThat(first.badge(room)).isHidden();
        assertThat(bob.page().locator("#seen")).hasText("Seen by " + aliceName);

        // back, the second tab has the missed message and nothing unread
        second.connectWithToken(first.guestToken(), aliceName);
        assertThat(second.user()).isEqualTo(first.user());
        assertThat(second.page().locator("#conversation-title")).hasText("#lobby");
        second.page().waitForFunction("""
                ([room, text]) => [...window.chatApp.state.conversations.values()]
                  .some(c => c.kind === 'room' && c.name === room && c.messages.some(m => m.text === text))""",
                List.of(room, "while the second tab was away " + s),
                new Page.WaitForFunctionOptions().setTimeout(ChatPage.TIMEOUT_MS));
        // read in the other tab while this one was away
        assertThat(second.badge(room)).isHidden();
        second.screenshot("7-second-tab-back-nothing-unread");
    }

    /** Opens pages as {@code name} until one is connected to a gateway other than {@code node}; closes the others. */
    private ChatPage openAvoiding(String name, String node) {
        List<ChatPage> others = new ArrayList<>();
        try {
            for (int i = 0; i < MAX_ATTEMPTS; i++) {
                ChatPage p = ChatPage.open(browser, STACK.stack().httpBase(), "/", i == 0 ? "bob" : "bob-" + i, screenshots).connect(name);
                if (!node.equals(p.node())) {
                    pages.add(p);
                    return p;
                }
                others.add(p);
            }
        } finally {
            others.forEach(ChatPage::close);
        }
        throw new AssertionError("no page of " + name + " landed on a gateway other than " + node
                + " in " + MAX_ATTEMPTS + " attempts");
    }

    private ChatPage open(String path, String label) {
        return open(path, label, false);
    }

    private ChatPage open(String path, String label, boolean controlledClock) {
        ChatPage p = ChatPage.open(browser, STACK.stack().httpBase(), path, label, screenshots, controlledClock);
        pages.add(p);
        return p;
    }

    private static List<String> concat(String first, List<String> middle, String... last) {
        List<String> all = new ArrayList<>();
        all.add(first);
        all.addAll(middle);
        all.addAll(List.of(last));
        return all;
    }

    private static String unique() {
        return UUID.randomUUID().toString().substring(0, 8);
    }
}
