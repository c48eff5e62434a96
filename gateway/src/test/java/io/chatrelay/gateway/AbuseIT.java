package io.chatrelay.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.chatrelay.gateway.support.TestGateways;
import io.chatrelay.testkit.ChatClient;
import io.chatrelay.testkit.Frames;
import io.chatrelay.testkit.RawWsClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Abuse a single connection or address can attempt against one gateway, each answered by a bound
 * (docs/security.md): a ping flood from a client that reads nothing, a fragmented message left
 * incomplete while pings keep the connection alive, and the connection caps per client address
 * (behind a trusted proxy, whose X-Forwarded-For names the client) and per user, taken
 * atomically by concurrent handshakes. Redis running out of memory is {@link StorageFullIT}.
 *
 * <p>{@code gw-abuse}: the default rate limit (20 frames/s, bursts of 40), a heartbeat that
 * would not close anything during a test (so what closes a connection is the bound under test),
 * at most 3 connections per client address and per user, 127.0.0.1 as the trusted proxy (the
 * tests play the load balancer by sending X-Forwarded-For). {@code gw-abuse-direct}: the same
 * caps, no trusted proxy.
 */
class AbuseIT {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final String SECRET = "abuse-it-jwt-secret-0123456789abcdef-0123456789";
    private static final int CAP = 3;
    private static Gateway behindProxy;
    private static Gateway direct;

    @BeforeAll
    static void start() {
        Map<String, String> caps = Map.of("CHAT_MAX_CONNECTIONS_PER_ADDRESS", String.valueOf(CAP),
                "CHAT_MAX_CONNECTIONS_PER_USER", String.valueOf(CAP), "CHAT_AUTH_JWT_SECRET", SECRET,
                "CHAT_HEARTBEAT_INTERVAL", "PT0.5S", "CHAT_HEARTBEAT_TIMEOUT", "PT60S");
        Map<String, String> proxied = new java.util.HashMap<>(caps);
        proxied.put("CHAT_TRUSTED_PROXIES", "127.0.0.1");
        behindProxy = TestGateways.start("gw-abuse", proxied);
        direct = TestGateways.start("gw-abuse-direct", caps);
    }

    @AfterAll
    static void stop() {
        behindProxy.close();
        direct.close();
    }

    // ---- control frames ------------------------------------------------------------------------

    /**
     * Finding 5 of issue 11: pings are frames for the rate limit, so a client that floods pings
     * (and reads none of the pongs) is closed with 1008 like any flood, and its connection is
     * gone from the gateway within the close timeout; before, every ping was answered and
     * refreshed the heartbeat, and the unread pongs piled up without bound.
     */
    @Test
    void aClientThatFloodsPingsAndReadsNothingIsClosedAndItsConnectionFreed() throws Exception {
        await().atMost(WAIT).until(() -> behindProxy.core().sessions().count() == 0);
        double floods = TestGateways.metric(behindProxy.adminPort(), "chat_flood_closes_total", "gw-abuse");
        byte[] payload = "p".repeat(125).getBytes(StandardCharsets.UTF_8);
        // a small receive buffer: the pongs the gateway writes are never read
        try (RawWsClient flooder = RawWsClient.connect(behindProxy.port(), "/ws?name=flooder", 4096)) {
            assertThat(flooder.status()).isEqualTo(101);
            int sent = 0;
            try {
                for (; sent < 5000; sent++) {
                    flooder.send(RawWsClient.PING, payload, true);
                }
            } catch (IOException e) {
                // the gateway cut the connection while we were still flooding
            }
            assertThat(sent).as("pings written before the gateway stopped taking them").isGreaterThan(81);
            await("the flooding connection is gone from the gateway").atMost(Duration.ofSeconds(15))
                    .until(() -> behindProxy.core().sessions().count() == 0 && connections(behindProxy) == 0);
            assertThat(TestGateways.metric(behindProxy.adminPort(), "chat_flood_closes_total", "gw-abuse"))
                    .as("closed as a flood").isEqualTo(floods + 1);
            RawWsClient.Frame close = flooder.readUntil(RawWsClient.CLOSE, WAIT);
            if (close != null) {
                assertThat(close.closeCode()).isEqualTo(1008);
            }
        }
    }

    /**
     * Finding 8 of issue 11: a fragmented message must be completed within 10 s; pings (which keep
     * the connection from the heartbeat timeout) do not extend that, so a client cannot hold a
     * half-sent message (up to CHAT_MAX_FRAME of buffer) forever.
     */
    @Test
    void aFragmentedMessageLeftIncompleteIsClosedWith1008EvenWhilePingsKeepTheConnectionAlive() throws Exception {
        try (RawWsClient slow = RawWsClient.connect(behindProxy.port(), "/ws?name=halfway")) {
            slow.readTextContaining("\"joined\"", WAIT);
            long start = System.nanoTime();
            slow.send(RawWsClient.TEXT, ("{\"type\":\"send\",\"room\":\"lobby\",\"text\":\"" + "x".repeat(30_000))
                    .getBytes(StandardCharsets.UTF_8), false);
            RawWsClient.Frame close = null;
            // a ping every 500 ms (within the rate limit), reading what comes, for at most 20 s
            while (close == null && System.nanoTime() - start < Duration.ofSeconds(20).toNanos()) {
                slow.send(RawWsClient.PING, new byte[] {1}, true);
                RawWsClient.Frame f = slow.read(Duration.ofMillis(500));
                if (f != null && f.opcode() == RawWsClient.CLOSE) {
                    close = f;
                }
            }
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            assertThat(close).as("closed within 20 s").isNotNull();
            assertThat(close.closeCode()).isEqualTo(1008);
            assertThat(close.text()).contains("incomplete message");
            assertThat(took).as("not before the fragment timeout").isGreaterThanOrEqualTo(Duration.ofSeconds(10));
        }
    }

