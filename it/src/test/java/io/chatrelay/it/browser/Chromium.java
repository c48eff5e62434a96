package io.chatrelay.it.browser;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserType;
import com.microsoft.playwright.Playwright;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Map;

/**
 * Java Playwright driving the system's Chromium (Debian's {@code /usr/bin/chromium}, or system
 * property {@code chatrelay.chromium}). Playwright never downloads a browser here
 * ({@code PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1}), and Chromium is started with the switches that
 * keep it from calling home: only the pages' own traffic to 127.0.0.1 leaves it.
 */
public final class Chromium {

    /**
     * Switches that keep Chromium headless, offline (no updates, sync, field trials) and quiet.
     * Even so, Debian's build looks up Google's update, account and extension hosts at start:
     * {@code --host-resolver-rules} answers every name but the loopback with "not found" inside
     * Chromium, so not even a DNS query leaves it (the stack is reached as 127.0.0.1).
     */
    public static final List<String> ARGS = List.of(
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-domain-reliability",
            "--disable-client-side-phishing-detection",
            "--disable-breakpad",
            "--no-pings",
            "--dns-prefetch-disable",
            "--disable-dev-shm-usage",
            "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1 , EXCLUDE localhost");

    private static final String SKIP_DOWNLOAD = "PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD";

    private Chromium() {
    }

    /** The Chromium binary: system property {@code chatrelay.chromium}, default {@code /usr/bin/chromium}. */
    public static Path executable() {
        String prop = System.getProperty("chatrelay.chromium");
        return Paths.get(prop == null || prop.isBlank() ? "/usr/bin/chromium" : prop);
    }

    /** Fails with a clear message when the Chromium binary is missing (before any stack is started). */
    public static void requireInstalled() {
        Path exe = executable();
        if (!Files.isExecutable(exe)) {
            throw new IllegalStateException("the browser tests need Chromium at " + exe
                    + " (Debian: apt-get install chromium; .ci/run installs it), or -Dchatrelay.chromium=<path>");
        }
    }

    /** Starts the Playwright driver (from its Maven jar) with browser downloads switched off. */
    public static Playwright playwright() {
        return Playwright.create(new Playwright.CreateOptions().setEnv(Map.of(SKIP_DOWNLOAD, "1")));
    }

    /** Launches the system's Chromium, headless, with a fresh temporary profile. */
    public static Browser launch(Playwright playwright) {
        requireInstalled();
        return playwright.chromium().launch(new BrowserType.LaunchOptions()
                .setExecutablePath(executable())
                .setHeadless(true)
                .setChromiumSandbox(false)
                .setArgs(ARGS)
                .setTimeout(60_000));
    }
}
