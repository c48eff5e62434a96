package io.chatrelay.gateway.hooks;

import com.fasterxml.jackson.databind.JsonNode;
import io.chatrelay.broker.EventLog;
import io.chatrelay.broker.memory.InMemoryEventLog;
import io.chatrelay.chat.ChatEvent;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

class EventRecorderTest {
    private static final String FRAME = "{\"type\":\"message\",\"room\":\"lobby\",\"id\":\"1-0\",\"from\":\"alice\",\"text\":\"hi \\\"you\\\"\"}";
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final InMemoryEventLog log = new InMemoryEventLog(100, System::currentTimeMillis);

    private List<JsonNode> written() throws Exception {
        return log.next("test", 100).toCompletableFuture().get().stream().map(e -> {
            try {
                return Receiver.JSON.readTree(e.body());
            } catch (Exception ex) {
                throw new AssertionError(e.body(), ex);
            }
        }).toList();
    }

    @Test
    void writesAMessageEventWithTheStoredMessageAsAnObject() throws Exception {
        EventRecorder recorder = new EventRecorder(log, "gw-1", type -> true, registry);

        recorder.emit(new ChatEvent(ChatEvent.MESSAGE_CREATED, 1234L,
                Map.of("room", "lobby", "id", "1-0", "from", "alice", "name", "Alice"), FRAME));

        List<JsonNode> events = written();
        assertThat(events).hasSize(1);
        JsonNode e = events.getFirst();
        assertThat(e.path("id").asText()).matches("[0-9a-f-]{36}");
        assertThat(e.path("type").asText()).isEqualTo("message.created");
        assertThat(e.path("ts").asLong()).isEqualTo(1234L);
        assertThat(e.path("node").asText()).isEqualTo("gw-1");
        assertThat(e.path("room").asText()).isEqualTo("lobby");
        assertThat(e.path("message_id").asText()).isEqualTo("1-0");
        assertThat(e.path("from").asText()).isEqualTo("alice");
        assertThat(e.path("message")).isEqualTo(Receiver.JSON.readTree(FRAME));
        assertThat(e.path("message").path("text").asText()).isEqualTo("hi \"you\"");
        assertThat(registry.get("chat_webhook_events_recorded").counter().count()).isEqualTo(1);
    }

    @Test
    void writesOtherEventsWithTheirFieldsAndNoMessage() throws Exception {
        EventRecorder recorder = new EventRecorder(log, "gw-1", type -> true, registry);

        recorder.emit(new ChatEvent(ChatEvent.MEMBER_JOINED, 99L, Map.of("room", "support:7", "user", "bob", "name", "Bob"), null));

        JsonNode e = written().getFirst();
        assertThat(e.path("type").asText()).isEqualTo("member.joined");
        assertThat(e.path("user").asText()).isEqualTo("bob");
        assertThat(e.path("name").asText()).isEqualTo("Bob");
        assertThat(e.has("message")).isFalse();
    }

    @Test
    void givesEveryEventItsOwnId() throws Exception {
        EventRecorder recorder = new EventRecorder(log, "gw-1", type -> true, registry);
        ChatEvent event = new ChatEvent(ChatEvent.ROOM_OCCUPIED, 1L, Map.of("room", "r"), null);

        recorder.emit(event);
        recorder.emit(event);

        assertThat(written()).extracting(e -> e.path("id").asText()).doesNotHaveDuplicates().hasSize(2);
    }

    @Test
    void writesOnlyTheTypesItIsAskedFor() throws Exception {
        EventRecorder recorder = new EventRecorder(log, "gw-1", ChatEvent.MESSAGE_CREATED::equals, registry);

        recorder.emit(new ChatEvent(ChatEvent.USER_CONNECTED, 1L, Map.of("user", "u", "name", "U"), null));
        recorder.emit(new ChatEvent(ChatEvent.MESSAGE_CREATED, 2L, Map.of("room", "r", "id", "2-0", "from", "u", "name", "U"), FRAME));

        assertThat(written()).extracting(e -> e.path("type").asText()).containsExactly("message.created");
    }

    @Test
    void countsAFailedAppendAndNeverThrowsIntoTheCore() {
        EventLog failing = new FailingLog();
        EventRecorder recorder = new EventRecorder(failing, "gw-1", type -> true, registry);
        ChatEvent event = new ChatEvent(ChatEvent.ROOM_VACATED, 1L, Map.of("room", "r"), null);

        assertThatCode(() -> {
            recorder.emit(event); // fails asynchronously
            recorder.emit(event); // throws at once
        }).doesNotThrowAnyException();

        assertThat(registry.get("chat_webhook_events_lost").counter().count()).isEqualTo(2);
        assertThat(registry.get("chat_webhook_events_recorded").counter().count()).isZero();
    }

    /** An event log whose append fails once asynchronously, then by throwing. */
    private static final class FailingLog implements EventLog {
        private int calls;

        @Override
        public CompletionStage<String> append(String body) {
            if (calls++ == 0) {
                return CompletableFuture.failedFuture(new io.chatrelay.broker.BrokerException("redis is DOWN"));
            }
            throw new IllegalStateException("closed");
        }

        @Override
        public CompletionStage<List<Event>> next(String consumer, int count) {
            throw new UnsupportedOperationException();
        }

        @Override
        public CompletionStage<List<Event>> due(String consumer, Duration backoff, Duration maxBackoff, int count) {
            throw new UnsupportedOperationException();
        }

        @Override
        public CompletionStage<Void> ack(String id) {
            throw new UnsupportedOperationException();
        }

        @Override
        public CompletionStage<Void> deadLetter(Event event, String reason) {
            throw new UnsupportedOperationException();
        }

        @Override
        public CompletionStage<List<String>> deadLetters(int count) {
            throw new UnsupportedOperationException();
        }

        @Override
        public CompletionStage<Stats> stats() {
            throw new UnsupportedOperationException();
        }
    }
}
