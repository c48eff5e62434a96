package io.chatrelay.bench;

import com.fasterxml.jackson.databind.JsonNode;

import java.net.URI;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A publisher, connected straight to a gateway that is not killed: joins its rooms after every
 * welcome and sends when told to; each {@code ack} goes to the run's {@link Acks} with the
 * message's room (message {@code k} goes to room {@code k % rooms}; its {@code ref} is {@code k}).
 */
final class StormPublisher extends StormLink {
    /** Where acks go (a selector thread calls it). */
    interface Acks {
        void acked(int room, long id, long nanos);
    }

    private final List<String> roomNames;
    private final int rooms;
    private final Acks acks;
    /** Completes when the first connection has joined all its rooms. */
    final CompletableFuture<Void> firstReady = new CompletableFuture<>();
    private int joinedRooms;
    private boolean ready;
    private long sent;
    private long acked;
    private long refused;
    private long notSent;
    private long lostInFlight;

    /** What the run reads of a publisher at the end. */
    record Tally(long sent, long acked, long refused, long notSent, long lostInFlight) {
        long inFlight() {
            return sent - acked - refused - lostInFlight;
        }
    }

    StormPublisher(Context ctx, String target, String name, List<String> roomNames, int rooms, Acks acks) {
        super(ctx, name, URI.create(target + "/ws?name=" + name));
        this.roomNames = List.copyOf(roomNames);
        this.rooms = rooms;
        this.acks = acks;
    }

    @Override
    protected void onWelcome(long nanos) {
        joinedRooms = 0;
        ready = false;
        for (String r : roomNames) {
            send("{\"type\":\"join\",\"room\":\"" + r + "\"}");
        }
    }

    @Override
    protected void onFrame(String type, JsonNode f, long nanos) {
        switch (type) {
            case "joined" -> {
                if (roomNames.contains(f.path("room").asText()) && ++joinedRooms == roomNames.size()) {
                    ready = true;
                    firstReady.complete(null);
                }
            }
            case "ack" -> ack(f, nanos);
            case "error" -> {
                if (f.hasNonNull("ref")) {
                    refused++;
                }
                ctx.stats().error(f.toString());
            }
            default -> {
                // messages of its rooms, presence, pong
            }
        }
    }

    private void ack(JsonNode f, long nanos) {
        long k;
        long id;
        try {
            k = Long.parseLong(f.path("ref").asText(""));
            id = StormLedger.id(f.path("id").asText(null));
        } catch (IllegalArgumentException e) {
            ctx.stats().badFrames.increment();
            return;
        }
        acked++;
        acks.acked((int) (k % rooms), id, nanos);
    }

    @Override
    protected void onDisconnected(int code, long nanos) {
        ready = false;
        lostInFlight += sent - acked - refused - lostInFlight; // their outcome is unknown
    }

    /** Sends message {@code k} to {@code room} (its name); false if not connected and joined. */
    boolean publish(String roomName, long k) {
        String frame = "{\"type\":\"send\",\"room\":\"" + roomName + "\",\"text\":\"storm " + k + "\",\"ref\":\"" + k + "\"}";
        return locked(() -> {
            boolean ok = ready && send(frame);
            if (ok) {
                sent++;
            } else {
                notSent++;
            }
            return ok;
        });
    }

    Tally tally() {
        return locked(() -> new Tally(sent, acked, refused, notSent, lostInFlight));
    }
}
