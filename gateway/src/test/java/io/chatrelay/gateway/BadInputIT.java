package io.chatrelay.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import io.chatrelay.gateway.support.TestGateways;
import io.chatrelay.testkit.ChatClient;
import io.chatrelay.testkit.RawWsClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static io.chatrelay.gateway.BadInputIT.On.AUTH;
import static io.chatrelay.gateway.BadInputIT.On.STRICT;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Bad input from one client ("mallory"): every case gets its documented answer (docs/protocol.md),
 * and nobody else notices. After each case a bystander pair connected before (alice and bob, in
 * one room, on each gateway) still exchange a message with its ack, {@code /observe/health/ready}
 * is still 200 on both gateways, and, when the documented answer keeps the connection open,
 * mallory's own connection still answers a ping with a pong.
 *
 * <p>Two gateways on the in-memory broker: {@code gw-bad} ({@link On#STRICT}) with every limit
 * at its default (frames 64 KiB, text 4096, 32 rooms, 20 frames/s with bursts of 40), and
 * {@code gw-bad-auth} ({@link On#AUTH}) with a JWT secret (guests stay on, so a token that is
 * present but bad must still be refused) and the rate limit raised, so that the room limit can be
 * shown on its own there. The table of cases is in docs/operations.md, "Bad input".
 */
class BadInputIT {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(WAIT).build();
    /** 64 bytes: a valid gateway secret, and long enough for an HS512 token. */
    private static final String SECRET = "bad-input-it-secret-0123456789abcdef-0123456789abcdef-0123456789";
    private static final String OTHER_SECRET = "not-the-gateway-secret-but-also-at-least-32-bytes-long";
    // the documented defaults, in force on gw-bad
    private static final int MAX_TEXT = 4096;
    private static final int MAX_FRAME = 65536;
    private static final int MAX_ROOMS = 32;
    private static final int RATE = 20;
    private static final int BURST = 40;
    private static final int JOINS = 2000;
    private static final int FLOOD = 300;
    private static final AtomicInteger SEQ = new AtomicInteger();

    /** Invalid UTF-8: a bare continuation byte, a truncated sequence, an overlong '/', an encoded surrogate, 0xFF. */
    private static final byte[] INVALID_UTF8_TEXT = concat(bytes("bad "),
            new byte[] {(byte) 0x80, ' ', (byte) 0xC3, ' ', (byte) 0xC0, (byte) 0xAF, ' ', (byte) 0xED, (byte) 0xA0, (byte) 0x80,
                    ' ', (byte) 0xFF}, bytes(" bytes"));
    private static final byte[] INVALID_UTF8_FRAME = concat(bytes("{\"type\":\"send\",\"room\":\"lobby\",\"text\":\""),
            INVALID_UTF8_TEXT, bytes("\",\"ref\":\"b8\"}"));

    /** The gateway a case runs against. */
    enum On {
        STRICT, AUTH
    }

    private static Gw strict;
    private static Gw auth;

    @BeforeAll
    static void start() throws Exception {
        strict = Gw.start("gw-bad", Map.of(), false);
        auth = Gw.start("gw-bad-auth", Map.of("CHAT_AUTH_JWT_SECRET", SECRET,
                "CHAT_RATE_PER_SECOND", "100000", "CHAT_RATE_BURST", "100000"), true);
    }

    @AfterAll
    static void stop() {
        for (Gw gw : new Gw[] {strict, auth}) {
            if (gw != null) {
                gw.close();
            }
        }
    }

    // ---- the cases ---------------------------------------------------------------------------

    static Stream<Case> cases() {
        String html = "<img src=x onerror=alert(1)>";
        String breakout = "\"},{\"type\":\"ack\",\"ref\":\"x\"}</script><script>alert(1)</script>\\";
        String nested100 = "{\"type\":\"send\",\"room\":\"lobby\",\"text\":\"x\",\"a\":" + "[".repeat(99) + "]".repeat(99) + "}";
        Instant hour = Instant.now().plusSeconds(3600);
        return Stream.of(
                // not JSON, or not an object; JSON that does not start with { or [ is plain text
                new Case("invalid JSON", STRICT, text("{\"type\":\"send\",\"room\":\"lobby\",\"text\":"), error("bad_json", null)),
                new Case("JSON array", STRICT, text("[{\"type\":\"ping\",\"ref\":\"a1\"}]"), error("bad_frame", null)),
                new Case("JSON number is plain text to lobby", STRICT, text("42"), plainTextToLobby("42")),
                new Case("JSON null is plain text to lobby", STRICT, text("null"), plainTextToLobby("null")),
                new Case("JSON string is plain text to lobby", STRICT, text("\"hi\""), plainTextToLobby("\"hi\"")),
                new Case("nested JSON, depth 100", STRICT, text(nested100), error("bad_json", null)),
                new Case("nested JSON, depth 30000", STRICT, text("[".repeat(30_000) + "]".repeat(30_000)), error("bad_json", null)),
                new Case("duplicate keys", STRICT, text("{\"type\":\"send\",\"room\":\"lobby\",\"text\":\"a\",\"text\":\"b\",\"ref\":\"d1\"}"),
                        error("bad_json", null)),
                // type
                new Case("unknown type", STRICT, text("{\"type\":\"dance\",\"ref\":\"u1\"}"), error("unknown_type", "u1")),
                new Case("missing type", STRICT, text("{\"room\":\"lobby\",\"text\":\"hi\",\"ref\":\"u2\"}"), error("unknown_type", "u2")),
                // fields of the wrong type
                new Case("room: 5", STRICT, text("{\"type\":\"join\",\"room\":5,\"ref\":\"t1\"}"), error("bad_frame", "t1")),
                new Case("text: {}", STRICT, text("{\"type\":\"send\",\"room\":\"lobby\",\"text\":{},\"ref\":\"t2\"}"), error("bad_frame", "t2")),
                new Case("ref: []", STRICT, text("{\"type\":\"ping\",\"ref\":[]}"), error("bad_frame", null)),
                // missing fields
                new Case("join without room", STRICT, text("{\"type\":\"join\",\"ref\":\"m1\"}"), error("bad_room", "m1")),
                new Case("send without text", STRICT, text("{\"type\":\"send\",\"room\":\"lobby\",\"ref\":\"m2\"}"), error("bad_text", "m2")),
                // oversized fields
                new Case("text over CHAT_MAX_TEXT", STRICT, text(send("lobby", "x".repeat(MAX_TEXT + 1), "o1")), error("text_too_long", "o1")),
                new Case("ref over 64 characters", STRICT, text("{\"type\":\"ping\",\"ref\":\"" + "r".repeat(65) + "\"}"),
                        error("bad_frame", null)),
                // room names
                new Case("room *", STRICT, text(join("*", "w1")), error("bad_room", "w1")),
                new Case("room with ?", STRICT, text(join("room?", "w2")), error("bad_room", "w2")),
                new Case("room with [", STRICT, text(join("room[1]", "w3")), error("bad_room", "w3")),
                new Case("room with control characters", STRICT, text(join("ro\u0007om\n", "w4")), error("bad_room", "w4")),
                new Case("room with a space", STRICT, text(join("a room", "w5")), error("bad_room", "w5")),
                new Case("room of 10 KB", STRICT, text(join("r".repeat(10_240), "w6")), error("bad_room", "w6")),
                new Case("room of 65 characters", STRICT, text(join("r".repeat(65), "w7")), error("bad_room", "w7")),
                // text content (the surrogates are JSON escapes: a lone surrogate cannot be encoded in UTF-8)
                new Case("lone high surrogate in text", STRICT, text(sendEscaped("a\\ud800b", "s1")), error("bad_text", "s1")),
                new Case("lone low surrogate in text", STRICT, text(sendEscaped("\\udc00", "s2")), error("bad_text", "s2")),
                new Case("HTML/script in text", STRICT, connected(sendInBystanderRoom(html)), storedAndDeliveredVerbatim(html)),
                new Case("JSON/script break-out in text", STRICT, connected(sendInBystanderRoom(breakout)),
                        storedAndDeliveredVerbatim(breakout)),
                // frames
                new Case("invalid UTF-8 in a text frame", STRICT, frame(RawWsClient.TEXT, INVALID_UTF8_FRAME), invalidUtf8Replaced()),
                new Case("binary frame", STRICT, frame(RawWsClient.BINARY, new byte[] {1, 2, 3}), error("binary_unsupported", null)),
                new Case("fragmented binary message", STRICT, connected(BadInputIT::fragmentedBinary), oneBinaryError()),
                new Case("frame over CHAT_MAX_FRAME", STRICT, connected(m -> m.sendQuietly(RawWsClient.TEXT,
                        bytes(send("lobby", "x".repeat(MAX_FRAME), null)), true)), closes(1009)),
                new Case("fragmented message over CHAT_MAX_FRAME", STRICT, connected(BadInputIT::fragmentsOverTheLimit), closes(1009)),
                new Case("continuation frame without a start", STRICT, frame(RawWsClient.CONTINUATION, bytes("{}")), closes(1002)),
                new Case("reserved opcode 3", STRICT, gw -> new TcpTail(afterFrame(gw.port(), 3, bytes("{}"))), http500InTheStream()),
                // volume
                new Case("2000 joins at the default rate limit", STRICT, connected(BadInputIT::joinBomb), joinBombAtDefaultLimits()),
                new Case("2000 joins within the rate limit", AUTH, connected(BadInputIT::joinBomb), joinBombWithinRate()),
                new Case("flood of 300 sends", STRICT, connected(BadInputIT::flood), floodAnswer()),
                // handshake
                new Case("bad Origin", STRICT, handshake("/ws?name=mallory", "Origin", "http://evil.example"), http(403)),
                new Case("invalid guest name", STRICT, handshake("/ws?name=%3Cscript%3E"), http(400)),
                new Case("JWT alg none", AUTH, handshake("/ws?token=" + unsignedToken(hour)), http(401)),
                new Case("JWT wrong signature", AUTH, handshake("/ws?token=" + token(JWSAlgorithm.HS256, OTHER_SECRET, hour)), http(401)),
                new Case("JWT expired", AUTH, handshake("/ws?token=" + token(JWSAlgorithm.HS256, SECRET,
                        Instant.now().minusSeconds(60))), http(401)),
                new Case("JWT without exp", AUTH, handshake("/ws?token=" + token(JWSAlgorithm.HS256, SECRET, null)), http(401)),
                new Case("JWT HS512", AUTH, handshake("/ws?token=" + token(JWSAlgorithm.HS512, SECRET, hour)), http(401)),
                new Case("JWT not a JWT", AUTH, handshake("/ws?token=not.a.jwt"), http(401)),
                new Case("JWT bad, in the Authorization header", AUTH, handshake("/ws", "Authorization",
                        "Bearer " + token(JWSAlgorithm.HS256, OTHER_SECRET, hour)), http(401)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void answersAsDocumentedAndHarmsNobodyElse(Case c) throws Exception {
        Gw gw = c.on() == STRICT ? strict : auth;
        Outcome outcome = c.attack().run(gw);
        try {
            c.answer().verify(outcome, gw);
            if (c.answer().staysOpen()) {
                ((Mallory) outcome).pingPong();
            }
        } finally {
            if (outcome instanceof Mallory m) {
                m.close();
            }
        }
        for (Gw each : List.of(strict, auth)) {
            each.bystandersStillTalk(c.name());
            assertThat(each.ready()).as("%s /observe/health/ready after %s", each.node, c.name()).isEqualTo(200);
        }
    }

    /** One case: the gateway, what mallory does, and the documented answer. */
    record Case(String name, On on, Attack attack, Answer answer) {
        @Override
        public String toString() {
            return name;
        }
    }

    // ---- attacks -----------------------------------------------------------------------------

    /** What an attack leaves: mallory's connection, an HTTP status, or the raw end of a stream. */
    sealed interface Outcome permits Mallory, HttpStatus, TcpTail {
    }

    /** The status of a refused handshake. */
    record HttpStatus(int status) implements Outcome {
    }

    /** What the server wrote after the attack frame until it closed the connection (ISO-8859-1). */
    record TcpTail(String tail) implements Outcome {
    }

    @FunctionalInterface
    interface Attack {
        Outcome run(Gw gw) throws Exception;
    }

    @FunctionalInterface
    interface OnConnection {
        void send(Mallory m) throws Exception;
    }

    /** Mallory connects (welcome, joined lobby), then does something. */
    private static Attack connected(OnConnection action) {
        return gw -> {
            Mallory m = Mallory.connect(gw);
            try {
                action.send(m);
            } catch (Exception | AssertionError e) {
                m.close();
                throw e;
            }
            return m;
        };
    }

    private static Attack text(String frame) {
        return connected(m -> m.send(RawWsClient.TEXT, bytes(frame), true));
    }

    private static Attack frame(int opcode, byte[] payload) {
        return connected(m -> m.send(opcode, payload, true));
    }

    private static Attack handshake(String pathAndQuery, String... headers) {
        return gw -> new HttpStatus(rawHandshake(gw.port(), pathAndQuery, headers));
    }

    private static OnConnection sendInBystanderRoom(String text) {
        return m -> {
            m.send(RawWsClient.TEXT, bytes(join(Gw.ROOM, "j")), true);
            m.next(f -> is(f, "joined") && Gw.ROOM.equals(f.path("room").asText()));
            m.send(RawWsClient.TEXT, bytes(send(Gw.ROOM, text, "v1")), true);
        };
    }

    private static void fragmentedBinary(Mallory m) throws IOException {
        m.send(RawWsClient.BINARY, new byte[] {1, 2}, false);
        m.send(RawWsClient.CONTINUATION, new byte[] {3, 4}, false);
        m.send(RawWsClient.CONTINUATION, new byte[] {5, 6}, true);
    }

    /** Three fragments of 32 KiB: each one fits CHAT_MAX_FRAME, the message does not. */
    private static void fragmentsOverTheLimit(Mallory m) {
        byte[] part = bytes("y".repeat(MAX_FRAME / 2));
        m.sendQuietly(RawWsClient.TEXT, part, false);
        m.sendQuietly(RawWsClient.CONTINUATION, part, false);
        m.sendQuietly(RawWsClient.CONTINUATION, part, true);
    }

    private static void joinBomb(Mallory m) throws Exception {
        m.mark();
        for (int i = 0; i < JOINS; i++) {
            m.sendQuietly(RawWsClient.TEXT, bytes(join("bomb-" + i, "j" + i)), true);
        }
    }

    private static void flood(Mallory m) throws Exception {
        m.mark();
        for (int i = 0; i < FLOOD; i++) {
            m.sendQuietly(RawWsClient.TEXT, bytes(send("lobby", "flood " + i, "f" + i)), true);
        }
    }

    // ---- answers -----------------------------------------------------------------------------

    /** The documented answer to a case. */
    interface Answer {
        void verify(Outcome outcome, Gw gw) throws Exception;

        /** Whether the connection stays open after the answer (then mallory must still get a pong). */
        boolean staysOpen();
    }

    @FunctionalInterface
    interface Check {
        void verify(Mallory m, Gw gw) throws Exception;
    }

    private static Answer answer(boolean staysOpen, Check check) {
        return new Answer() {
            @Override
            public void verify(Outcome outcome, Gw gw) throws Exception {
                check.verify((Mallory) outcome, gw);
            }

            @Override
            public boolean staysOpen() {
                return staysOpen;
            }
        };
    }

    /** An error frame with the code and the echoed ref (or null); the connection stays open. */
    private static Answer error(String code, String ref) {
        return answer(true, (m, gw) -> {
            JsonNode error = m.next(f -> is(f, "error"));
            assertThat(error.path("code").asText()).as("code of %s", error).isEqualTo(code);
            if (ref == null) {
                assertThat(error.get("ref").isNull()).as("ref of %s", error).isTrue();
            } else {
                assertThat(error.path("ref").asText()).as("ref of %s", error).isEqualTo(ref);
            }
            assertThat(error.path("message").asText()).isNotBlank();
        });
    }

    /** protocol.md: a frame that does not start with { or [ is {"type":"send","room":"lobby","text":frame}. */
    private static Answer plainTextToLobby(String text) {
        return answer(true, (m, gw) -> {
            JsonNode ack = m.next(f -> is(f, "ack"));
            assertThat(ack.get("ref").isNull()).isTrue();
            JsonNode atBob = gw.bob.next(f -> is(f, "message") && m.user.equals(f.path("from").asText()));
            assertThat(atBob.path("room").asText()).isEqualTo("lobby");
            assertThat(atBob.path("text").asText()).isEqualTo(text);
            assertThat(atBob.path("id").asText()).isEqualTo(ack.path("id").asText());
        });
    }

    /** The text reaches bob as a plain message with exactly that text, and history returns it unchanged. */
    private static Answer storedAndDeliveredVerbatim(String text) {
        return answer(true, (m, gw) -> {
            String id = m.next(f -> is(f, "ack") && "v1".equals(f.path("ref").asText())).path("id").asText();
            JsonNode atBob = gw.bob.next(f -> is(f, "message") && id.equals(f.path("id").asText()));
            assertThat(atBob.path("text").asText()).isEqualTo(text);
            assertThat(atBob.path("from").asText()).isEqualTo(m.user);
            assertThat(atBob.path("room").asText()).isEqualTo(Gw.ROOM);
            String ref = "h" + SEQ.incrementAndGet();
            gw.bob.send("type", "history", "room", Gw.ROOM, "limit", 100, "ref", ref);
            JsonNode history = gw.bob.next(f -> is(f, "history") && ref.equals(f.path("ref").asText()));
            List<JsonNode> stored = new ArrayList<>();
            history.path("messages").forEach(msg -> {
                if (id.equals(msg.path("id").asText())) {
                    stored.add(msg);
                }
            });
            assertThat(stored).as("message %s in %s", id, history).hasSize(1);
            assertThat(stored.getFirst().path("text").asText()).isEqualTo(text);
            assertThat(stored.getFirst()).isEqualTo(atBob);
        });
    }

    /**
     * Helidon 4.2 decodes text frames with {@code new String(bytes, UTF_8)}: each invalid
     * sequence becomes U+FFFD, where RFC 6455 (8.1) asks for a close with 1007. The gateway then
     * serves the frame like any other, here a message to lobby. No close, no crash.
     */
    private static Answer invalidUtf8Replaced() {
        return answer(true, (m, gw) -> {
            String id = m.next(f -> is(f, "ack") && "b8".equals(f.path("ref").asText())).path("id").asText();
            JsonNode atBob = gw.bob.next(f -> is(f, "message") && id.equals(f.path("id").asText()));
            String expected = new String(INVALID_UTF8_TEXT, StandardCharsets.UTF_8);
            assertThat(expected).startsWith("bad \uFFFD ").endsWith(" bytes");
            assertThat(atBob.path("text").asText()).isEqualTo(expected);
        });
    }

    /** One binary_unsupported for a whole fragmented binary message, not one per fragment. */
    private static Answer oneBinaryError() {
        return answer(true, (m, gw) -> {
            assertThat(m.next(f -> is(f, "error")).path("code").asText()).isEqualTo("binary_unsupported");
            m.pingPong();
            assertThat(m.seen(f -> is(f, "error"))).hasSize(1);
        });
    }

    private static Answer closes(int code) {
        return answer(false, (m, gw) -> assertThat(m.awaitClose().code()).isEqualTo(code));
    }

    /**
     * Default limits, 2000 joins as fast as the socket takes them. The first 40 frames are
     * admitted (CHAT_RATE_BURST), so the first 31 joins succeed (lobby + 31 = CHAT_MAX_ROOMS) and
     * each later admitted join gets too_many_rooms; at most 40 + 20/s x elapsed are admitted. A
     * refused frame gets rate_limited, and the 41st refusal in a row (more than CHAT_RATE_BURST)
     * closes the connection with 1008. That close drops the replies still queued, so the client
     * sees only a prefix of them: the counts come from the gateway's {@code chat_errors_total}.
     */
    private static Answer joinBombAtDefaultLimits() {
        return answer(false, (m, gw) -> {
            Closed closed = m.awaitClose();
            assertThat(closed.code()).isEqualTo(1008);
            Map<String, Double> errors = gw.errorsSince(m.errorsBefore);
            int tooMany = errors.getOrDefault("too_many_rooms", 0.0).intValue();
            int limited = errors.getOrDefault("rate_limited", 0.0).intValue();
            int admitted = MAX_ROOMS - 1 + tooMany;
            assertThat(admitted).as("joins admitted").isBetween(BURST, maxAdmitted(closed.elapsed()));
            assertThat(limited).as("rate_limited: refusals and the closing one").isGreaterThanOrEqualTo(BURST + 1);
            assertThat(admitted + limited).isLessThanOrEqualTo(JOINS);
            assertThat(errors).as("no other errors").containsOnlyKeys("too_many_rooms", "rate_limited");
            // what reached mallory is a prefix of those answers, in order
            List<String> joined = closed.ofType("joined").stream().map(f -> f.path("room").asText()).toList();
            assertThat(IntStream.range(0, joined.size()).mapToObj(i -> "bomb-" + i).toList()).isEqualTo(joined);
            List<Integer> tooManyRefs = closed.errors("too_many_rooms").stream()
                    .map(f -> Integer.parseInt(f.path("ref").asText().substring(1))).toList();
            assertThat(tooManyRefs).isSorted().doesNotHaveDuplicates().hasSizeLessThanOrEqualTo(tooMany)
                    .allMatch(i -> i >= MAX_ROOMS - 1);
            if (!tooManyRefs.isEmpty()) {
                assertThat(joined).hasSize(MAX_ROOMS - 1);
            }
            assertThat(closed.errors("rate_limited")).hasSizeLessThan(limited).allMatch(f -> f.get("ref").isNull());
            assertThat(closed.frames()).extracting(f -> f.path("type").asText()).isSubsetOf("joined", "error", "presence", "message");
        });
    }

    /** The rate limit out of the way (gw-bad-auth): 31 joined, then too_many_rooms for each of the 1969 others; still open. */
    private static Answer joinBombWithinRate() {
        return answer(true, (m, gw) -> {
            List<JsonNode> answers = new ArrayList<>();
            for (int i = 0; i < JOINS; i++) {
                String ref = "j" + i;
                String room = "bomb-" + i;
                answers.add(m.next(f -> (is(f, "error") && ref.equals(f.path("ref").asText()))
                        || (is(f, "joined") && room.equals(f.path("room").asText()))));
            }
            assertThat(answers.subList(0, MAX_ROOMS - 1)).allMatch(f -> is(f, "joined"));
            assertThat(answers.subList(MAX_ROOMS - 1, JOINS)).allMatch(f -> "too_many_rooms".equals(f.path("code").asText()));
            assertThat(m.seen(f -> is(f, "error"))).hasSize(JOINS - MAX_ROOMS + 1);
            assertThat(gw.errorsSince(m.errorsBefore)).isEqualTo(Map.of("too_many_rooms", (double) (JOINS - MAX_ROOMS + 1)));
        });
    }

    /**
     * 300 sends to lobby at once: 40 + refill are admitted (each stored and published,
     * {@code chat_messages_published_total}, and delivered to bob in lobby), the others are refused
     * with rate_limited until the 41st refusal in a row closes the connection with 1008.
     */
    private static Answer floodAnswer() {
        return answer(false, (m, gw) -> {
            Closed closed = m.awaitClose();
            assertThat(closed.code()).isEqualTo(1008);
            Map<String, Double> errors = gw.errorsSince(m.errorsBefore);
            int admitted = (int) (gw.published() - m.publishedBefore);
            int limited = errors.getOrDefault("rate_limited", 0.0).intValue();
            assertThat(admitted).as("sends admitted").isBetween(BURST, maxAdmitted(closed.elapsed()));
            assertThat(limited).as("rate_limited: refusals and the closing one").isGreaterThanOrEqualTo(BURST + 1);
            assertThat(admitted + limited).isLessThanOrEqualTo(FLOOD);
            assertThat(errors).as("no other errors").containsOnlyKeys("rate_limited");
            // bob, in lobby, gets exactly the admitted messages: the first 40, then some, in order
            List<Integer> atBob = new ArrayList<>();
            for (int i = 0; i < admitted; i++) {
                JsonNode msg = gw.bob.next(f -> is(f, "message") && m.user.equals(f.path("from").asText()));
                atBob.add(Integer.parseInt(msg.path("text").asText().substring("flood ".length())));
            }
            assertThat(atBob).isSorted().doesNotHaveDuplicates().startsWith(IntStream.range(0, BURST).boxed().toArray(Integer[]::new));
            // mallory got a prefix of her acks before the close
            List<Integer> acked = closed.ofType("ack").stream().map(f -> Integer.parseInt(f.path("ref").asText().substring(1))).toList();
            assertThat(acked).hasSizeLessThanOrEqualTo(atBob.size());
            assertThat(atBob.subList(0, acked.size())).isEqualTo(acked);
            assertThat(closed.frames()).extracting(f -> f.path("type").asText()).isSubsetOf("ack", "error", "presence", "message");
        });
    }

    private static int maxAdmitted(Duration elapsed) {
        return BURST + (int) Math.ceil(RATE * elapsed.toNanos() / 1e9) + 1;
    }

    /**
     * An opcode RFC 6455 reserves: Helidon 4.2 fails to read the frame header with an
     * IllegalArgumentException (not a WebSocket close), and its HTTP/1 layer writes
     * "HTTP/1.1 500" into the upgraded stream and closes the connection. RFC 6455 would close with
     * 1002; what this pins down is that the connection ends and nobody else notices.
     */
    private static Answer http500InTheStream() {
        return new Answer() {
            @Override
            public void verify(Outcome outcome, Gw gw) {
                assertThat(((TcpTail) outcome).tail()).contains("HTTP/1.1 500");
            }

            @Override
            public boolean staysOpen() {
                return false;
            }
        };
    }

    private static Answer http(int status) {
        return new Answer() {
            @Override
            public void verify(Outcome outcome, Gw gw) {
                assertThat(((HttpStatus) outcome).status()).isEqualTo(status);
            }

            @Override
            public boolean staysOpen() {
                return false;
            }
        };
    }

    // ---- frames, tokens and raw sockets ----------------------------------------------------------

    private static boolean is(JsonNode frame, String type) {
        return type.equals(frame.path("type").asText());
    }

    private static String send(String room, String text, String ref) {
        return JSON.createObjectNode().put("type", "send").put("room", room).put("text", text).put("ref", ref).toString();
    }

    /** A send to lobby whose text is written into the JSON as it is, escapes included. */
    private static String sendEscaped(String jsonText, String ref) {
        return "{\"type\":\"send\",\"room\":\"lobby\",\"text\":\"" + jsonText + "\",\"ref\":\"" + ref + "\"}";
    }

    private static String join(String room, String ref) {
        return JSON.createObjectNode().put("type", "join").put("room", room).put("ref", ref).toString();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    /** An HS256/HS512 token for {@code sub}, with {@code exp} unless null. */
    private static String token(JWSAlgorithm alg, String secret, String sub, Instant exp) {
        try {
            JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder().subject(sub);
            if (exp != null) {
                claims.expirationTime(Date.from(exp));
            }
            SignedJWT jwt = new SignedJWT(new JWSHeader(alg), claims.build());
            jwt.sign(new MACSigner(bytes(secret)));
            return jwt.serialize();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String token(JWSAlgorithm alg, String secret, Instant exp) {
        return token(alg, secret, "mallory", exp);
    }

    /** {@code {"alg":"none"}}: claims without a signature. */
    private static String unsignedToken(Instant exp) {
        return new PlainJWT(new JWTClaimsSet.Builder().subject("mallory").expirationTime(Date.from(exp)).build()).serialize();
    }

    private static Socket socket(int port) throws IOException {
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        socket.setSoTimeout((int) WAIT.toMillis());
        return socket;
    }

    private static String upgradeRequest(int port, String pathAndQuery, String... headers) {
        StringBuilder request = new StringBuilder("GET ").append(pathAndQuery).append(" HTTP/1.1\r\n")
                .append("Host: 127.0.0.1:").append(port).append("\r\n")
                .append("Upgrade: websocket\r\nConnection: Upgrade\r\n")
                .append("Sec-WebSocket-Key: ").append(Base64.getEncoder().encodeToString(new byte[16])).append("\r\n")
                .append("Sec-WebSocket-Version: 13\r\n");
        for (int i = 0; i < headers.length; i += 2) {
            request.append(headers[i]).append(": ").append(headers[i + 1]).append("\r\n");
        }
        return request.append("\r\n").toString();
    }

    /** A WebSocket upgrade request with extra headers (name, value, ...); returns the HTTP status. */
    private static int rawHandshake(int port, String pathAndQuery, String... headers) throws IOException {
        try (Socket socket = socket(port)) {
            socket.getOutputStream().write(upgradeRequest(port, pathAndQuery, headers).getBytes(StandardCharsets.US_ASCII));
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            for (int b = in.read(); b >= 0 && b != '\n'; b = in.read()) {
                line.write(b);
            }
            String status = line.toString(StandardCharsets.US_ASCII).trim();
            assertThat(status).as("status line").startsWith("HTTP/1.1 ");
            return Integer.parseInt(status.split(" ")[1]);
        }
    }

    /**
     * Upgrades on a socket of its own, waits for {@code joined}, sends one small frame with any
     * opcode, and returns everything the server writes after it, up to the end of the stream.
     */
    private static String afterFrame(int port, int opcode, byte[] payload) throws IOException {
        try (Socket socket = socket(port)) {
            OutputStream out = socket.getOutputStream();
            out.write(upgradeRequest(port, "/ws?name=mallory-" + SEQ.incrementAndGet()).getBytes(StandardCharsets.US_ASCII));
            DataInputStream in = new DataInputStream(socket.getInputStream());
            StringBuilder head = new StringBuilder();
            while (!head.toString().endsWith("\r\n\r\n")) {
                head.append((char) in.readUnsignedByte());
            }
            assertThat(head.toString()).startsWith("HTTP/1.1 101");
            boolean joined = false;
            while (!joined) {
                int opcodeIn = in.readUnsignedByte() & 0x0f;
                int len = in.readUnsignedByte() & 0x7f;
                byte[] frame = new byte[len == 126 ? in.readUnsignedShort() : len];
                in.readFully(frame);
                joined = opcodeIn == RawWsClient.TEXT && new String(frame, StandardCharsets.UTF_8).contains("\"joined\"");
            }
            ByteArrayOutputStream frame = new ByteArrayOutputStream();
            frame.write(0x80 | opcode);
            frame.write(0x80 | payload.length);
            frame.writeBytes(new byte[4]);
            frame.writeBytes(payload);
            out.write(frame.toByteArray());
            return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }

    // ---- the gateways and their bystanders ------------------------------------------------------

    /** A gateway with its bystander pair, alice and bob, in room {@link #ROOM} (and lobby). */
    static final class Gw implements AutoCloseable {
        static final String ROOM = "bystanders";
        final String node;
        final Gateway gateway;
        final ChatClient alice;
        final ChatClient bob;

        private Gw(String node, Gateway gateway, ChatClient alice, ChatClient bob) {
            this.node = node;
            this.gateway = gateway;
            this.alice = alice;
            this.bob = bob;
        }

        /** Starts the gateway; alice and bob connect with valid tokens when {@code tokens}, as guests otherwise. */
        static Gw start(String node, Map<String, String> env, boolean tokens) throws Exception {
            Gateway gateway = TestGateways.start(node, env);
            ChatClient alice = connect(gateway.port(), "alice", tokens);
            ChatClient bob = connect(gateway.port(), "bob", tokens);
            alice.join(ROOM);
            bob.join(ROOM);
            return new Gw(node, gateway, alice, bob);
        }

        /** With a token, the user id is {@code user}; as a guest, {@code user} is the display name of a guest id. */
        private static ChatClient connect(int port, String user, boolean tokens) throws Exception {
            ChatClient client = tokens
                    ? ChatClient.connect(URI.create("ws://127.0.0.1:" + port + "/ws?token="
                            + token(JWSAlgorithm.HS256, SECRET, user, Instant.now().plusSeconds(3600))))
                    : ChatClient.connect(port, user);
            if (tokens) {
                assertThat(client.user()).isEqualTo(user);
            } else {
                assertThat(client.user()).startsWith("guest:");
            }
            assertThat(client.name()).isEqualTo(user);
            return client;
        }

        int port() {
            return gateway.port();
        }

        /** Alice sends to the room; bob receives exactly that text from alice, and alice gets the ack. */
        void bystandersStillTalk(String after) {
            int n = SEQ.incrementAndGet();
            String text = "still here after " + after + " #" + n;
            String ref = "b" + n;
            alice.send("type", "send", "room", ROOM, "text", text, "ref", ref);
            JsonNode ack = alice.next(f -> is(f, "ack") && ref.equals(f.path("ref").asText()));
            JsonNode atBob = bob.next(f -> is(f, "message") && ROOM.equals(f.path("room").asText())
                    && text.equals(f.path("text").asText()));
            assertThat(atBob.path("from").asText()).isEqualTo(alice.user());
            assertThat(atBob.path("name").asText()).isEqualTo("alice");
            assertThat(atBob.path("id").asText()).isEqualTo(ack.path("id").asText());
            assertThat(alice.isOpen()).as("alice still connected to %s", node).isTrue();
            assertThat(bob.isOpen()).as("bob still connected to %s", node).isTrue();
        }

        int ready() throws Exception {
            return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.adminPort() + "/observe/health/ready"))
                    .timeout(WAIT).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        }

        /** {@code chat_errors_total} of this gateway, by code. */
        Map<String, Double> errors() throws Exception {
            Map<String, Double> byCode = new LinkedHashMap<>();
            for (String line : metrics("chat_errors_total{")) {
                String code = line.replaceAll(".*code=\"([a-z_]+)\".*", "$1");
                byCode.merge(code, value(line), Double::sum);
            }
            return byCode;
        }

        /** The codes whose counters grew since {@code before}, with the growth. */
        Map<String, Double> errorsSince(Map<String, Double> before) throws Exception {
            Map<String, Double> delta = new LinkedHashMap<>();
            errors().forEach((code, now) -> {
                double grew = now - before.getOrDefault(code, 0.0);
                if (grew != 0) {
                    delta.put(code, grew);
                }
            });
            return delta;
        }

        /** {@code chat_messages_published_total} of this gateway. */
        double published() throws Exception {
            return metrics("chat_messages_published_total{").stream().mapToDouble(Gw::value).sum();
        }

        private static double value(String line) {
            return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
        }

        private List<String> metrics(String prefix) throws Exception {
            String body = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.adminPort() + "/observe/metrics"))
                    .header("Accept", "text/plain").timeout(WAIT).build(), HttpResponse.BodyHandlers.ofString()).body();
            return body.lines().filter(l -> l.startsWith(prefix) && l.contains("node=\"" + node + "\"")).toList();
        }

        @Override
        public void close() {
            alice.close();
            bob.close();
            gateway.close();
        }
    }

    // ---- mallory -------------------------------------------------------------------------------

    /** The text frames mallory received before the server's close frame, and when that came. */
    record Closed(int code, List<JsonNode> frames, Duration elapsed) {
        List<JsonNode> ofType(String type) {
            return frames.stream().filter(f -> is(f, type)).toList();
        }

        List<JsonNode> errors(String code) {
            return ofType("error").stream().filter(f -> code.equals(f.path("code").asText())).toList();
        }
    }

    /**
     * The attacker: a {@link RawWsClient} (so it can send any frame) with a reader thread that
     * queues the server's frames as they arrive.
     */
    static final class Mallory implements Outcome, AutoCloseable {
        private record In(RawWsClient.Frame frame, long nanos) {
        }

        private static final In EOF = new In(null, 0);
        /** Her guest id, from the welcome (what {@code from} carries). */
        volatile String user;
        /** The name she picked (her display name). */
        final String name;
        private final Gw gw;
        private final RawWsClient raw;
        private final LinkedBlockingQueue<In> in = new LinkedBlockingQueue<>();
        private final List<JsonNode> seen = Collections.synchronizedList(new ArrayList<>());
        private final Thread reader;
        private long mark = System.nanoTime();
        /** The gateway's error counters when the attack began (see {@link #mark}). */
        Map<String, Double> errorsBefore = Map.of();
        /** The gateway's published messages when the attack began. */
        double publishedBefore;

        private Mallory(RawWsClient raw, String name, Gw gw) {
            this.raw = raw;
            this.name = name;
            this.gw = gw;
            this.reader = Thread.ofVirtual().name("reader-" + name).start(this::read);
        }

        /** Connects as a new guest and waits for welcome (her id) and joined lobby. */
        static Mallory connect(Gw gw) throws Exception {
            String name = "mallory-" + SEQ.incrementAndGet();
            RawWsClient raw = RawWsClient.connect(gw.port(), "/ws?name=" + name);
            assertThat(raw.status()).as("handshake").isEqualTo(101);
            Mallory m = new Mallory(raw, name, gw);
            JsonNode welcome = m.next(f -> is(f, "welcome"));
            assertThat(welcome.path("name").asText()).isEqualTo(name);
            m.user = welcome.path("user").asText();
            m.next(f -> is(f, "joined") && "lobby".equals(f.path("room").asText()));
            return m;
        }

        private void read() {
            try {
                while (true) {
                    RawWsClient.Frame f = raw.read(Duration.ofMinutes(5));
                    if (f != null) {
                        in.add(new In(f, System.nanoTime()));
                    }
                }
            } catch (IOException | RuntimeException e) {
                in.add(EOF);
            }
        }

        void send(int opcode, byte[] payload, boolean fin) throws IOException {
            raw.send(opcode, payload, fin);
        }

        /** Sends, ignoring a failed write: the server may have closed the connection already (the check reads the close). */
        void sendQuietly(int opcode, byte[] payload, boolean fin) {
            try {
                raw.send(opcode, payload, fin);
            } catch (IOException e) {
                // the answer to the attack decides
            }
        }

        /** Notes when the attack begins and the gateway's counters then, for the rate arithmetic. */
        void mark() throws Exception {
            errorsBefore = gw.errors();
            publishedBefore = gw.published();
            mark = System.nanoTime();
        }

        /** The next text frame that matches, skipping others; fails on timeout, close or EOF. */
        JsonNode next(Predicate<JsonNode> match) throws Exception {
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (true) {
                In item = in.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                if (item == null || item == EOF) {
                    throw new AssertionError(user + ": " + (item == null ? "no matching frame within " + WAIT : "connection lost")
                            + "; seen " + seen);
                }
                RawWsClient.Frame f = item.frame();
                if (f.opcode() == RawWsClient.CLOSE) {
                    throw new AssertionError(user + ": closed with " + f.closeCode() + " while waiting; seen " + seen);
                }
                if (f.opcode() == RawWsClient.TEXT) {
                    JsonNode node = JSON.readTree(f.text());
                    seen.add(node);
                    if (match.test(node)) {
                        return node;
                    }
                }
            }
        }

        /** Reads up to the server's close frame; fails if none comes. */
        Closed awaitClose() throws Exception {
            List<JsonNode> frames = new ArrayList<>();
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (true) {
                In item = in.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                if (item == null || item == EOF) {
                    throw new AssertionError(user + ": no close frame (" + (item == null ? "timeout" : "EOF") + "); seen "
                            + seen + " then " + frames);
                }
                RawWsClient.Frame f = item.frame();
                if (f.opcode() == RawWsClient.CLOSE) {
                    return new Closed(f.closeCode(), frames, Duration.ofNanos(item.nanos() - mark));
                }
                if (f.opcode() == RawWsClient.TEXT) {
                    frames.add(JSON.readTree(f.text()));
                }
            }
        }

        void pingPong() throws Exception {
            send(RawWsClient.TEXT, bytes("{\"type\":\"ping\"}"), true);
            next(f -> is(f, "pong"));
        }

        /** The frames read so far that match. */
        List<JsonNode> seen(Predicate<JsonNode> match) {
            synchronized (seen) {
                return seen.stream().filter(match).toList();
            }
        }

        /** Answers with a close frame (1000) and closes the socket. */
        @Override
        public void close() {
            try {
                raw.send(RawWsClient.CLOSE, new byte[] {0x03, (byte) 0xE8}, true);
            } catch (IOException e) {
                // already gone
            }
            try {
                raw.close();
            } catch (IOException e) {
                // closing anyway
            }
            reader.interrupt();
        }
    }
}
