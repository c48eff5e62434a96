package io.chatrelay.gateway.room;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/** A fake {@link Recipient} that records what it is given, safe to call from any thread. */
final class RecordingRecipient implements Recipient {
    /** One delivered frame. */
    record Delivery(String frame, boolean ephemeral) {
    }

    private final String user;
    private final List<Delivery> deliveries = new CopyOnWriteArrayList<>();
    private final AtomicInteger overflows = new AtomicInteger();

    RecordingRecipient(String user) {
        this.user = user;
    }

    @Override
    public String user() {
        return user;
    }

    @Override
    public void deliver(String frame, boolean ephemeral) {
        deliveries.add(new Delivery(frame, ephemeral));
    }

    @Override
    public void overflow() {
        overflows.incrementAndGet();
    }

    List<Delivery> deliveries() {
        return List.copyOf(deliveries);
    }

    List<String> frames() {
        return deliveries.stream().map(Delivery::frame).toList();
    }

    int overflows() {
        return overflows.get();
    }
}
