package io.chatrelay.broker.redis;

import com.github.dockerjava.api.DockerClient;
import io.lettuce.core.cluster.SlotHash;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.Container.ExecResult;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A Redis Cluster of {@code redis:8.0} containers for the broker's integration tests: on the host
 * network, each node bound to 127.0.0.1 on a port of its own, so that the addresses the nodes
 * announce are reachable from the test. Without persistence. Masters are created with
 * {@code redis-cli --cluster create}; each replica is added to a given master
 * ({@code --cluster add-node --cluster-slave --cluster-master-id}), so the pairs are known.
 * Nodes can be killed, started again and paused ({@code docker pause}: the process stops
 * answering, connections stay open), by port.
 */
final class TestCluster implements AutoCloseable {
    private final List<GenericContainer<?>> containers = new ArrayList<>();
    private final Map<Integer, GenericContainer<?>> byPort = new LinkedHashMap<>();
    private final List<Integer> ports = new ArrayList<>();
    private final DockerClient docker = DockerClientFactory.instance().client();
    /** First slot of each shard's range, to the port of the master serving it (from the last {@link #readTopology}). */
    private final TreeMap<Integer, Integer> masters = new TreeMap<>();
    /** Master port to the port of its replica (from the last {@link #readTopology}). */
    private final Map<Integer, Integer> replicas = new LinkedHashMap<>();

    private TestCluster() {
    }

    /**
     * Starts a cluster.
     *
     * @param masterCount       masters (at least 3: {@code --cluster create} wants 3)
     * @param replicasPerMaster replicas of each master (0 or 1)
     * @param extraConfig       more {@code redis-server} arguments for every node, e.g. {@code --cluster-node-timeout 2000}
     * @return the cluster, every slot served
     * @throws Exception if it did not come up
     */
    static TestCluster start(int masterCount, int replicasPerMaster, String... extraConfig) throws Exception {
        TestCluster cluster = new TestCluster();
        try {
            for (int i = 0; i < masterCount * (1 + replicasPerMaster); i++) {
                cluster.startNode(extraConfig);
            }
            List<String> create = new ArrayList<>(List.of("redis-cli", "--cluster", "create"));
            cluster.ports.subList(0, masterCount).forEach(p -> create.add("127.0.0.1:" + p));
            create.add("--cluster-yes");
            cluster.exec(create.toArray(String[]::new));
            for (int i = 0; i < masterCount * replicasPerMaster; i++) {
                int master = cluster.ports.get(i % masterCount);
                String masterId = cluster.cli(master, "CLUSTER", "MYID");
                cluster.exec("redis-cli", "--cluster", "add-node", "127.0.0.1:" + cluster.ports.get(masterCount + i),
                        "127.0.0.1:" + master, "--cluster-slave", "--cluster-master-id", masterId);
            }
            cluster.awaitHealthy(masterCount, masterCount * replicasPerMaster);
            return cluster;
        } catch (Exception | AssertionError e) {
            cluster.close();
            throw e;
        }
    }

    private void startNode(String... extraConfig) throws IOException {
        int port = freePortWithFreeBusPort();
        List<String> command = new ArrayList<>(List.of("redis-server", "--port", Integer.toString(port), "--bind", "127.0.0.1",
                "--cluster-enabled", "yes", "--cluster-config-file", "nodes-" + port + ".conf", "--save", "", "--appendonly", "no"));
        command.addAll(List.of(extraConfig));
        GenericContainer<?> node = new GenericContainer<>("redis:8.0")
                .withNetworkMode("host")
                .withCommand(command.toArray(String[]::new))
                .waitingFor(Wait.forLogMessage(".*Ready to accept connections.*", 1));
        containers.add(node); // before start: stopped in close() even if starting it fails
        ports.add(port);
        byPort.put(port, node);
        node.start();
    }

