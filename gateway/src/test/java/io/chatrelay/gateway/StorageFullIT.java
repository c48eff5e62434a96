package io.chatrelay.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import io.chatrelay.gateway.support.RedisGateways;
import io.chatrelay.testkit.ChatClient;
import io.chatrelay.testkit.Frames;
import io.lettuce.core.api.sync.RedisCommands;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Redis out of memory (finding 4 of issue 11, docs/security.md): Redis runs with a
 * {@code maxmemory} and {@code noeviction}, as docker-compose.yml and deploy/k8s run it. When it is
 * full, a send is answered with error {@code storage_full}: never acked, never delivered, not
 * stored; every message that was acked is stored and was delivered (nothing acked and lost, nothing
 * evicted); direct messages are refused the same way; history reads go on, a join (which writes
 * the user's presence) is joined or answered {@code storage_full}; once memory is free again,
 * sends work without a reconnect. Two gateways on one Redis container.
 */
@Testcontainers
class StorageFullIT {
    /** Room for about 500 messages of 4000 characters above what the gateways use at the start. */
    private static final long HEADROOM = 2L * 1024 * 1024;
    private static final int MOST_SENDS = 3000;
    private static final int BATCH = 50;

    @Container
    static final GenericContainer<?> REDIS = new GenericContainer<>("redis:8.0").withExposedPorts(6379)
            .withCommand("redis-server", "--maxmemory-policy", "noeviction", "--save", "", "--appendonly", "no");

    private static RedisGateways gateways;

    @BeforeAll
    static void start() {
        gateways = RedisGateways.start(REDIS, Map.of("CHAT_RATE_PER_SECOND", "100000", "CHAT_RATE_BURST", "100000",
                "CHAT_HISTORY_MAX_LEN", "10000"));
    }

    @AfterAll
    static void stop() {
        if (gateways != null) {
            gateways.close();
        }
    }

    @Test
    void aFullRedisRefusesSendsWithStorageFullAndLosesNoAcknowledgedMessage() {
        String room = "full-" + UUID.randomUUID().toString().substring(0, 8);
        RedisCommands<String, String> redis = gateways.redis();
        try (ChatClient alice = ChatClient.connect(gateways.a().port(), "alice");
             ChatClient bob = ChatClient.connect(gateways.b().port(), "bob")) {
            alice.join(room);
            bob.join(room);
            long used = Long.parseLong(info(redis, "used_memory"));
            redis.configSet("maxmemory", String.valueOf(used + HEADROOM));

            String text = "x".repeat(4000);
            List<String> acked = new ArrayList<>();
            String refusedRef = null;
            for (int sent = 0; refusedRef == null && sent < MOST_SENDS; sent += BATCH) {
                for (int i = sent; i < sent + BATCH; i++) {
                    alice.send(Frames.send(room, text, "f" + i));
                }
                for (int i = sent; i < sent + BATCH; i++) {
                    String ref = "f" + i;
                    JsonNode answer = alice.next(f -> ref.equals(f.path("ref").asText())
                            && (Frames.is(f, "ack") || Frames.is(f, "error")), Duration.ofSeconds(20));
                    if (Frames.is(answer, "ack")) {
                        // (within the batch of the first refusal an ack may still come: Redis' use
                        // of memory moves as it writes its replies)
                        acked.add(answer.path("id").asText());
                    } else {
                        assertThat(answer.path("code").asText()).isEqualTo("storage_full");
                        assertThat(answer.path("message").asText()).contains("nothing was sent");
                        if (refusedRef == null) {
                            refusedRef = ref;
                        }
                    }
                }
            }
            assertThat(refusedRef).as("Redis filled up within %d sends", MOST_SENDS).isNotNull();
            assertThat(acked).as("messages stored before it was full").hasSizeGreaterThan(100);
            // full for good from here: at the limit Redis' use of memory moves (a trimmed stream
            // frees a node, a refused command its buffers), so the next write might fit again
            redis.configSet("maxmemory", "1");

            // a direct message is refused the same way
            alice.send(Frames.direct(bob.user(), "psst", "dm1"));
            assertThat(alice.next(Frames.error("storage_full", "dm1"))).isNotNull();

            // reading goes on; a join, which writes the user's presence, is joined or refused clearly
            alice.send(Frames.object("type", "history", "room", room, "limit", 2, "ref", "ah"));
            JsonNode history = alice.next(f -> "ah".equals(f.path("ref").asText()));
            assertThat(Frames.type(history)).isEqualTo("history");
            assertThat(Frames.messageIds(history)).hasSize(2).isSubsetOf(acked);
            try (ChatClient carol = ChatClient.connect(gateways.b().port(), "carol")) {
                carol.send(Frames.join(room).put("ref", "cj"));
                JsonNode answer = carol.next(f -> (Frames.is(f, "joined") && room.equals(f.path("room").asText()))
                        || (Frames.is(f, "error") && "cj".equals(f.path("ref").asText())));
                if (Frames.is(answer, "error")) {
                    assertThat(answer.path("code").asText()).isEqualTo("storage_full");
                }
                carol.send(Frames.frame("ping"));
                carol.next("pong");
            }
            // bob got exactly the acked messages, in order; the stream holds exactly those
            List<String> atBob = new ArrayList<>();
            for (int i = 0; i < acked.size(); i++) {
                atBob.add(bob.next(Frames.message(room)).path("id").asText());
            }
            assertThat(atBob).isEqualTo(acked);
            assertThat(bob.drain()).noneMatch(f -> Frames.is(f, "message") && room.equals(f.path("room").asText()));
            assertThat(redis.xlen(streamKey(redis, room))).isEqualTo(acked.size());

            // memory again: sends work on the same connections
            redis.configSet("maxmemory", "0");
            alice.send(Frames.send(room, "after", "g1"));
            String id = alice.next(Frames.ack("g1")).path("id").asText();
            assertThat(bob.next(Frames.message(room, "after")).path("id").asText()).isEqualTo(id);
            assertThat(redis.xlen(streamKey(redis, room))).isEqualTo(acked.size() + 1);
        } finally {
            redis.configSet("maxmemory", "0");
        }
    }

    private static String info(RedisCommands<String, String> redis, String field) {
        return redis.info("memory").lines().filter(l -> l.startsWith(field + ":")).findFirst()
                .map(l -> l.substring(field.length() + 1).trim()).orElseThrow();
    }

    /** The room's stream (whatever the key layout: the one stream key that names the room). */
    private static String streamKey(RedisCommands<String, String> redis, String room) {
        List<String> streams = redis.keys("*" + room + "*").stream().filter(k -> "stream".equals(redis.type(k))).toList();
        assertThat(streams).as("stream keys of %s", room).hasSize(1);
        return streams.getFirst();
    }
}
