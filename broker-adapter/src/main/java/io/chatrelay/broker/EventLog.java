package io.chatrelay.broker;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * A shared, bounded log of application events (what webhooks deliver) with one consumer group:
 * every event is handed to exactly one of the gateways that consume, stays pending until that
 * one acknowledges it, and is handed again (to any of them) when it was not acknowledged in time,
 * so an event outlives the gateway that was delivering it. Operations fail with
 * {@link BrokerException} like the broker's.
 */
public interface EventLog {
    /**
     * An event handed to a consumer.
     *
     * @param id         its id in the log
     * @param body       the event, as written
     * @param deliveries how many times it has been handed out, this time included
     */
    record Event(String id, String body, long deliveries) {
    }

    /**
     * The log's state.
     *
     * @param length      events in the log (delivered or not, up to its bound)
     * @param pending     events handed out and not acknowledged yet
     * @param lag         events not handed out yet
     * @param deadLetters events given up on (kept, bounded, for inspection)
     */
    record Stats(long length, long pending, long lag, long deadLetters) {
    }

    /**
     * Appends an event.
     *
     * @param body the event
     * @return its id
     */
    CompletionStage<String> append(String body);

    /**
     * Events never handed out before, now handed to a consumer.
     *
     * @param consumer the consumer (a gateway's node id)
     * @param count    the most to take
     * @return the events, oldest first (possibly none)
     */
    CompletionStage<List<Event>> next(String consumer, int count);

    /**
     * Events handed out but not acknowledged, whose wait is over, now handed to this consumer:
     * an event handed out {@code n} times is due once it has waited {@code backoff * 2^(n-1)}
     * (at most {@code maxBackoff}) since it was last handed out, whoever had it.
     *
     * @param consumer   the consumer
     * @param backoff    the first wait
     * @param maxBackoff the longest wait
     * @param count      the most to take
     * @return the events (possibly none)
     */
    CompletionStage<List<Event>> due(String consumer, Duration backoff, Duration maxBackoff, int count);

    /**
     * Acknowledges an event: it is done.
     *
     * @param id the event's id
     * @return completes when acknowledged
     */
    CompletionStage<Void> ack(String id);

    /**
     * Gives up on an event: it moves to the dead letters (with the reason) and is acknowledged.
     *
     * @param event  the event
     * @param reason why
     * @return completes when moved
     */
    CompletionStage<Void> deadLetter(Event event, String reason);

    /**
     * The dead letters, newest first.
     *
     * @param count the most to return
     * @return each dead letter's body
     */
    CompletionStage<List<String>> deadLetters(int count);

    /**
     * The log's state.
     *
     * @return pending, lag and dead letters
     */
    CompletionStage<Stats> stats();
}