    /** Waits until every node says the cluster is ok with the given masters and replicas, then reads the topology. */
    void awaitHealthy(int masterCount, int replicaCount) throws Exception {
        await("cluster ok: " + masterCount + " masters, " + replicaCount + " replicas in sync").atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(250)).ignoreExceptions().until(() -> {
                    for (int port : ports) {
                        if (!cli(port, "CLUSTER", "INFO").contains("cluster_state:ok")) {
                            return false;
                        }
                    }
                    readTopology();
                    return masters.size() == masterCount && replicas.size() == replicaCount
                            && replicas.values().stream().allMatch(this::inSync);
                });
    }

    private boolean inSync(int replicaPort) {
        try {
            return cli(replicaPort, "INFO", "replication").contains("master_link_status:up");
        } catch (Exception e) {
            return false;
        }
    }

    /** Reads masters (by slot range) and replicas from CLUSTER NODES of a node that answers. */
    void readTopology() throws Exception {
        String nodes = null;
        for (int port : ports) {
            try {
                nodes = cli(port, "CLUSTER", "NODES");
                break;
            } catch (Exception | AssertionError e) {
                // that node is down: ask the next one
            }
        }
        assertThat(nodes).as("a node answers CLUSTER NODES").isNotNull();
        Map<String, Integer> portOfId = new LinkedHashMap<>();
        List<String[]> lines = new ArrayList<>();
        for (String line : nodes.split("\n")) {
            // <id> 127.0.0.1:<port>@<bus> <flags> <master id or -> <ping> <pong> <epoch> <link> <slots...>
            String[] f = line.trim().split(" ");
            if (f.length < 8) {
                continue;
            }
            portOfId.put(f[0], Integer.parseInt(f[1].substring(f[1].indexOf(':') + 1, f[1].indexOf('@'))));
            lines.add(f);
        }
        masters.clear();
        replicas.clear();
        for (String[] f : lines) {
            int port = portOfId.get(f[0]);
            if (f[2].contains("master") && !f[2].contains("fail") && f.length > 8) {
                masters.put(Integer.parseInt(f[8].split("-")[0]), port);
            } else if (f[2].contains("slave") && !f[2].contains("fail")) {
                replicas.put(portOfId.get(f[3]), port);
            }
        }
    }

    /** The seeds for {@code CHAT_REDIS_URI}: two nodes. */
    String seeds() {
        return "redis://127.0.0.1:" + ports.get(0) + ",redis://127.0.0.1:" + ports.get(1);
    }

    /** The master ports, ordered by their first slot. */
    List<Integer> masterPorts() {
        return List.copyOf(masters.values());
    }

    /** The port of the master serving a topic's keys (hash tag {@code {topic}}). */
    int masterOf(String topic) {
        return masters.floorEntry(SlotHash.getSlot("{" + topic + "}")).getValue();
    }

    /** The port of the master serving a key. */
    int masterOfKey(String key) {
        return masters.floorEntry(SlotHash.getSlot(key)).getValue();
    }

    /** The port of a master's replica. */
    int replicaOf(int masterPort) {
        Integer replica = replicas.get(masterPort);
        assertThat(replica).as("replica of %d in %s", masterPort, replicas).isNotNull();
        return replica;
    }

    /** {@code count} topics {@code base-n} on each master in turn. */
    List<String> topics(String base, int count) {
        List<Integer> shards = masterPorts();
        List<String> topics = new ArrayList<>();
        for (int i = 0, n = 0; topics.size() < count; n++) {
            String topic = base + "-" + n;
            if (masterOf(topic) == shards.get(i % shards.size())) {
                topics.add(topic);
                i++;
            }
        }
        return topics;
    }

    /** A topic on the master at {@code port}. */
    String topicOn(int port, String base) {
        for (int n = 0; ; n++) {
            if (masterOf(base + "-" + n) == port) {
                return base + "-" + n;
            }
        }
    }

    /** Runs redis-cli against a node, through a node that is running; fails on a non-zero exit. */
    String cli(int port, String... command) throws Exception {
        List<String> line = new ArrayList<>(List.of("redis-cli", "-p", Integer.toString(port)));
        line.addAll(List.of(command));
        return exec(line.toArray(String[]::new)).strip();
    }

    private String exec(String... command) throws Exception {
        for (GenericContainer<?> c : containers) {
            if (c.getContainerId() != null && Boolean.TRUE.equals(docker.inspectContainerCmd(c.getContainerId()).exec().getState().getRunning())
                    && !Boolean.TRUE.equals(docker.inspectContainerCmd(c.getContainerId()).exec().getState().getPaused())) {
                ExecResult result = c.execInContainer(command);
                assertThat(result.getExitCode()).as(String.join(" ", command) + ": " + result.getStdout() + result.getStderr()).isZero();
                assertThat(result.getStdout()).as(String.join(" ", command)).doesNotStartWith("Could not connect");
                return result.getStdout();
            }
        }
        throw new IllegalStateException("no node is running");
    }

    /** {@code docker kill}: the process dies, its connections are closed. */
    void kill(int port) {
        docker.killContainerCmd(byPort.get(port).getContainerId()).exec();
    }

    /** {@code docker start} of a killed node, then waits until it answers. */
    void restart(int port) {
        docker.startContainerCmd(byPort.get(port).getContainerId()).exec();
        await("node " + port + " answers").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                .until(() -> "PONG".equals(cli(port, "PING")));
    }

    /** {@code docker pause}: the process stops, its connections stay open. */
    void pause(int port) {
        docker.pauseContainerCmd(byPort.get(port).getContainerId()).exec();
    }

    /** {@code docker unpause}. */
    void unpause(int port) {
        docker.unpauseContainerCmd(byPort.get(port).getContainerId()).exec();
    }

    /**
     * A port whose cluster bus port (port + 10000) is free too and valid: a port from the ephemeral
     * range (up to 60999 here) would put the bus port past 65535, and Redis would refuse to start.
     */
    private int freePortWithFreeBusPort() throws IOException {
        for (int attempt = 0; attempt < 1000; attempt++) {
            int port = ThreadLocalRandom.current().nextInt(20_000, 30_000);
            if (!ports.contains(port) && free(port) && free(port + 10_000)) {
                return port;
            }
        }
        throw new IOException("no free port pair found");
    }

    private static boolean free(int port) {
        try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public void close() {
        for (GenericContainer<?> c : containers) {
            try {
                if (c.getContainerId() != null
                        && Boolean.TRUE.equals(docker.inspectContainerCmd(c.getContainerId()).exec().getState().getPaused())) {
                    docker.unpauseContainerCmd(c.getContainerId()).exec();
                }
            } catch (RuntimeException e) {
                // gone already
            }
            c.stop();
        }
    }
}
