package io.chatrelay.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.dockerjava.api.model.Container;
import io.chatrelay.testkit.ChatClient;
import io.chatrelay.testkit.Frames;
import io.chatrelay.testkit.ResilientClient;
import io.lettuce.core.cluster.SlotHash;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
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
 * The compose stack on a Redis Cluster of three masters with one replica each
 * ({@code docker-compose.yml} + {@code docker-compose.cluster.yml}): three gateways behind
 * HAProxy, with {@code CHAT_REDIS_CLUSTER=true} and {@code CHAT_REDIS_DURABILITY=replica}; every
 * node requires the stack's Redis password (the tests' {@code redis-cli} reads it from the node's
 * secrets volume, {@link #cli}). Rooms
 * are picked so that each shard holds one (by the hash slot of {@code chat:{room:<name>}:log},
 * checked against the cluster's own {@code CLUSTER KEYSLOT}, {@code CLUSTER NODES} and the node
 * that stores the stream); in a room on every shard, clients on different gateways exchange
 * messages, {@code joined} carries the history, a client recovers with {@code since}, and
 * presence crosses gateways; clients chatting in rooms on all shards at once converge; the
 * gateways stay ready past a topology refresh. Then the faults ({@link ShardFaults}), last: a
 * whole shard stopped (master and replica killed) takes down only its own room while the others
 * keep chatting, and comes back; a master killed while clients chat is failed over to its
 * replica, and no acknowledged message is lost. One stack for the class
 * ({@link ComposeStackExtension}).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class ClusterIT {
    private static final Logger LOG = Logger.getLogger(ClusterIT.class.getName());
    private static final String CLUSTER_FILE = "docker-compose.cluster.yml";
    private static final List<String> NODE_SERVICES = List.of("redis-1", "redis-2", "redis-3", "redis-4", "redis-5", "redis-6");
    private static final int MAX_ATTEMPTS = 12;

    /** The cluster stack; also closes every client a test opens ({@link #track}) after each test. */
    @RegisterExtension
    static final ComposeStackExtension STACK = ComposeStackExtension.of(CLUSTER_FILE);
    /** The masters, ordered by their first slot. */
    private static List<Shard> shards;
    /** When the stack was up (its gateways connected to the cluster before). */
    private static long stackUpNanos;

    /** A master: its container, the slot ranges it serves and its replica's container (from CLUSTER NODES). */
    record Shard(String service, String containerId, String nodeId, List<int[]> ranges, String replicaContainerId) {
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

    /** Runs once the stack is up (the extension's beforeAll comes first). */
    @BeforeAll
    static void readShards() throws Exception {
        stackUpNanos = System.nanoTime();
        shards = readTopology();
        LOG.info(() -> "shards: " + shards.stream().map(s -> s.service() + "=" + s.nodeId().substring(0, 8) + " "
                + s.ranges().stream().map(r -> r[0] + "-" + r[1]).toList()).toList());
    }

    @Test
    void theClusterHasThreeMastersWithAReplicaEachThatServeEverySlot() throws Exception {
        assertThat(STACK.stack().containers(ComposeStack.REDIS)).as("the single redis of docker-compose.yml is disabled").isEmpty();
        assertThat(shards).hasSize(3);
        assertThat(shards.stream().mapToInt(Shard::slotCount).sum()).isEqualTo(16384);
        for (Shard s : shards) {
            String info = redis(s, "cluster", "info");
            assertThat(info).as("cluster info of %s", s.service())
                    .contains("cluster_state:ok", "cluster_slots_assigned:16384", "cluster_known_nodes:6", "cluster_size:3");
            assertThat(s.replicaContainerId()).as("replica of %s", s.service()).isNotNull();
            assertThat(STACK.stack().exec(s.containerId(), "redis-cli", "cluster", "info")).as("without the password")
                    .contains("NOAUTH").doesNotContain("cluster_state");
            assertThat(cli(s.replicaContainerId(), "info", "replication"))
                    .contains("role:slave", "master_link_status:up");
        }
        for (String node : STACK.stack().healthyGateways()) {
            assertThat(STACK.stack().gatewayOfNode(node).getConfig().getEnv()).as("environment of %s", node)
                    .contains("CHAT_REDIS_DURABILITY=replica");
        }
        Container init = STACK.stack().containers("redis-cluster-init").getFirst();
        assertThat(init.getState()).isEqualTo("exited");
        assertThat(init.getStatus()).startsWith("Exited (0)");
        // every gateway is connected to the cluster (their readiness needs the broker UP)
        assertThat(STACK.stack().healthyGateways()).hasSize(ComposeStack.GATEWAYS);
    }

    @ParameterizedTest(name = "room on shard {0}")
    @ValueSource(ints = {0, 1, 2})
    void clientsOnDifferentGatewaysChatInARoomOnEveryShard(int shard) throws Exception {
        String room = roomOn(shard, "talk");
        String aliceName = "alice-" + unique();
        ChatClient alice = join(open(aliceName), room);
        ChatClient bob = join(openAvoiding("bob-" + unique(), Set.of(alice.node())), room);
        assertThat(bob.node()).isNotEqualTo(alice.node());

        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            String text = "from alice " + i;
            String id = sendAcked(alice, room, text);
            JsonNode atBob = bob.next(message(room, text), ChatClient.WAIT);
            assertThat(atBob.path("id").asText()).isEqualTo(id);
            assertThat(atBob.path("from").asText()).isEqualTo(alice.user());
            assertThat(atBob.path("name").asText()).isEqualTo(aliceName);
            ids.add(id);
        }
        String reply = "from bob";
        String replyId = sendAcked(bob, room, reply);
        assertThat(alice.next(message(room, reply), ChatClient.WAIT).path("id").asText()).isEqualTo(replyId);
        ids.add(replyId);
        assertThat(ids).isEqualTo(Frames.sorted(ids));

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
        late.send(Frames.frame("join").put("room", room));
        JsonNode joined = late.next(joined(room), ChatClient.WAIT);
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
            seen = reader.next(message(room, text), ChatClient.WAIT).path("id").asText();
        }
        reader.close();

        List<String> missed = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            missed.add(sendAcked(writer, room, "missed " + i));
        }
        // back through the load balancer by name: a new guest id with the same display name (the
        // recovery is the room's: since is all it needs)
        ChatClient back = open(readerName);
        back.send(Frames.frame("join").put("room", room).put("since", seen));
        JsonNode joined = back.next(joined(room), ChatClient.WAIT);
        assertThat(joined.path("recovered").asBoolean(false)).isTrue();
        List<String> recovered = new ArrayList<>();
        joined.path("messages").forEach(m -> recovered.add(m.path("id").asText()));
        assertThat(recovered).isEqualTo(missed);

        // and the live stream continues after the recovered page, without duplicates
        String after = sendAcked(writer, room, "after");
        JsonNode live = back.next(f -> "message".equals(f.path("type").asText()) && room.equals(f.path("room").asText()),
                ChatClient.WAIT);
        assertThat(live.path("id").asText()).isEqualTo(after);
    }

    @ParameterizedTest(name = "room on shard {0}")
    @ValueSource(ints = {0, 1, 2})
    void presenceCrossesGatewaysInARoomOnEveryShard(int shard) throws Exception {
        String room = roomOn(shard, "presence");
        ChatClient observer = join(open("observer-" + unique()), room);
        ChatClient visitor = openAvoiding("visitor-" + unique(), Set.of(observer.node()));
        visitor.send(Frames.frame("join").put("room", room));
        JsonNode joined = visitor.next(joined(room), ChatClient.WAIT);
        assertThat(joined.path("members").toString()).contains(observer.user(), visitor.user());
        observer.next(presence(room, visitor.user(), "join"), ChatClient.WAIT);

        visitor.send(Frames.frame("leave").put("room", room));
        visitor.next(f -> "left".equals(f.path("type").asText()) && room.equals(f.path("room").asText()), ChatClient.WAIT);
        observer.next(presence(room, visitor.user(), "leave"), ChatClient.WAIT);
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
     * connections: a connection closed on purpose must not count as down. Checked once the stack
     * has been up for 40 s (the tests before this one count).
     */
    @Test
    @Order(Integer.MAX_VALUE - 2)
    void gatewaysStayReadyLongerThanATopologyRefreshPeriod() throws Exception {
        Duration left = Duration.ofSeconds(40).minusNanos(System.nanoTime() - stackUpNanos);
        if (left.isPositive()) {
            await().pollDelay(left).atMost(left.plusSeconds(1)).until(() -> true);
        }
        assertThat(STACK.stack().upServersInLb()).as("gateways UP in HAProxy").isEqualTo(ComposeStack.GATEWAYS);
        for (int shard = 0; shard < shards.size(); shard++) {
            String room = roomOn(shard, "later");
            ChatClient alice = join(open("alice-" + unique()), room);
            ChatClient bob = join(openAvoiding("bob-" + unique(), Set.of(alice.node())), room);
            String id = sendAcked(alice, room, "still here");
            assertThat(bob.next(message(room, "still here"), ChatClient.WAIT).path("id").asText()).isEqualTo(id);
        }
    }

    /**
     * A whole shard stopped (its master and its replica killed: no failover possible) while
     * clients chat in a room on every shard: the other rooms keep exchanging messages with no
     * pause, the stopped shard's room answers {@code broker_unavailable}, every gateway stays
     * ready; once the shard is started again its room works again, and every room converges.
     */
    @Test
    @Order(Integer.MAX_VALUE - 1)
    void aStoppedShardTakesDownOnlyItsOwnRoom() throws Exception {
        new ShardFaults(STACK, shards, busyRooms()).stopAWholeShard();
        shards = readTopology();
    }

    /**
     * A master killed while clients chat in a room on every shard: its replica is promoted, the
     * gateways follow, and in the {@code replica} durability mode every acknowledged message
     * reaches every member exactly once and in order; the other rooms do not pause.
     */
    @Test
    @Order(Integer.MAX_VALUE)
    void aKilledMasterIsFailedOverToItsReplicaWithoutLosingAnAcknowledgedMessage() throws Exception {
        new ShardFaults(STACK, shards, busyRooms()).killAMaster();
        shards = readTopology();
    }

    /** A room on every shard, three {@link ResilientClient}s in each, all joined. */
    private Map<String, List<ResilientClient>> busyRooms() throws Exception {
        Map<String, List<ResilientClient>> rooms = new LinkedHashMap<>();
        for (int shard = 0; shard < shards.size(); shard++) {
            String room = roomOn(shard, "busy");
            List<ResilientClient> clients = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                clients.add(track(new ResilientClient(STACK.stack().wsBase(), "c" + i + "-" + unique(), room)));
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

    /** The masters from CLUSTER NODES, each mapped to its compose container by CLUSTER MYID, with its replica. */
    static List<Shard> readTopology() throws Exception {
        Map<String, String[]> byNodeId = new LinkedHashMap<>();
        for (String service : NODE_SERVICES) {
            Container c = STACK.stack().containers(service).getFirst();
            String myId = cli(c.getId(), "cluster", "myid").trim();
            byNodeId.put(myId, new String[] {service, c.getId()});
        }
        String nodes = cli(STACK.stack().containers(NODE_SERVICES.getFirst()).getFirst().getId(), "cluster", "nodes");
        Map<String, String> replicaOf = new LinkedHashMap<>();
        for (String line : nodes.split("\n")) {
            String[] f = line.trim().split(" ");
            if (f.length >= 8 && f[2].contains("slave") && !f[2].contains("fail") && byNodeId.containsKey(f[0])) {
                replicaOf.put(f[3], byNodeId.get(f[0])[1]);
            }
        }
        List<Shard> masters = new ArrayList<>();
        for (String line : nodes.split("\n")) {
            String[] f = line.trim().split(" ");
            if (f.length < 9 || !f[2].contains("master") || f[2].contains("fail")) {
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
            masters.add(new Shard(where[0], where[1], f[0], ranges, replicaOf.get(f[0])));
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

    static String streamKey(String room) {
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
        return cli(shard.containerId(), args);
    }

    /**
     * {@code redis-cli} in a node's container, authenticated with the password of the stack's
     * secrets (never on the command line), as the nodes require it.
     */
    static String cli(String containerId, String... args) throws InterruptedException {
        List<String> command = new ArrayList<>(List.of("sh", "-c",
                "REDISCLI_AUTH=\"$(cat /run/secrets/redis/password)\" exec redis-cli \"$@\"", "redis-cli"));
        command.addAll(List.of(args));
        return STACK.stack().exec(containerId, command.toArray(String[]::new));
    }

    // ------------------------------------------------------------------ clients

    private static ChatClient open(String name) {
        return track(ChatClient.connectToLobby(STACK.stack().wsBase(), name));
    }

    /** A connection on a gateway not in {@code avoid} (leastconn makes this quick); bounded attempts. */
    private static ChatClient openAvoiding(String name, Set<String> avoid) {
        return track(ChatClient.connectAvoiding(STACK.stack().wsBase(), name, avoid, MAX_ATTEMPTS));
    }

    private static ChatClient join(ChatClient client, String room) {
        client.join(room);
        return client;
    }

    private static String sendAcked(ChatClient client, String room, String text) {
        return client.sendAcked(room, text);
    }

    private static <T extends AutoCloseable> T track(T c) {
        return STACK.track(c);
    }

    private static Predicate<JsonNode> joined(String room) {
        return Frames.joined(room);
    }

    private static Predicate<JsonNode> message(String room, String text) {
        return Frames.message(room, text);
    }

    private static Predicate<JsonNode> presence(String room, String user, String event) {
        return Frames.presence(room, user, event);
    }

    /** Until every room has at least {@code n} acknowledged messages. */
    static void awaitAcked(Map<String, List<ResilientClient>> rooms, long n, Duration atMost) {
        await("" + n + " acknowledged messages in every room").atMost(atMost)
                .until(() -> rooms.values().stream().allMatch(cs -> Chatter.acked(cs) >= n));
    }

    private static String unique() {
        return UUID.randomUUID().toString().substring(0, 8);
    }
}
