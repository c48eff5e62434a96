package io.chatrelay.it;

import com.github.dockerjava.api.command.InspectContainerResponse;
import com.microsoft.playwright.Browser;
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
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class BrowserIT {

    private static final Logger LOG = Logger.getLogger(BrowserIT.class.getName());

    /** Pages opened while looking for a connection on another gateway (HAProxy balances by least connections). */
    private static final int MAX_ATTEMPTS = 8;

    private static ComposeStack stack;
    private static Playwright playwright;
    private static Browser browser;
    private static Path screenshots;

    /** Every page a test opens; checked and closed after each test. */
    private final List<ChatPage> pages = new ArrayList<>();

    @BeforeAll
    @Timeout(value = 20, unit = TimeUnit.MINUTES)
    static void start() {
        // the browser first: no point in starting the stack when Chromium cannot run
        Chromium.requireInstalled();
        String dir = System.getProperty("chatrelay.screenshots");
        screenshots = dir == null || dir.isBlank() ? Paths.get("target", "screenshots") : Paths.get(dir);
        PlaywrightAssertions.setDefaultAssertionTimeout(ChatPage.TIMEOUT_MS);
        playwright = Chromium.playwright();
        browser = Chromium.launch(playwright);
        LOG.info(() -> "Chromium " + browser.version() + " from " + Chromium.executable());
        stack = new ComposeStack();
        stack.start();
    }

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
        } finally {
            if (stack != null) {
                stack.close();
            }
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

        // presence: each lists the other (and itself, marked), whichever gateway each one is on
        assertThat(alice.member(bobName)).isVisible();
        assertThat(bob.member(aliceName)).isVisible();
        assertThat(alice.members()).hasCount(2);
        assertThat(bob.members()).hasCount(2);
        assertThat(alice.member(aliceName)).hasClass(Pattern.compile("\\bself\\b"));
        assertThat(bob.member(aliceName)).not().hasClass(Pattern.compile("\\bself\\b"));
        assertThat(bob.member(aliceName).locator("button")).hasText(aliceName);

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
        assertThat(atBob.own()).isFalse();
        assertThat(atAlice.from()).isEqualTo(aliceName);
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
        assertThat(carol.member(name)).isVisible();
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
        ChatPage bob = openAvoiding(bobName, aliceNode);
        assertThat(bob.node()).isNotEqualTo(aliceNode);
        alice.joinRoom(room);
        bob.joinRoom(room);
        assertThat(alice.member(bobName)).isVisible();
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
        InspectContainerResponse dead = stack.gatewayOfNode(aliceNode);
        stack.kill(dead);
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
            await("alice shows the 5 missed messages").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250))
                    .untilAsserted(() -> assertThat(alice.messages()).extracting(Shown::text).containsAll(missed));
            List<Shown> shown = alice.messages();
            assertThat(shown).extracting(Shown::id).doesNotHaveDuplicates();
            assertThat(shown).extracting(Shown::text).containsExactlyElementsOf(concat(before, missed));
            assertThat(shown).allSatisfy(m -> assertThat(m.from()).isEqualTo(bobName));
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
            stack.startContainer(dead.getId());
            stack.awaitAllGatewaysUp(Duration.ofMinutes(2));
        }
    }

    /** Opens pages as {@code name} until one is connected to a gateway other than {@code node}; closes the others. */
    private ChatPage openAvoiding(String name, String node) {
        List<ChatPage> others = new ArrayList<>();
        try {
            for (int i = 0; i < MAX_ATTEMPTS; i++) {
                ChatPage p = ChatPage.open(browser, stack.httpBase(), "/", i == 0 ? "bob" : "bob-" + i, screenshots).connect(name);
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
        ChatPage p = ChatPage.open(browser, stack.httpBase(), path, label, screenshots, controlledClock);
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
