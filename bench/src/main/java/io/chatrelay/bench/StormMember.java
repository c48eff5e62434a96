package io.chatrelay.bench;

import com.fasterxml.jackson.databind.JsonNode;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A member of one room, connected through the load balancer: after every welcome it joins its
 * room, with {@code since} = the newest id it received (a reconnect recovers what it missed),
 * and it records every id of its room it receives, in the {@code joined} page or as a
 * {@code message} frame, with the time it came.
 */
final class StormMember extends StormLink {
    final int index;
    final int room;
    private final String roomName;
    private final AtomicLong killAt;
    private final StormLedger.Received received = new StormLedger.Received();
    /** Completes at the first {@code joined}. */
    final CompletableFuture<Void> firstJoined = new CompletableFuture<>();
    private boolean sinceSent;
    private boolean joined;
    private boolean baselineSet;
    private long baseline = -1;
    private long welcomedAfterKill = -1;
    private long rejoinedAfterKill = -1;
    private long recoveredAt = -1;
    private String nodeAtKill;
    private int welcomes;
    private int joins;
    private int joinsWithoutSince;
    private int recoveredFalse;
    private int closesAfterKill;

    /** What the run reads of a member at the end. */
    record Tally(int index, int room, String nodeAtKill, String node, long welcomedAfterKill, long rejoinedAfterKill,
                 long recoveredAt,
                 long expected, long missing, long receivedIds, long duplicates, long outOfOrder, int welcomes,
                 int joinsWithoutSince, int recoveredFalse, int closesAfterKill) {
    }

    StormMember(Context ctx, String lb, String name, int index, int room, String roomName, AtomicLong killAt) {
        super(ctx, name, URI.create(lb + "/ws?name=" + URLEncoder.encode(name, StandardCharsets.UTF_8)));
        this.index = index;
        this.room = room;
        this.roomName = roomName;
        this.killAt = killAt;
    }

    @Override
    protected void onWelcome(long nanos) {
        welcomes++;
        long kill = killAt.get();
        if (kill >= 0 && nanos > kill && welcomedAfterKill < 0) {
            welcomedAfterKill = nanos;
        }
        joined = false;
        long last = received.last();
        sinceSent = last >= 0;
        String join = "{\"type\":\"join\",\"room\":\"" + roomName + "\""
                + (sinceSent ? ",\"since\":\"" + StormLedger.text(last) + "\"" : "") + "}";
        send(join);
    }

    @Override
    protected void onFrame(String type, JsonNode f, long nanos) {
        switch (type) {
            case "message" -> {
                if (roomName.equals(f.path("room").asText())) {
                    record(f, nanos);
                    if (welcomes == 1 && f.has("ts")) {
                        ctx.stats().live(f.path("ts").asLong());
                    }
                }
            }
            case "joined" -> {
                if (roomName.equals(f.path("room").asText())) {
                    joined(f, nanos);
                }
            }
            case "error" -> ctx.stats().error(f.toString());
            default -> {
                // pong, presence, typing: not counted
            }
        }
    }

    private void joined(JsonNode f, long nanos) {
        joins++;
        joined = true;
        boolean recovered = f.path("recovered").asBoolean(false);
        if (sinceSent && !recovered) {
            recoveredFalse++;
        }
        if (!sinceSent && baselineSet) {
            joinsWithoutSince++;
        }
        for (JsonNode m : f.path("messages")) {
            record(m, nanos);
        }
        if (!baselineSet) {
            baselineSet = true;
            baseline = received.last();
            firstJoined.complete(null);
        }
        long kill = killAt.get();
        if (kill >= 0 && nanos > kill && rejoinedAfterKill < 0 && (recovered || !sinceSent)) {
            rejoinedAfterKill = nanos;
        }
    }

    private void record(JsonNode m, long nanos) {
        long id;
        try {
            id = StormLedger.id(m.path("id").asText(null));
        } catch (IllegalArgumentException e) {
            ctx.stats().badFrames.increment();
            return;
        }
        received.record(id, nanos);
    }

    @Override
    protected void onDisconnected(int code, long nanos) {
        joined = false;
        long kill = killAt.get();
        if (kill >= 0 && nanos > kill) {
            closesAfterKill++;
        }
    }

    /** Notes where it is at the kill; returns that node ({@code null} if not welcomed then). */
    String markKill() {
        return locked(() -> {
            nodeAtKill = welcomed() ? node() : null;
            return nodeAtKill;
        });
    }

    /** Its node at the kill ({@link #markKill}). */
    String markedNode() {
        return locked(() -> nodeAtKill);
    }

    /** Its node if it is welcomed and joined now, else {@code null}. */
    String joinedNode() {
        return locked(() -> joined && welcomed() ? node() : null);
    }

    /** When it had recovered ({@link StormLedger#recoveredAt}), -1 while it has not; kept once known. */
    long recoveredAt(long[] mustHave) {
        return locked(() -> {
            if (recoveredAt < 0) {
                recoveredAt = StormLedger.recoveredAt(received, rejoinedAfterKill, mustHave);
            }
            return recoveredAt;
        });
    }

    /** How many of {@code acked} it should have and has not received (yet). */
    long missing(long[] acked) {
        return locked(() -> StormLedger.missing(received, baseline, acked));
    }

    /** Its accounting at the end: {@code acked} of its room, {@code preKill} those acked before the kill. */
    Tally tally(long[] acked, long[] preKill) {
        return locked(() -> new Tally(index, room, nodeAtKill, joined && welcomed() ? node() : null, welcomedAfterKill,
                rejoinedAfterKill, StormLedger.recoveredAt(received, rejoinedAfterKill, preKill),
                StormLedger.expected(baseline, acked), StormLedger.missing(received, baseline, acked),
                received.count(), received.duplicates(), received.outOfOrder(), welcomes, joinsWithoutSince,
                recoveredFalse, closesAfterKill));
    }
}
