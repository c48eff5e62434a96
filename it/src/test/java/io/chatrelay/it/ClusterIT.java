package io.chatrelay.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.dockerjava.api.model.Container;
import io.lettuce.core.cluster.SlotHash;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.logging.Logger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The compose stack on a three-master Redis Cluster ({@code docker-compose.yml} +
 * {@code docker-compose.cluster.yml}): three gateways behind HAProxy, with
 * {@code CHAT_REDIS_CLUSTER=true}. Rooms are picked so that each shard holds one (by the hash slot
 * of {@code chat:{room:<name>}:log}, checked against the cluster's own {@code CLUSTER KEYSLOT},
 * {@code CLUSTER NODES} and the node that stores the stream); in a room on every shard, clients
 * on different gateways exchange messages, {@code joined} carries the history, a client recovers
 * with {@code since}, and presence crosses gateways; clients chatting in rooms on all shards at
 * once converge. (Last, disabled until a broker-adapter fix: a master restart while clients chat.)
 * One stack for the class.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class ClusterIT {
    private static final Logger LOG = Logger.getLogger(ClusterIT.class.getName());
    private static final String CLUSTER_FILE = "docker-compose.cluster.yml";
    private static final List<String> NODE_SERVICES = List.of("redis-1", "redis-2", "redis-3");
    private static final int MAX_ATTEMPTS = 12;

    private static ComposeStack stack;
    /** The masters, ordered by their first slot. */
    private static List<Shard> shards;

    private final List<AutoCloseable> open = new ArrayList<>();

    /** A master: its container and the slot ranges it serves (from CLUSTER NODES). */
    record Shard(String service, String containerId, String nodeId, List<int[]> ranges) {
        boolean owns(int slot) {
            return ranges.stream().anyMatch(r -> slot >= r[0] && slot <= r[1]);
        }

        int firstSlot() {
            return ranges.stream().mapToInt(r -> r[0]).min().orElse(Integer.MAX_VALUE);
        }

        int slotCount() {
            return ranges.stream().mapToInt(r -> r[1] - r[0] + 1).sum();
        }
    }

    @BeforeAll
    @Timeout(value = 20, unit = TimeUnit.MINUTES)
    static void startStack() throws Exception {
        stack = new ComposeStack(List.of(CLUSTER_FILE), Map.of());
        stack.start();
        shards = readTopology();
        LOG.info(() -> "shards: " + shards.stream().map(s -> s.service() + "=" + s.nodeId().substring(0, 8) + " "
                + s.ranges().stream().map(r -> r[0] + "-" + r[1]).toList()).toList());
    }

    @AfterAll
    static void stopStack() {
        if (stack != null) {
            stack.close();
        }
    }

    @AfterEach
    void closeClients() throws Exception {
        for (AutoCloseable c : open) {
            c.close();
        }
        open.clear();
    }

    @Test
    void theClusterHasThreeMastersThatServeEverySlot() throws Exception {
        assertThat(stack.containers(ComposeStack.REDIS)).as("the single redis of docker-compose.yml is disabled").isEmpty();
        assertThat(shards).hasSize(3);
        assertThat(shards.stream().mapToInt(Shard::slotCount).sum()).isEqualTo(16384);
        for (Shard s : shards) {
            String info = redis(s, "cluster", "info");
            assertThat(info).as("cluster info of %s", s.service())
                    .contains("cluster_state:ok", "cluster_slots_assigned:16384", "cluster_known_nodes:3", "cluster_size:3");
        }
        Container init = stack.containers("redis-cluster-init").getFirst();
        assertThat(init.getState()).isEqualTo("exited");
        assertThat(init.getStatus()).startsWith("Exited (0)");
        // every gateway is connected to the cluster (their readiness needs the broker UP)
        assertThat(stack.healthyGateways()).hasSize(ComposeStack.GATEWAYS);
    }

    @ParameterizedTest(name = "room on shard {0}")
    @ValueSource(ints = {0, 1, 2})
    void clientsOnDifferentGatewaysChatInARoomOnEveryShard(int shard) throws Exception {
        String room = roomOn(shard, "talk");
        ChatClient alice = join(open("alice-" + unique()), room);
        ChatClient bob = join(openAvoiding("bob-" + unique(), Set.of(alice.node())), room);
        assertThat(bob.node()).isNotEqualTo(alice.node());

        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            String text = "from alice " + i;
            String id = sendAcked(alice, room, text);
            JsonNode atBob = bob.await(message(room, text), ChatClient.FRAME_TIMEOUT);
            assertThat(atBob.path("id").asText()).isEqualTo(id);
            assertThat(atBob.path("from").asText()).isEqualTo(alice.user());
            ids.add(id);
        }
        String reply = "from bob";
        String replyId = sendAcked(bob, room, reply);
        assertThat(alice.await(message(room, reply), ChatClient.FRAME_TIMEOUT).path("id").asText()).isEqualTo(replyId);
        ids.add(replyId);
        assertThat(ids).isEqualTo(ResilientClient.sorted(ids));

        // the room's stream is on the shard its hash slot names, and only there
        assertStoredOnlyOn(shard, room, ids.size());
    }

    @ParameterizedTest(name = "room on shard {0}")
    @ValueSource(ints = {0, 1, 2})
    void joinedCarriesTheHistoryOfARoomOnEveryShard(int shard) throws Exception {
        String room = roomOn(shard, "history");
        ChatClient writer = join(open("writer-" + unique()), room);
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            ids.add(sendAcked(writer, room, "old " + i));
        }
        ChatClient late = openAvoiding("late-" + unique(), Set.of(writer.node()));
        late.send(ChatClient.frame("join").put("room", room));
        JsonNode joined = late.await(joined(room), ChatClient.FRAME_TIMEOUT);
        List<String> history = new ArrayList<>();
        joined.path("messages").forEach(m -> history.add(m.path("id").asText()));
        assertThat(history).isEqualTo(ids);
        assertThat(joined.path("messages").get(0).path("text").asText()).isEqualTo("old 0");
        assertThat(joined.has("recovered")).as("no `recovered` without since").isFalse();
        assertThat(joined.path("members").toString()).contains(writer.user(), late.user());
    }

    @ParameterizedTest(name = "room on shard {0}")
    @ValueSource(ints = {0, 1, 2})
    void aClientRecoversWhatItMissedWithSinceInARoomOnEveryShard(int shard) throws Exception {
        String room = roomOn(shard, "recover");
        String readerName = "reader-" + unique();
        ChatClient writer = join(open("writer-" + unique()), room);
        ChatClient reader = join(openAvoiding(readerName, Set.of(writer.node())), room);
        String seen = null;
        for (int i = 0; i < 3; i++) {
            String text = "before " + i;
            sendAcked(writer, room, text);
            seen = reader.await(message(room, text), ChatClient.FRAME_TIMEOUT).path("id").asText();
        }
        reader.close();

        List<String> missed = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            missed.add(sendAcked(writer, room, "missed " + i));
        }
        ChatClient back = open(readerName);
        back.send(ChatClient.frame("join").put("room", room).put("since", seen));
        JsonNode joined = back.await(joined(room), ChatClient.FRAME_TIMEOUT);
        assertThat(joined.path("recovered").asBoolean(false)).isTrue();
        List<String> recovered = new ArrayList<>();
        joined.path("messages").forEach(m -> recovered.add(m.path("id").asText()));
        assertThat(recovered).isEqualTo(missed);

        // and the live stream continues after the recovered page, without duplicates
        String after = sendAcked(writer, room, "after");
        JsonNode live = back.await(f -> "message".equals(f.path("type").asText()) && room.equals(f.path("room").asText()),
                ChatClient.FRAME_TIMEOUT);
        assertThat(live.path("id").asText()).isEqualTo(after);
    }

    @ParameterizedTest(name = "room on shard {0}")
    @ValueSource(ints = {0, 1, 2})
    void presenceCrossesGatewaysInARoomOnEveryShard(int shard) throws Exception {
        String room = roomOn(shard, "presence");
        ChatClient observer = join(open("observer-" + unique()), room);
        ChatClient visitor = openAvoiding("visitor-" + unique(), Set.of(observer.node()));
        visitor.send(ChatClient.frame("join").put("room", room));
        JsonNode joined = visitor.await(joined(room), ChatClient.FRAME_TIMEOUT);
        assertThat(joined.path("members").toString()).contains(observer.user(), visitor.user());
        observer.await(presence(room, visitor.user(), "join"), ChatClient.FRAME_TIMEOUT);

        visitor.send(ChatClient.frame("leave").put("room", room));
        visitor.await(f -> "left".equals(f.path("type").asText()) && room.equals(f.path("room").asText()), ChatClient.FRAME_TIMEOUT);
        observer.await(presence(room, visitor.user(), "leave"), ChatClient.FRAME_TIMEOUT);
    }

    @Test
    void clientsChattingInRoomsOnAllShardsAtOnceConverge() throws Exception {
        Map<String, List<ResilientClient>> rooms = busyRooms();
        try (Chatter chatter = new Chatter(rooms.values().stream().flatMap(List::stream).toList())) {
            awaitAcked(rooms, 60, Duration.ofSeconds(60));
        }
        for (Map.Entry<String, List<ResilientClient>> e : rooms.entrySet()) {
            Convergence.assertConverged(e.getValue(), 30);
        }
    }

    /**
     * The gateways stay ready, and keep relaying, for longer than Lettuce's periodic topology
     * refresh (30 s, broker-adapter's RedisConnections), which closes and replaces node
     * connections: a connection closed on purpose must not count as down.
     */
    @Test
    @Order(Integer.MAX_VALUE - 1)
    void gatewaysStayReadyLongerThanATopologyRefreshPeriod() throws Exception {
        await().pollDelay(Duration.ofSeconds(40)).atMost(Duration.ofSeconds(41)).until(() -> true);
        assertThat(stack.upServersInLb()).as("gateways UP in HAProxy").isEqualTo(ComposeStack.GATEWAYS);
        for (int shard = 0; shard < shards.size(); shard++) {
            String room = roomOn(shard, "later");
            ChatClient alice = join(open("alice-" + unique()), room);
            ChatClient bob = join(openAvoiding("bob-" + unique(), Set.of(alice.node())), room);
            String id = sendAcked(alice, room, "still here");
            assertThat(bob.await(message(room, "still here"), ChatClient.FRAME_TIMEOUT).path("id").asText()).isEqualTo(id);
        }
    }

    /**
     * One master down for longer than the cluster node timeout (the others mark it failed: the
     * cluster is down), then back: the gateways must become ready again and every room converge.
     */
    @Test
    @Order(Integer.MAX_VALUE)
    void aMasterDownLongerThanTheNodeTimeoutRecoversWithoutLoss() throws Exception {
        Map<String, List<ResilientClient>> rooms = busyRooms();
        Shard restarted = shards.get(1);
        try (Chatter chatter = new Chatter(rooms.values().stream().flatMap(List::stream).toList())) {
            awaitAcked(rooms, 30, Duration.ofSeconds(60));
            LOG.info(() -> "stopping " + restarted.service() + " for 10 s (node timeout: 5 s)");
            stack.stop(restarted.containerId(), 10);
            await().pollDelay(Duration.ofSeconds(10)).atMost(Duration.ofSeconds(11)).until(() -> true);
            stack.startContainer(restarted.containerId());
            await("cluster_state:ok on every master").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(1))
                    .ignoreExceptions()
                    .until(() -> shards.stream().allMatch(s -> call(s, "cluster", "info").contains("cluster_state:ok")));
            await("every gateway ready again").atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofSeconds(1))
                    .ignoreExceptions().until(() -> stack.upServersInLb() == ComposeStack.GATEWAYS);
            awaitMore(rooms, 30, Duration.ofSeconds(90));
        }
        for (Map.Entry<String, List<ResilientClient>> e : rooms.entrySet()) {
            Convergence.assertConverged(e.getValue(), 30);
        }
    }

    /** A room on every shard, three {@link ResilientClient}s in each, all joined. */
    private Map<String, List<ResilientClient>> busyRooms() throws Exception {
        Map<String, List<ResilientClient>> rooms = new LinkedHashMap<>();
        for (int shard = 0; shard < shards.size(); shard++) {
            String room = roomOn(shard, "busy");
            List<ResilientClient> clients = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                clients.add(track(new ResilientClient(stack.wsBase(), "c" + i + "-" + unique(), room)));
            }
            rooms.put(room, clients);
        }
        List<ResilientClient> all = rooms.values().stream().flatMap(List::stream).toList();
        await().atMost(Duration.ofSeconds(30)).until(() -> all.stream().allMatch(ResilientClient::joined));
        assertThat(all.stream().map(c -> c.nodes().getLast()).distinct().count())
                .as("the clients are spread over the gateways").isGreaterThan(1);
        return rooms;
    }

    // ------------------------------------------------------------------ the cluster

    /** The masters from CLUSTER NODES, each mapped to its compose container by CLUSTER MYID. */
    private static List<Shard> readTopology() throws Exception {
        Map<String, String[]> byNodeId = new LinkedHashMap<>();
        for (String service : NODE_SERVICES) {
            Container c = stack.containers(service).getFirst();
            String myId = stack.exec(c.getId(), "redis-cli", "cluster", "myid").trim();
            byNodeId.put(myId, new String[] {service, c.getId()});
        }
        String nodes = stack.exec(stack.containers(NODE_SERVICES.getFirst()).getFirst().getId(), "redis-cli", "cluster", "nodes");
        List<Shard> masters = new ArrayList<>();
        for (String line : nodes.split("\n")) {
            String[] f = line.trim().split(" ");
            if (f.length < 8 || !f[2].contains("master")) {
                continue;
            }
            List<int[]> ranges = new ArrayList<>();
            for (int i = 8; i < f.length; i++) {
                String[] r = f[i].split("-");
                int from = Integer.parseInt(r[0]);
                ranges.add(new int[] {from, r.length > 1 ? Integer.parseInt(r[1]) : from});
            }
            String[] where = byNodeId.get(f[0]);
            assertThat(where).as("node %s of CLUSTER NODES is one of %s", f[0], NODE_SERVICES).isNotNull();
            masters.add(new Shard(where[0], where[1], f[0], ranges));
        }
        masters.sort(Comparator.comparingInt(Shard::firstSlot));
        return List.copyOf(masters);
    }

    /** A fresh room name whose keys hash to a slot of shard {@code index}; the slot is checked with CLUSTER KEYSLOT. */
    private static String roomOn(int index, String prefix) throws Exception {
        Shard shard = shards.get(index);
        for (int i = 0; i < 10_000; i++) {
            String room = prefix + "-" + unique();
            int slot = SlotHash.getSlot(streamKey(room));
            if (shard.owns(slot)) {
                String byServer = redis(shard, "cluster", "keyslot", streamKey(room)).trim();
                assertThat(Integer.parseInt(byServer)).as("CLUSTER KEYSLOT %s", streamKey(room)).isEqualTo(slot);
                for (String other : List.of(":ch", ":presence")) {
                    assertThat(SlotHash.getSlot("chat:{room:" + room + "}" + other)).as("same hash tag, same slot").isEqualTo(slot);
                }
                return room;
            }
        }
        throw new AssertionError("no room name found for shard " + index);
    }

    private static String streamKey(String room) {
        return "chat:{room:" + room + "}:log";
    }

    /** The room's stream holds {@code length} entries on its shard; the other masters hold no key of its slot. */
    private static void assertStoredOnlyOn(int index, String room, int length) throws Exception {
        int slot = SlotHash.getSlot(streamKey(room));
        for (int i = 0; i < shards.size(); i++) {
            Shard s = shards.get(i);
            if (i == index) {
                assertThat(redis(s, "xlen", streamKey(room)).trim()).as("XLEN on %s", s.service()).isEqualTo(Integer.toString(length));
                assertThat(Integer.parseInt(redis(s, "cluster", "countkeysinslot", Integer.toString(slot)).trim())).isPositive();
            } else {
                assertThat(redis(s, "cluster", "countkeysinslot", Integer.toString(slot)).trim())
                        .as("keys of slot %d on %s", slot, s.service()).isEqualTo("0");
            }
        }
    }

    private static String redis(Shard shard, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("redis-cli"));
        cmd.addAll(List.of(args));
        return stack.exec(shard.containerId(), cmd.toArray(String[]::new));
    }

    // ------------------------------------------------------------------ clients

    private ChatClient open(String name) throws Exception {
        return track(ChatClient.connectToLobby(stack.wsBase(), name));
    }

    /** A connection on a gateway not in {@code avoid} (leastconn makes this quick); bounded attempts. */
    private ChatClient openAvoiding(String name, Set<String> avoid) throws Exception {
        return track(ChatClient.connectAvoiding(stack.wsBase(), name, avoid, MAX_ATTEMPTS));
    }

    private static ChatClient join(ChatClient client, String room) {
        client.send(ChatClient.frame("join").put("room", room));
        client.await(joined(room), ChatClient.FRAME_TIMEOUT);
        return client;
    }

    private static String sendAcked(ChatClient client, String room, String text) {
        String ref = "ref-" + unique();
        client.send(ChatClient.sendFrame(room, text, ref));
        return client.await(f -> "ack".equals(f.path("type").asText()) && ref.equals(f.path("ref").asText()),
                ChatClient.FRAME_TIMEOUT).path("id").asText();
    }

    private <T extends AutoCloseable> T track(T c) {
        open.add(c);
        return c;
    }

    private static Predicate<JsonNode> joined(String room) {
        return f -> "joined".equals(f.path("type").asText()) && room.equals(f.path("room").asText());
    }

    private static Predicate<JsonNode> message(String room, String text) {
        return f -> "message".equals(f.path("type").asText()) && room.equals(f.path("room").asText())
                && text.equals(f.path("text").asText());
    }

    private static Predicate<JsonNode> presence(String room, String user, String event) {
        return f -> "presence".equals(f.path("type").asText()) && room.equals(f.path("room").asText())
                && user.equals(f.path("user").asText()) && event.equals(f.path("event").asText());
    }

    private static String call(Shard shard, String... args) {
        try {
            return redis(shard, args);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Until every room has at least {@code n} acknowledged messages. */
    private static void awaitAcked(Map<String, List<ResilientClient>> rooms, long n, Duration atMost) {
        await("" + n + " acknowledged messages in every room").atMost(atMost)
                .until(() -> rooms.values().stream().allMatch(cs -> Chatter.acked(cs) >= n));
    }

    /** Until every room has {@code n} more acknowledged messages than now. */
    private static void awaitMore(Map<String, List<ResilientClient>> rooms, long n, Duration atMost) {
        Map<String, Long> now = new LinkedHashMap<>();
        rooms.forEach((room, cs) -> now.put(room, Chatter.acked(cs)));
        await("" + n + " more acknowledged messages in every room").atMost(atMost)
                .until(() -> rooms.entrySet().stream().allMatch(e -> Chatter.acked(e.getValue()) >= now.get(e.getKey()) + n));
    }

    private static String unique() {
        return UUID.randomUUID().toString().substring(0, 8);
    }
}