    // ---- connection caps -----------------------------------------------------------------------

    /**
     * Behind a trusted proxy, the address the proxy appended to X-Forwarded-For is the client's:
     * at most {@link #CAP} connections from it (the next one is closed with 4429, whatever the
     * client wrote in front of the proxy's value); another address has its own count, and a
     * connection that closes gives its slot back.
     */
    @Test
    void connectionsPerClientAddressAreCappedOnTheAddressTheTrustedProxyNames() {
        String address = "203.0.113." + (10 + (int) (Math.random() * 200));
        List<ChatClient> held = new ArrayList<>();
        try {
            for (int i = 0; i < CAP; i++) {
                held.add(admitted(connect(behindProxy, "a" + i, address)));
            }
            // the client's own X-Forwarded-For is ignored: the proxy's value, the last, counts
            assertThat(refusedWith4429(connect(behindProxy, "spoof", "198.51.100.1, " + address))).isTrue();
            assertThat(refusedWith4429(connect(behindProxy, "again", address))).isTrue();
            ChatClient other = admitted(connect(behindProxy, "other", "198.51.100.2"));
            other.close();

            held.removeFirst().close();
            await("a closed connection gives its slot back").atMost(WAIT).ignoreExceptions()
                    .until(() -> {
                        ChatClient c = connect(behindProxy, "back", address);
                        if (refusedWith4429(c)) {
                            return false;
                        }
                        held.add(admitted(c));
                        return true;
                    });
        } finally {
            held.forEach(ChatClient::close);
        }
    }

    /**
     * Without a trusted proxy, X-Forwarded-For is the client's own word and ignored: connections
     * that each claim another address all count against the socket's address.
     */
    @Test
    void withoutATrustedProxyXForwardedForIsIgnored() {
        List<ChatClient> held = new ArrayList<>();
        try {
            for (int i = 0; i < CAP; i++) {
                held.add(admitted(connect(direct, "d" + i, "192.0.2." + (i + 1))));
            }
            assertThat(refusedWith4429(connect(direct, "d-extra", "192.0.2.99"))).isTrue();
        } finally {
            held.forEach(ChatClient::close);
        }
    }

    /**
     * The caps are taken atomically: 24 handshakes from one address at the same instant admit
     * exactly {@link #CAP}; 24 connections of one user at the same instant, from different
     * addresses, admit exactly {@link #CAP} as well.
     */
    @Test
    void concurrentHandshakesNeverExceedTheCaps() throws Exception {
        String address = "203.0.113.250";
        String user = "many-" + UUID.randomUUID().toString().substring(0, 8);
        String token = jwt(user);
        assertThat(race(i -> connect(behindProxy, "race" + i, address))).as("admitted from one address").isEqualTo(CAP);
        await().atMost(WAIT).until(() -> behindProxy.core().sessions().count() == 0);
        assertThat(race(i -> ChatClient.to(URI.create("ws://127.0.0.1:" + behindProxy.port() + "/ws?token=" + token))
                .header("X-Forwarded-For", "198.51.100." + (i + 1)).awaitWelcome(false).connect()))
                .as("admitted of one user").isEqualTo(CAP);
    }

    // ---- helpers -------------------------------------------------------------------------------

    @FunctionalInterface
    private interface Connect {
        ChatClient open(int i) throws Exception;
    }

    /** Opens 24 connections at once; returns how many were welcomed (the others must get 4429). */
    private static int race(Connect connect) throws Exception {
        int n = 24;
        List<ChatClient> clients = Collections.synchronizedList(new ArrayList<>());
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
            List<Future<ChatClient>> opened = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                int k = i;
                opened.add(pool.submit((Callable<ChatClient>) () -> {
                    go.await();
                    return connect.open(k);
                }));
            }
            go.countDown();
            for (Future<ChatClient> f : opened) {
                clients.add(f.get());
            }
            int welcomed = 0;
            for (ChatClient c : clients) {
                if (refusedWith4429(c)) {
                    continue;
                }
                admitted(c);
                welcomed++;
            }
            return welcomed;
        } finally {
            clients.forEach(ChatClient::close);
        }
    }

    private static ChatClient connect(Gateway gateway, String name, String forwardedFor) {
        return ChatClient.to(ChatClient.local(gateway.port(), name)).header("X-Forwarded-For", forwardedFor)
                .awaitWelcome(false).connect();
    }

    /** The connection was welcomed (and stays open). */
    private static ChatClient admitted(ChatClient c) {
        assertThat(c.next(Frames.ofType("welcome"))).isNotNull();
        assertThat(c.isOpen()).isTrue();
        return c;
    }

    /** Whether the connection ends with 4429 and no welcome; false once a welcome came. */
    private static boolean refusedWith4429(ChatClient c) {
        await().atMost(WAIT).until(() -> !c.seen(Frames.ofType("welcome")).isEmpty() || c.closed().isDone());
        if (!c.seen(Frames.ofType("welcome")).isEmpty()) {
            return false;
        }
        assertThat(c.awaitClose(WAIT)).as("close code of a connection over the cap").isEqualTo(4429);
        c.close();
        return true;
    }

    private static int connections(Gateway gateway) throws Exception {
        return (int) TestGateways.metric(gateway.adminPort(), "chat_connections", gateway.core().settings().nodeId());
    }

    private static String jwt(String sub) {
        try {
            SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), new JWTClaimsSet.Builder().subject(sub)
                    .expirationTime(Date.from(Instant.now().plusSeconds(3600))).build());
            jwt.sign(new MACSigner(SECRET.getBytes(StandardCharsets.UTF_8)));
            return jwt.serialize();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }
}
