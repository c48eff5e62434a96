package io.chatrelay.it.browser;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.PlaywrightException;
import com.microsoft.playwright.assertions.LocatorAssertions;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Logger;
import java.util.regex.Pattern;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;

/**
 * One user of the chat page in its own browser context (its own cookies, storage and WebSocket),
 * driven through the page's documented test hooks ({@code client/README.md}). Every wait is
 * bounded: Playwright's actions and assertions time out.
 */
public final class ChatPage implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(ChatPage.class.getName());

    /** How long an ordinary UI expectation may take (a page load, a connect, a message to arrive). */
    public static final double TIMEOUT_MS = 20_000;

    /**
     * One {@code li.message} as the page shows it: {@code from} is the author's display name as
     * shown ({@code .from}), {@code fromId} its user id ({@code data-from}).
     */
    public record Shown(String id, String from, String fromId, String text, boolean own) {
    }

    private final String label;
    private final URI base;
    private final Path screenshots;
    private final BrowserContext context;
    private final Page page;
    private final List<String> pageErrors = Collections.synchronizedList(new ArrayList<>());
    private final List<String> foreignRequests = Collections.synchronizedList(new ArrayList<>());
    private final List<String> requestedPaths = Collections.synchronizedList(new ArrayList<>());
    private final AtomicBoolean networkChanged = new AtomicBoolean();

    private ChatPage(Browser browser, URI base, String label, Path screenshots) {
        this.label = label;
        this.base = base;
        this.screenshots = screenshots;
        this.context = browser.newContext(new Browser.NewContextOptions().setViewportSize(1100, 720));
        context.setDefaultTimeout(TIMEOUT_MS);
        context.setDefaultNavigationTimeout(30_000);
        // Only the stack under test may be reached: anything else is recorded and refused.
        context.route(url -> !isStack(url), route -> {
            foreignRequests.add(route.request().url());
            route.abort();
        });
        context.onRequestFailed(request -> {
            if (String.valueOf(request.failure()).contains("ERR_NETWORK_CHANGED")) {
                networkChanged.set(true);
            }
        });
        context.onRequest(request -> {
            if (isStack(request.url())) {
                requestedPaths.add(URI.create(request.url()).getPath());
            }
        });
        this.page = context.newPage();
        page.onPageError(error -> {
            pageErrors.add(error);
            LOG.warning(() -> label + ": page error: " + error);
        });
        page.onConsoleMessage(msg -> LOG.info(() -> label + ": console " + msg.type() + ": " + msg.text()));
        page.onWebSocket(ws -> {
            if (!isStack(ws.url())) {
                foreignRequests.add(ws.url());
            }
        });
    }

    /** A new browser context with one page showing {@code base.resolve(path)}. */
    public static ChatPage open(Browser browser, URI base, String path, String label, Path screenshots) {
        return open(browser, base, path, label, screenshots, false);
    }

    /**
     * A new browser context with one page showing {@code base.resolve(path)}; with
     * {@code controlledClock}, the page's timers run on Playwright's clock (in real time until
     * {@link #holdTimers()}).
     */
    public static ChatPage open(Browser browser, URI base, String path, String label, Path screenshots,
                                boolean controlledClock) {
        ChatPage p = new ChatPage(browser, base, label, screenshots);
        if (controlledClock) {
            p.page.clock().install();
        }
        String url = base.resolve(path).toString();
        p.load(() -> p.page.navigate(url));
        return p;
    }

    /**
     * Loads the page ({@code navigation}) and waits until its module has run
     * ({@code window.chatApp} exists). Chromium aborts the requests in flight with
     * {@code net::ERR_NETWORK_CHANGED} when the host's network interfaces change, which Docker
     * does whenever a network is created or removed (another compose project starting or
     * stopping on the same host): a load that failed so is tried again, at most twice.
     */
    private void load(Runnable navigation) {
        for (int attempt = 1; ; attempt++) {
            networkChanged.set(false);
            try {
                navigation.run();
                assertThat(page.locator("#connect")).isVisible();
                page.waitForFunction("() => window.chatApp !== undefined", null,
                        new Page.WaitForFunctionOptions().setTimeout(TIMEOUT_MS));
                return;
            } catch (PlaywrightException | AssertionError e) {
                if (attempt >= 3 || !networkChanged.get()) {
                    throw e;
                }
                LOG.warning(() -> label + ": the page's requests failed with ERR_NETWORK_CHANGED; loading it again");
            }
        }
    }

    public String label() {
        return label;
    }

    public Page page() {
        return page;
    }

    public Locator status() {
        return page.locator("#status");
    }

    public Locator typing() {
        return page.locator("#typing");
    }

    public Locator members() {
        return page.locator("#members li[data-user]");
    }

    /** The member item of a user, by id ({@code data-user}); it shows the user's display name. */
    public Locator member(String user) {
        return page.locator("#members li[data-user=\"" + user + "\"]");
    }

    /** The direct conversation item of a peer, by id ({@code data-dm}). */
    public Locator dm(String user) {
        return page.locator("#dms li[data-dm=\"" + user + "\"]");
    }

    /**
     * Types the name into {@code #name}, presses Connect and waits for the banner to say connected,
     * as that display name, with a guest id of its own ({@code #status[data-user]}).
     */
    public ChatPage connect(String name) {
        page.locator("#name").fill(name);
        page.locator("#connect").click();
        awaitConnected(TIMEOUT_MS);
        assertThat(status()).hasText("Connected to node " + node() + " as " + name);
        assertThat(status()).hasAttribute("data-user", Pattern.compile("^guest:[a-z2-9]{12}$"));
        return this;
    }

    public void awaitConnected(double timeoutMs) {
        assertThat(status()).hasAttribute("data-state", "connected", new LocatorAssertions.HasAttributeOptions().setTimeout(timeoutMs));
        assertThat(status()).not().hasAttribute("data-node", "");
    }

    /** The gateway this page is connected to ({@code #status[data-node]}). */
    public String node() {
        return status().getAttribute("data-node");
    }

    /** The user id the server gave this page ({@code #status[data-user]}): a guest's is {@code guest:…}. */
    public String user() {
        return status().getAttribute("data-user");
    }

    /**
     * Signs in with a token in the login form's token field (a guest token of another tab: the
     * same guest) and waits for the banner to say connected as {@code name}.
     */
    public ChatPage connectWithToken(String token, String name) {
        Locator details = page.locator("#login details");
        if (!Boolean.TRUE.equals(details.evaluate("d => d.open"))) {
            page.locator("#login details summary").click();
        }
        page.locator("#token").fill(token);
        page.locator("#connect").click();
        awaitConnected(TIMEOUT_MS);
        assertThat(status()).hasText("Connected to node " + node() + " as " + name);
        return this;
    }

    /** The guest token the page keeps (the SDK's {@code client.guestToken}): signs another tab in as the same guest. */
    public String guestToken() {
        Object token = page.evaluate("() => window.chatApp.client.guestToken");
        if (!(token instanceof String s) || s.isEmpty()) {
            throw new AssertionError(label + " has no guest token");
        }
        return s;
    }

    /** Presses Disconnect and waits for the login form. */
    public ChatPage disconnect() {
        page.locator("#disconnect").click();
        assertThat(page.locator("#login")).isVisible();
        assertThat(status()).hasAttribute("data-state", "closed");
        return this;
    }

    /** The item of a room in the conversation list. */
    public Locator room(String room) {
        return page.locator("#rooms li[data-room=\"" + room + "\"]");
    }

    /** The unread badge of a room (hidden when nothing is unread). */
    public Locator badge(String room) {
        return room(room).locator(".unread");
    }

    /** Shows a room the page is in (a click on its item) and waits for its title. */
    public ChatPage show(String room) {
        room(room).locator(".select").click();
        assertThat(page.locator("#conversation-title")).hasText("#" + room);
        return this;
    }

    /** The {@code li.message} of a message id in the shown conversation. */
    public Locator message(String id) {
        return page.locator("#messages li.message[data-id=\"" + id + "\"]");
    }

    /** Clicks an action of a message ({@code reply}, {@code edit}, {@code delete}, {@code react-toggle}), hovering it first. */
    public ChatPage act(String id, String action) {
        Locator li = message(id);
        li.hover();
        li.locator(".actions ." + action).click();
        return this;
    }

    /** Adds a reaction through the message's palette (☺, then the emoji). */
    public ChatPage react(String id, String emoji) {
        act(id, "react-toggle");
        message(id).locator(".palette .pick[data-emoji=\"" + emoji + "\"]").click();
        return this;
    }

    /** The reaction button of an emoji under a message (absent while nobody has it). */
    public Locator reaction(String id, String emoji) {
        return message(id).locator(".reactions button.reaction[data-emoji=\"" + emoji + "\"]");
    }

    /** Loads the page again in the same tab (its sessionStorage stays) and waits for the module. */
    public ChatPage reload() {
        load(page::reload);
        return this;
    }

    /** Joins (or creates) a room through the room field and waits until the server confirmed it. */
    public ChatPage joinRoom(String room) {
        page.locator("#room-name").fill(room);
        page.locator("#join-room").click();
        Locator item = page.locator("#rooms li[data-room=\"" + room + "\"]");
        assertThat(item).isVisible();
        assertThat(item).not().hasClass(Pattern.compile("\\bpending\\b"));
        assertThat(item).hasClass(Pattern.compile("\\bactive\\b"));
        assertThat(page.locator("#conversation-title")).hasText("#" + room);
        return this;
    }

    /** Types text into the composer key by key (input events: the page sends typing frames). */
    public ChatPage typeSlowly(String text) {
        page.locator("#message").pressSequentially(text, new Locator.PressSequentiallyOptions().setDelay(40));
        return this;
    }

    /** Puts text into the composer (if not typed already) and presses Send. */
    public ChatPage send(String text) {
        Locator box = page.locator("#message");
        if (!text.equals(box.inputValue())) {
            box.fill(text);
        }
        page.locator("#send").click();
        assertThat(box).hasValue("");
        return this;
    }

    /** The messages of the shown conversation, in page order. */
    @SuppressWarnings("unchecked")
    public List<Shown> messages() {
        List<Map<String, Object>> rows = (List<Map<String, Object>>) page.evaluate("""
                () => Array.from(document.querySelectorAll('#messages li.message')).map(li => ({
                  id: li.dataset.id ?? null,
                  from: li.querySelector('.from')?.textContent ?? null,
                  fromId: li.dataset.from ?? null,
                  text: li.querySelector('.text')?.textContent ?? null,
                  own: li.classList.contains('own'),
                }))""");
        return rows.stream()
                .map(r -> new Shown((String) r.get("id"), (String) r.get("from"), (String) r.get("fromId"), (String) r.get("text"),
                        Boolean.TRUE.equals(r.get("own"))))
                .toList();
    }

    /** The shown messages whose {@code .text} is exactly {@code text}. */
    public List<Shown> messagesWithText(String text) {
        return messages().stream().filter(m -> text.equals(m.text())).toList();
    }

    /** Waits (bounded) until a message with exactly this text is shown, and returns it. */
    public Shown awaitMessage(String text) {
        page.waitForFunction("""
                t => Array.from(document.querySelectorAll('#messages li.message .text')).some(e => e.textContent === t)""",
                text, new Page.WaitForFunctionOptions().setTimeout(TIMEOUT_MS));
        return messagesWithText(text).getFirst();
    }

    /**
     * Records every change of the status banner ({@code data-state}, {@code data-node}, text)
     * in {@code window.__statusLog}, so that a short state is not missed between two polls.
     */
    public void recordStatus() {
        page.evaluate("""
                () => {
                  const s = document.getElementById('status');
                  window.__statusLog = [];
                  const rec = () => {
                    const e = {state: s.dataset.state, node: s.dataset.node, text: s.textContent, at: Date.now()};
                    const last = window.__statusLog[window.__statusLog.length - 1];
                    if (!last || last.state !== e.state || last.node !== e.node || last.text !== e.text) window.__statusLog.push(e);
                  };
                  new MutationObserver(rec).observe(s, {attributes: true, childList: true, characterData: true, subtree: true});
                  rec();
                }""");
    }

    /** The banner changes recorded since {@link #recordStatus()}: maps with state, node, text, at. */
    @SuppressWarnings("unchecked")
    public List<Map<String, Object>> statusLog() {
        return (List<Map<String, Object>>) page.evaluate("() => window.__statusLog ?? []");
    }

    /** Waits (bounded) until the recorded banner log has an entry in {@code state}. */
    public void awaitRecordedState(String state, double timeoutMs) {
        page.waitForFunction("s => (window.__statusLog ?? []).some(e => e.state === s)", state,
                new Page.WaitForFunctionOptions().setTimeout(timeoutMs));
    }

    /**
     * Stops the page's clock: no timer of the page fires (the transport's reconnect backoff
     * included) until {@link #releaseTimers()}. Needs {@code controlledClock}. Events (a socket
     * closing, a frame arriving) are still handled.
     */
    public void holdTimers() {
        double now = ((Number) page.evaluate("() => Date.now()")).doubleValue();
        page.clock().pauseAt((long) now + 10);
    }

    /** Lets the page's clock run in real time again: timers that fell due fire now. */
    public void releaseTimers() {
        page.clock().resume();
    }

    /** Saves a screenshot of the whole page as {@code <screenshots>/<name>.png}. */
    public Path screenshot(String name) {
        Path file = screenshots.resolve(name + ".png");
        try {
            Files.createDirectories(screenshots);
        } catch (IOException e) {
            throw new IllegalStateException("cannot create " + screenshots, e);
        }
        page.screenshot(new Page.ScreenshotOptions().setPath(file).setFullPage(true));
        LOG.info(() -> label + ": screenshot " + file);
        return file;
    }

    /** Uncaught exceptions of the page's scripts. */
    public List<String> pageErrors() {
        return List.copyOf(pageErrors);
    }

    /** The paths of every request the page made to the stack (the page, its assets, anything its content loaded). */
    public List<String> requestedPaths() {
        return List.copyOf(requestedPaths);
    }

    /** Requests or WebSockets the page tried to open to anything but the stack under test (refused). */
    public List<String> foreignRequests() {
        return List.copyOf(foreignRequests);
    }

    private boolean isStack(String url) {
        URI u;
        try {
            u = URI.create(url);
        } catch (IllegalArgumentException e) {
            return false;
        }
        String scheme = u.getScheme() == null ? "" : u.getScheme();
        if (scheme.equals("data") || scheme.equals("blob") || scheme.equals("about")) {
            return true;
        }
        return base.getHost().equals(u.getHost()) && base.getPort() == u.getPort();
    }

    @Override
    public void close() {
        try {
            context.close();
        } catch (RuntimeException e) {
            LOG.warning(label + ": closing the browser context failed: " + e);
        }
    }
}
