package io.chatrelay.gateway.hooks;

import io.chatrelay.broker.memory.InMemoryEventLog;
import io.chatrelay.gateway.config.WebhookSettings;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class WebhookDispatcherTest {
    private static final String SECRET = "webhook-secret-0123456789abcdef-0123";
    private static final Duration TIMEOUT = Duration.ofMillis(1000);
    private static final Duration BACKOFF = Duration.ofMillis(1100);

    private final Receiver app = new Receiver();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final InMemoryEventLog log = new InMemoryEventLog(1000, System::currentTimeMillis);
    private WebhookDispatcher dispatcher;

    /** Short waits, for the tests of retries. */
    private WebhookDispatcher start(int maxAttempts) {
        return start(maxAttempts, TIMEOUT, BACKOFF);
    }

    private WebhookDispatcher start(int maxAttempts, Duration timeout, Duration backoff) {
        dispatcher = new WebhookDispatcher(new WebhookSettings(app.url("/webhooks"), SECRET, List.of(), maxAttempts, backoff,
                Duration.ofSeconds(10), timeout, 4), log, "gw-1", new WebhookMetrics(registry), System::currentTimeMillis);
        dispatcher.start();
        return dispatcher;
    }

    @AfterEach
    void stop() {
        if (dispatcher != null) {
            dispatcher.close();
        }
        app.close();
    }

    private void append(String id) {
        log.append("{\"id\":\"" + id + "\",\"type\":\"message.created\",\"ts\":1,\"node\":\"gw-1\"}");
    }

    private double count(String name) {
        return registry.get(name).counter().count();
    }

    @Test
    void postsEachEventOnceSignedWithItsIdAndAttempt() throws Exception {
        app.answering(r -> Receiver.Answer.status(204));
        // waits long enough that a first, cold request is never retried: exactly once here
        start(3, Duration.ofSeconds(5), Duration.ofSeconds(10));

        for (int i = 0; i < 20; i++) {
            append("e" + i);
        }

        await().atMost(Duration.ofSeconds(10)).until(() -> count("chat_webhook_delivered") == 20);
        List<Receiver.Request> got = app.requests("/webhooks");
        assertThat(got).extracting(Receiver.Request::eventId).doesNotHaveDuplicates().hasSize(20);
        Receiver.Request first = got.stream().filter(r -> r.eventId().equals("e0")).findFirst().orElseThrow();
        assertThat(first.attempt()).isEqualTo("1");
        assertThat(first.node()).isEqualTo("gw-1");
        assertThat(first.json().path("id").asText()).isEqualTo("e0");
        assertThat(new Signature(SECRET).verify(first.signature(), first.body(), System.currentTimeMillis() / 1000,
                Duration.ofMinutes(5))).isTrue();
        await().atMost(Duration.ofSeconds(2)).until(() -> log.stats().toCompletableFuture().get().pending() == 0);
        assertThat(registry.get("chat_webhook_latency").timer().count()).isEqualTo(20);
    }

    @Test
    void retriesAfterErrorsWithGrowingWaitsUntilAccepted() {
        AtomicInteger tries = new AtomicInteger();
        app.answering(r -> tries.incrementAndGet() <= 2 ? Receiver.Answer.status(500) : Receiver.Answer.status(200));
        start(5);

        append("e1");

        await().atMost(Duration.ofSeconds(10)).until(() -> count("chat_webhook_delivered") == 1);
        List<Receiver.Request> got = app.requests("/webhooks");
        assertThat(got).extracting(Receiver.Request::attempt).containsExactly("1", "2", "3");
        assertThat(got).extracting(Receiver.Request::eventId).containsOnly("e1");
        long firstWait = got.get(1).receivedAt() - got.get(0).receivedAt();
        long secondWait = got.get(2).receivedAt() - got.get(1).receivedAt();
        assertThat(firstWait).as("first retry after the backoff").isGreaterThanOrEqualTo(BACKOFF.toMillis() - 50);
        assertThat(secondWait).as("second retry after twice the backoff").isGreaterThanOrEqualTo(2 * BACKOFF.toMillis() - 50);
        assertThat(registry.get("chat_webhook_failed_attempts").tag("reason", "status").counter().count()).isEqualTo(2);
        assertThat(count("chat_webhook_dead_lettered")).isZero();
    }

    @Test
    void aTimeoutIsAFailedTryAndIsRetried() {
        AtomicInteger tries = new AtomicInteger();
        app.answering(r -> tries.incrementAndGet() == 1 ? Receiver.Answer.late(Duration.ofSeconds(3)) : Receiver.Answer.status(200));
        start(3);

        append("slow");

        await().atMost(Duration.ofSeconds(10)).until(() -> count("chat_webhook_delivered") == 1);
        assertThat(registry.get("chat_webhook_failed_attempts").tag("reason", "timeout").counter().count()).isEqualTo(1);
        assertThat(app.requests("/webhooks")).extracting(Receiver.Request::attempt).containsExactly("1", "2");
    }

    @Test
    void deadLettersAnEventAfterTheLastAttempt() throws Exception {
        app.answering(r -> Receiver.Answer.status(503));
        start(3);

        append("doomed");

        await().atMost(Duration.ofSeconds(10)).until(() -> count("chat_webhook_dead_lettered") == 1);
        assertThat(app.requests("/webhooks")).extracting(Receiver.Request::attempt).containsExactly("1", "2", "3");
        assertThat(log.deadLetters(10).toCompletableFuture().get()).singleElement().asString().contains("\"doomed\"");
        assertThat(log.stats().toCompletableFuture().get().pending()).isZero();
        assertThat(count("chat_webhook_delivered")).isZero();
        assertThat(registry.get("chat_webhook_failed_attempts").tag("reason", "status").counter().count()).isEqualTo(3);
    }

    @Test
    void neverHasMoreDeliveriesInFlightThanItsConcurrency() {
        AtomicInteger inFlight = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        app.answering(r -> {
            most.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
            try {
                Thread.sleep(50); // a receiver that takes its time
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            inFlight.decrementAndGet();
            return Receiver.Answer.status(200);
        });
        start(3, Duration.ofSeconds(5), Duration.ofSeconds(10));

        for (int i = 0; i < 30; i++) {
            append("c" + i);
        }

        await().atMost(Duration.ofSeconds(10)).until(() -> count("chat_webhook_delivered") == 30);
        assertThat(most.get()).isBetween(2, 4);
        Map<String, Long> perId = app.requests("/webhooks").stream()
                .collect(Collectors.groupingBy(Receiver.Request::eventId, Collectors.counting()));
        assertThat(perId).hasSize(30).allSatisfy((id, n) -> assertThat(n).isEqualTo(1));
    }

    /** A retry taken by {@code due} is delivered, and keeps its slot only as long as it is in flight, even when {@code next} fails. */
    @Test
    void deliversTheRetriesItTookWhenAskingForNewEventsFails() {
        AtomicInteger tries = new AtomicInteger();
        app.answering(r -> tries.incrementAndGet() == 1 ? Receiver.Answer.status(500) : Receiver.Answer.status(200));
        NextFailsAfterADue flaky = new NextFailsAfterADue(log);
        dispatcher = new WebhookDispatcher(new WebhookSettings(app.url("/webhooks"), SECRET, List.of(), 5, BACKOFF,
                Duration.ofSeconds(10), TIMEOUT, 2), flaky, "gw-1", new WebhookMetrics(registry), System::currentTimeMillis);
        dispatcher.start();

        append("e1");

        await().atMost(Duration.ofSeconds(10)).until(() -> count("chat_webhook_delivered") == 1);
        assertThat(flaky.failed).as("next failed right after a due retry").isTrue();
        assertThat(app.requests("/webhooks")).extracting(Receiver.Request::attempt).containsExactly("1", "2");
        await().atMost(Duration.ofSeconds(2)).until(() -> registry.get("chat_webhook_in_flight").gauge().value() == 0);
    }

    /** The in-memory log, but {@code next} fails once, the first time it is asked right after {@code due} handed out an event. */
    private static final class NextFailsAfterADue implements io.chatrelay.broker.EventLog {
        private final io.chatrelay.broker.EventLog log;
        private volatile boolean dueGaveSome;
        private volatile boolean failed;

        NextFailsAfterADue(io.chatrelay.broker.EventLog log) {
            this.log = log;
        }

        @Override
        public java.util.concurrent.CompletionStage<String> append(String body) {
            return log.append(body);
        }

        @Override
        public java.util.concurrent.CompletionStage<List<Event>> next(String consumer, int count) {
            if (dueGaveSome && !failed) {
                failed = true;
                return java.util.concurrent.CompletableFuture.failedFuture(new io.chatrelay.broker.BrokerException("redis is DOWN"));
            }
            return log.next(consumer, count);
        }

        @Override
        public java.util.concurrent.CompletionStage<List<Event>> due(String consumer, Duration backoff, Duration maxBackoff, int count) {
            return log.due(consumer, backoff, maxBackoff, count).thenApply(events -> {
                dueGaveSome = !events.isEmpty();
                return events;
            });
        }

        @Override
        public java.util.concurrent.CompletionStage<Void> ack(String id) {
            return log.ack(id);
        }

        @Override
        public java.util.concurrent.CompletionStage<Void> deadLetter(Event event, String reason) {
            return log.deadLetter(event, reason);
        }

        @Override
        public java.util.concurrent.CompletionStage<List<String>> deadLetters(int count) {
            return log.deadLetters(count);
        }

        @Override
        public java.util.concurrent.CompletionStage<Stats> stats() {
            return log.stats();
        }
    }

    @Test
    void stopsTakingEventsWhenClosed() {
        app.answering(r -> Receiver.Answer.status(200));
        start(3).close();

        append("after-close");

        await().during(Duration.ofMillis(600)).atMost(Duration.ofSeconds(2)).until(() -> app.requests().isEmpty());
    }
}
