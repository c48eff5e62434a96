package io.chatrelay.it;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;
import com.microsoft.playwright.Response;
import com.microsoft.playwright.assertions.PlaywrightAssertions;
import io.chatrelay.it.browser.Chromium;
import io.chatrelay.testkit.ChatClient;
import io.chatrelay.testkit.Frames;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.URI;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;
import java.util.regex.Pattern;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The admin page in a real browser (headless Chromium driven by Playwright, as in
 * {@link BrowserIT}), loaded from the compose stack's admin frontend ({@code 127.0.0.1}, HAProxy
 * to the gateways' admin listeners) with the API key the stack's {@code secrets} service made:
 * it shows the three gateways and live numbers, and its kick and ban buttons act on a test
 * client connected through the public load balancer (closed with 4403; refused when it joins
 * again). The page runs under its own Content-Security-Policy without a violation.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class AdminPageIT {
    private static final Logger LOG = Logger.getLogger(AdminPageIT.class.getName());
    private static final double TIMEOUT_MS = 20_000;

    @RegisterExtension
    static final ComposeStackExtension STACK = ComposeStackExtension.of().requiring(Chromium::requireInstalled);
    private static Playwright playwright;
    private static Browser browser;

    @BeforeAll
    static void start() {
        PlaywrightAssertions.setDefaultAssertionTimeout(TIMEOUT_MS);
        playwright = Chromium.playwright();
        browser = Chromium.launch(playwright);
    }

    @AfterAll
    static void stop() {
        if (browser != null) {
            browser.close();
        }
        if (playwright != null) {
            playwright.close();
        }
    }

    @Test
    void showsTheGatewaysAndLiveNumbersAndKicksAndBansAConnectedClient() throws Exception {
        String room = "watched-" + UUID.randomUUID().toString().substring(0, 8);
        ChatClient kicked = STACK.track(ChatClient.connectToLobby(STACK.stack().wsBase(), "kickme"));
        ChatClient banned = STACK.track(ChatClient.connectToLobby(STACK.stack().wsBase(), "banme"));
        kicked.join(room);
        banned.join(room);

        List<String> pageErrors = Collections.synchronizedList(new ArrayList<>());
        List<String> cspViolations = Collections.synchronizedList(new ArrayList<>());
        List<String> foreign = Collections.synchronizedList(new ArrayList<>());
        URI admin = STACK.stack().adminBase();
        try (BrowserContext context = browser.newContext(new Browser.NewContextOptions().setViewportSize(1280, 900))) {
            context.setDefaultTimeout(TIMEOUT_MS);
            context.route(url -> !url.startsWith(admin.toString()), route -> {
                foreign.add(route.request().url());
                route.abort();
            });
            Page page = context.newPage();
            page.onPageError(pageErrors::add);
            page.onConsoleMessage(msg -> {
                LOG.info(() -> "admin page console " + msg.type() + ": " + msg.text());
                if (msg.text().contains("Content Security Policy")) {
                    cspViolations.add(msg.text());
                }
            });
            Response response = page.navigate(admin.resolve("/admin/").toString());
            assertThat(response.status()).isEqualTo(200);
            assertThat(response.headers().get("content-security-policy")).contains("default-src 'self'");

            page.locator("#api-key").fill(STACK.stack().apiKey());
            page.locator("#key-form button[type=submit]").click();
            assertThat(page.locator("#dashboard")).isVisible();

            // the gateways, each with its numbers, and the totals moving with the connections
            assertThat(page.locator("#nodes tbody tr")).hasCount(ComposeStack.GATEWAYS);
            assertThat(page.locator("#t-nodes")).hasText(String.valueOf(ComposeStack.GATEWAYS));
            for (String node : STACK.stack().healthyGateways()) {
                assertThat(page.locator("#nodes tbody tr[data-node='" + node + "']")).hasCount(1);
            }
            // every gateway reports its numbers every 2 s: the two clients show up within a few
            await("the page counts the two clients").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500))
                    .until(() -> connections(page) >= 2);
            int before = connections(page);
            List<ChatClient> more = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                more.add(STACK.track(ChatClient.connectToLobby(STACK.stack().wsBase(), "extra" + i)));
            }
            await("the page counts the new connections").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500))
                    .until(() -> connections(page) >= before + 3);
            String updated = page.locator("#status").textContent();
            assertThat(page.locator("#status")).not().hasText(updated);
            assertThat(page.locator("#status")).hasText(Pattern.compile("^updated "));
            more.forEach(ChatClient::close);

            // the room and its members, then kick one and ban the other
            Locator roomRow = page.locator("#rooms tbody tr[data-room='" + room + "']");
            assertThat(roomRow).hasCount(1);
            roomRow.getByRole(com.microsoft.playwright.options.AriaRole.BUTTON,
                    new Locator.GetByRoleOptions().setName("inspect")).click();
            assertThat(page.locator("#room-name")).hasText(room);
            Locator kickRow = page.locator("#members tbody tr[data-user='" + kicked.user() + "']");
            Locator banRow = page.locator("#members tbody tr[data-user='" + banned.user() + "']");
            assertThat(kickRow).hasCount(1);
            assertThat(banRow).hasCount(1);
            page.locator("#reason").fill("test of the admin page");

            kickRow.locator("button", new Locator.LocatorOptions().setHasText("kick")).click();
            assertThat(page.locator("#message")).hasText("kicked " + kicked.user());
            assertThat(kicked.awaitClose(Duration.ofSeconds(15))).as("close code of the kicked client").isEqualTo(4403);

            banRow.locator("button", new Locator.LocatorOptions().setHasText("ban")).click();
            assertThat(page.locator("#message")).hasText("banned " + banned.user());
            assertThat(page.locator("#bans li")).containsText(banned.user());
            banned.next(Frames.left(room), Duration.ofSeconds(15));
            banned.send(Frames.join(room).put("ref", "again"));
            assertThat(banned.next(Frames.error("forbidden", "again")).path("message").asText()).isNotBlank();
            page.screenshot(new Page.ScreenshotOptions().setPath(screenshots().resolve("admin-page.png")).setFullPage(true));
        }
        assertThat(pageErrors).as("script errors on the admin page").isEmpty();
        assertThat(cspViolations).as("Content-Security-Policy violations on the admin page").isEmpty();
        assertThat(foreign).as("requests beyond the admin frontend").isEmpty();
    }

    /** The page's total of connections. */
    private static int connections(Page page) {
        String text = page.locator("#t-connections").textContent().strip();
        return text.matches("\\d+") ? Integer.parseInt(text) : -1;
    }

    private static Path screenshots() {
        String dir = System.getProperty("chatrelay.screenshots");
        return dir == null || dir.isBlank() ? Paths.get("target", "screenshots") : Paths.get(dir);
    }
}
