package io.chatrelay.it;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.ExecCreateCmdResponse;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.ContainerPort;
import com.github.dockerjava.api.model.Frame;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.ComposeContainer;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

import static org.awaitility.Awaitility.await;

/**
 * The project's real {@code docker-compose.yml} (redis, three gateways, HAProxy), started through
 * Testcontainers' {@link ComposeContainer} with the local {@code docker compose}, images built by
 * compose. {@code CHAT_LB_PORT} and {@code CHAT_STATS_PORT} set empty make compose publish the
 * load balancer on free ports of 127.0.0.1 instead of 8080/8404. Test classes get one through
 * {@link ComposeStackExtension}, which starts it before their tests and closes it after them.
 */
final class ComposeStack implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(ComposeStack.class.getName());

    static final String LB = "lb";
    static final String GATEWAY = "gateway";
    static final String REDIS = "redis";
    static final int GATEWAYS = 3;

    private static final String PROJECT_LABEL = "com.docker.compose.project";
    private static final String SERVICE_LABEL = "com.docker.compose.service";

    private final Path root;
    /** Unique per run: the compose project is this prefix plus a random suffix chosen by Testcontainers. */
    private final String projectPrefix =
            "chatrelay-it-" + UUID.randomUUID().toString().substring(0, 8).toLowerCase(Locale.ROOT);
    private final ComposeContainer compose;
    /** docker-compose.yml, then the override files, as given to {@code docker compose -f}. */
    private final List<File> composeFiles;
    /** The environment compose substitutes variables from (CHAT_LB_PORT, ...). */
    private final Map<String, String> composeEnv;
    private final DockerClient docker = DockerClientFactory.instance().client();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private int lbPort;
    private int statsPort;
    private int adminPort;

    /**
     * The stack of {@code docker-compose.yml} plus override files (paths relative to the
     * repository root, e.g. {@code docker-compose.cluster.yml}), with extra environment for
     * compose's variable substitution (added to, and able to override, the empty
     * {@code CHAT_LB_PORT}/{@code CHAT_STATS_PORT}).
     */
    ComposeStack(List<String> extraComposeFiles, Map<String, String> extraEnv) {
        this.root = projectRoot();
        List<File> files = new ArrayList<>();
        files.add(root.resolve("docker-compose.yml").toFile());
        extraComposeFiles.forEach(f -> files.add(root.resolve(f).toFile()));
        this.composeFiles = List.copyOf(files);
        Map<String, String> env = new LinkedHashMap<>();
        // empty = Docker picks free ports on 127.0.0.1 for the LB (not 8080/8404, which
        // a stack or a gateway a developer runs may hold)
        env.put("CHAT_LB_PORT", "");
        env.put("CHAT_STATS_PORT", "");
        env.put("CHAT_LB_ADMIN_PORT", "");
        env.putAll(extraEnv);
        this.composeEnv = Map.copyOf(env);
        this.compose = new ComposeContainer(projectPrefix, composeFiles)
                .withLocalCompose(true)
                .withEnv(composeEnv)
                .withBuild(true)
                // the images exist locally (redis, haproxy) or are built by compose (gateway)
                .withPull(false)
                .withRemoveVolumes(true)
                .withStartupTimeout(Duration.ofMinutes(10));
    }

    /** The repository root: system property {@code chatrelay.projectRoot} (set by failsafe), else found upwards. */
    static Path projectRoot() {
        String prop = System.getProperty("chatrelay.projectRoot");
        Path start = prop == null || prop.isBlank() ? Paths.get("").toAbsolutePath() : Paths.get(prop).toAbsolutePath();
        for (Path p = start; p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("docker-compose.yml")) && Files.isDirectory(p.resolve("it"))) {
                return p;
            }
        }
        throw new IllegalStateException("no docker-compose.yml found from " + start
                + " upwards (system property chatrelay.projectRoot=" + prop + ")");
    }

    /** {@code docker compose up --build}, then waits for the LB and all gateways to be ready. */
    void start() {
        long t0 = System.nanoTime();
        LOG.info(() -> "docker compose up --build (project " + projectPrefix + "*, root " + root + ")");
        compose.start();
        LOG.info(() -> "compose up took " + seconds(t0) + " s");

        Container lb = await("the lb container").atMost(Duration.ofSeconds(30))
                .until(() -> containers(LB).stream().findFirst(), Optional::isPresent).orElseThrow();
        lbPort = publishedPort(lb, 8080);
        statsPort = publishedPort(lb, 8404);
        adminPort = publishedPort(lb, 9090);
        LOG.info(() -> "load balancer on 127.0.0.1:" + lbPort + ", admin frontend on 127.0.0.1:" + adminPort
                + ", HAProxy stats on 127.0.0.1:" + statsPort);

        await("all " + GATEWAYS + " gateways healthy (docker health check)")
                .atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(1))
                .until(() -> healthyGateways().size() == GATEWAYS);
        await("HAProxy sees all " + GATEWAYS + " gateways UP")
                .atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(500)).ignoreExceptions()
                .until(() -> upServersInLb() == GATEWAYS);
        await("the load balancer serves the page")
                .atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(500)).ignoreExceptions()
                .until(() -> get("/").statusCode() == 200);
        LOG.info(() -> "stack ready after " + seconds(t0) + " s");
    }

    int lbPort() {
        return lbPort;
    }

    /**
     * The port of 127.0.0.1 that a service publishes a container port on (its first container),
     * e.g. the example app of {@code docker-compose.app.yml}.
     *
     * @param service       the compose service
     * @param containerPort the port inside the container
     * @return the host port
     */
    int publishedPort(String service, int containerPort) {
        Container c = containers(service).stream().findFirst()
                .orElseThrow(() -> new IllegalStateException("no container of service " + service));
        return publishedPort(c, containerPort);
    }

    /** {@code ws://127.0.0.1:<lb port>/}: the base for WebSocket URIs. */
    URI wsBase() {
        return URI.create("ws://127.0.0.1:" + lbPort + "/");
    }

    URI httpBase() {
        return URI.create("http://127.0.0.1:" + lbPort + "/");
    }

    /** {@code http://127.0.0.1:<admin frontend port>/}: HAProxy's admin frontend (the gateways' admin listeners). */
    URI adminBase() {
        return URI.create("http://127.0.0.1:" + adminPort + "/");
    }

    /**
     * A request to the admin frontend with the server API key (the gateways' {@code CHAT_API_KEYS}).
     *
     * @param method the method
     * @param path   the path
     * @param body   a JSON body, or {@code null}
     * @return the response
     */
    HttpResponse<String> admin(String method, String path, String body) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(adminBase().resolve(path)).timeout(Duration.ofSeconds(10))
                .header("Authorization", "Bearer " + apiKey());
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /**
     * A secret the compose stack's {@code secrets} service generated for the gateways, as a
     * gateway reads it ({@code /run/secrets/chat-relay/<name>}, deploy/compose/secrets.sh).
     *
     * @param name {@code api-keys}, {@code jwt-secret}, {@code guest-secret}, {@code redis-uri},
     *     {@code hook-secret}, {@code webhook-secret}
     * @return its value
     */
    String gatewaySecret(String name) throws InterruptedException {
        return secret(GATEWAY, "/run/secrets/chat-relay/" + name);
    }

    /**
     * A secret file as a running container of a service reads it (e.g. the example app's
     * {@code /run/secrets/app/admin-key} with docker-compose.app.yml).
     *
     * @param service the compose service
     * @param path the file's path in its containers
     * @return its value
     */
    String secret(String service, String path) throws InterruptedException {
        Container container = containers(service).stream().filter(c -> "running".equals(c.getState())).findFirst()
                .orElseThrow(() -> new IllegalStateException("no " + service + " is running"));
        String value = exec(container.getId(), "cat", path).strip();
        if (value.isEmpty() || value.contains(" ")) {
            throw new IllegalStateException("cannot read " + path + " of " + service + ": " + value);
        }
        return value;
    }

    /** The server API key of the stack's gateways (the first of {@code CHAT_API_KEYS}). */
    String apiKey() throws InterruptedException {
        return gatewaySecret("api-keys").split(",")[0];
    }

    /** The HS256 secret the stack's gateways verify connection and room tokens with. */
    String jwtSecret() throws InterruptedException {
        return gatewaySecret("jwt-secret");
    }

    /**
     * {@code redis-cli} in the redis container, authenticated with the password of the stack's
     * secrets (never on the command line).
     *
     * @param args the command and its arguments
     * @return its output
     */
    String redisCli(String... args) throws InterruptedException {
        Container redis = containers(REDIS).stream().findFirst()
                .orElseThrow(() -> new IllegalStateException("no redis container"));
        List<String> command = new ArrayList<>(List.of("sh", "-c",
                "REDISCLI_AUTH=\"$(cat /run/secrets/redis/password)\" exec redis-cli \"$@\"", "redis-cli"));
        command.addAll(List.of(args));
        return exec(redis.getId(), command.toArray(String[]::new));
    }

    /** Everything a service's containers wrote to their logs so far (stdout and stderr). */
    String logs(String service) throws InterruptedException {
        StringBuilder all = new StringBuilder();
        for (Container c : containers(service)) {
            StringBuilder out = new StringBuilder();
            docker.logContainerCmd(c.getId()).withStdOut(true).withStdErr(true).withTailAll()
                    .exec(new ResultCallback.Adapter<Frame>() {
                        @Override
                        public void onNext(Frame frame) {
                            synchronized (out) {
                                out.append(new String(frame.getPayload(), StandardCharsets.UTF_8));
                            }
                        }
                    }).awaitCompletion(10, TimeUnit.SECONDS);
            synchronized (out) {
                all.append(out);
            }
        }
        return all.toString();
    }

    HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(httpBase().resolve(path)).timeout(Duration.ofSeconds(10)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** The project's containers of a service (running or not). */
    List<Container> containers(String service) {
        return docker.listContainersCmd().withShowAll(true)
                .withLabelFilter(java.util.Map.of(SERVICE_LABEL, service))
                .exec().stream()
                .filter(c -> c.getLabels() != null && c.getLabels().getOrDefault(PROJECT_LABEL, "").startsWith(projectPrefix))
                .toList();
    }

    /** All containers of this compose project. */
    List<Container> allContainers() {
        return docker.listContainersCmd().withShowAll(true).exec().stream()
                .filter(c -> c.getLabels() != null && c.getLabels().getOrDefault(PROJECT_LABEL, "").startsWith(projectPrefix))
                .toList();
    }

    /** Hostnames (= node ids: CHAT_NODE_ID is unset) of the gateways whose docker health check passes. */
    List<String> healthyGateways() {
        return containers(GATEWAY).stream()
                .map(c -> docker.inspectContainerCmd(c.getId()).exec())
                .filter(i -> i.getState() != null && Boolean.TRUE.equals(i.getState().getRunning())
                        && i.getState().getHealth() != null && "healthy".equals(i.getState().getHealth().getStatus()))
                .map(i -> i.getConfig().getHostName())
                .toList();
    }

    /** The gateway container whose hostname is {@code node}. */
    InspectContainerResponse gatewayOfNode(String node) {
        return containers(GATEWAY).stream()
                .map(c -> docker.inspectContainerCmd(c.getId()).exec())
                .filter(i -> node.equals(i.getConfig().getHostName()))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no gateway container has hostname " + node));
    }

    /** {@code docker inspect} of a container. */
    InspectContainerResponse inspect(String containerId) {
        return docker.inspectContainerCmd(containerId).exec();
    }

    /** {@code docker kill} (SIGKILL: no draining, like a crash). */
    void kill(InspectContainerResponse container) {
        kill(container.getId());
    }

    /** {@code docker kill} of a container by id (SIGKILL: like a crash). */
    void kill(String containerId) {
        docker.killContainerCmd(containerId).exec();
    }

    /** {@code docker stop} (SIGTERM, then SIGKILL after the timeout): a gateway drains. */
    void stop(String containerId, int timeoutSeconds) {
        docker.stopContainerCmd(containerId).withTimeout(timeoutSeconds).exec();
    }

    /** {@code docker pause} (the container's processes freeze: connections stay open, nothing answers). */
    void pause(String containerId) {
        docker.pauseContainerCmd(containerId).exec();
    }

    /** {@code docker unpause} of a paused container. */
    void unpause(String containerId) {
        docker.unpauseContainerCmd(containerId).exec();
    }

    /** {@code docker start} of a stopped or killed container. */
    void startContainer(String containerId) {
        docker.startContainerCmd(containerId).exec();
    }

    /** Waits until all gateways are healthy again and HAProxy has them all UP. */
    void awaitAllGatewaysUp(Duration atMost) {
        await("all gateways healthy").atMost(atMost).pollInterval(Duration.ofMillis(500))
                .until(() -> healthyGateways().size() == GATEWAYS);
        await("HAProxy sees all gateways UP").atMost(atMost).pollInterval(Duration.ofMillis(500)).ignoreExceptions()
                .until(() -> upServersInLb() == GATEWAYS);
    }

    /** How many servers of backend {@code gateways} HAProxy has UP (from its stats CSV). */
    int upServersInLb() throws IOException, InterruptedException {
        HttpResponse<String> csv = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + statsPort + "/stats;csv"))
                .timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.ofString());
        int up = 0;
        for (String line : csv.body().split("\n")) {
            String[] f = line.split(",", -1);
            // pxname,svname,...,status is column 18 (index 17)
            if (f.length > 17 && "gateways".equals(f[0]) && f[1].startsWith("gw") && f[17].startsWith("UP")) {
                up++;
            }
        }
        return up;
    }

    /** The compose project name (Testcontainers adds a random suffix to the prefix), from the containers' label. */
    String projectName() {
        return allContainers().stream().map(c -> c.getLabels().get(PROJECT_LABEL)).findFirst()
                .orElseThrow(() -> new IllegalStateException("no container of project " + projectPrefix + "* is running"));
    }

    /**
     * {@code docker compose -p <project> -f ... up -d --no-recreate --no-deps --no-build --scale
     * <service>=<n> <service>} on the running stack: adds replicas, or stops (with the service's
     * stop grace period: gateways drain) and removes the extra ones; the other services and the
     * replicas that stay are not touched. Bounded by {@code timeout}; returns compose's output.
     */
    String scale(String service, int replicas, Duration timeout) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("docker", "compose", "-p", projectName()));
        for (File f : composeFiles) {
            command.add("-f");
            command.add(f.getAbsolutePath());
        }
        command.addAll(List.of("up", "-d", "--no-recreate", "--no-deps", "--no-build",
                "--scale", service + "=" + replicas, service));
        Path out = Files.createTempFile("compose-scale-", ".log");
        try {
            ProcessBuilder pb = new ProcessBuilder(command).directory(root.toFile())
                    .redirectErrorStream(true).redirectOutput(out.toFile());
            pb.environment().putAll(composeEnv);
            long t0 = System.nanoTime();
            LOG.info(() -> String.join(" ", command));
            Process p = pb.start();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                throw new IllegalStateException("docker compose --scale " + service + "=" + replicas
                        + " did not finish within " + timeout + ": " + Files.readString(out));
            }
            String output = Files.readString(out);
            if (p.exitValue() != 0) {
                throw new IllegalStateException("docker compose --scale " + service + "=" + replicas
                        + " failed (exit " + p.exitValue() + "): " + output);
            }
            LOG.info(() -> "scaled " + service + " to " + replicas + " in " + seconds(t0) + " s");
            return output;
        } finally {
            Files.deleteIfExists(out);
        }
    }

    /** Waits until exactly {@code n} gateways are running and healthy, and HAProxy has exactly {@code n} UP. */
    void awaitGateways(int n, Duration atMost) {
        await(n + " gateways healthy").atMost(atMost).pollInterval(Duration.ofMillis(500))
                .until(() -> healthyGateways().size() == n
                        && containers(GATEWAY).stream().filter(c -> "running".equals(c.getState())).count() == n);
        await("HAProxy sees " + n + " gateways UP").atMost(atMost).pollInterval(Duration.ofMillis(500)).ignoreExceptions()
                .until(() -> upServersInLb() == n);
    }

    /** {@code docker exec} of a command in a container; returns its standard output and error. Bounded (30 s). */
    String exec(String containerId, String... command) throws InterruptedException {
        ExecCreateCmdResponse exec = docker.execCreateCmd(containerId).withAttachStdout(true).withAttachStderr(true)
                .withCmd(command).exec();
        StringBuilder out = new StringBuilder();
        boolean done = docker.execStartCmd(exec.getId()).exec(new ResultCallback.Adapter<Frame>() {
            @Override
            public void onNext(Frame frame) {
                synchronized (out) {
                    out.append(new String(frame.getPayload(), StandardCharsets.UTF_8));
                }
            }
        }).awaitCompletion(30, TimeUnit.SECONDS);
        if (!done) {
            throw new IllegalStateException("docker exec " + String.join(" ", command) + " did not finish within 30 s");
        }
        synchronized (out) {
            return out.toString();
        }
    }

    /** Writes every container's log to {@code it/target/compose-logs/} (for post-mortems). */
    void dumpLogs() {
        Path dir = root.resolve("it/target/compose-logs");
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            LOG.warning("cannot create " + dir + ": " + e);
            return;
        }
        for (Container c : allContainers()) {
            String name = c.getNames()[0].replaceFirst("^/", "");
            StringBuilder out = new StringBuilder();
            try {
                docker.logContainerCmd(c.getId()).withStdOut(true).withStdErr(true).withTimestamps(true).withTailAll()
                        .exec(new ResultCallback.Adapter<Frame>() {
                            @Override
                            public void onNext(Frame frame) {
                                out.append(new String(frame.getPayload(), StandardCharsets.UTF_8));
                            }
                        }).awaitCompletion(10, TimeUnit.SECONDS);
                Files.writeString(dir.resolve(name + ".log"), out);
            } catch (Exception e) {
                LOG.warning("cannot save the log of " + name + ": " + e);
            }
        }
    }

    /** {@code docker compose down -v}, then makes sure no container of the project is left. */
    @Override
    public void close() {
        try {
            dumpLogs();
        } catch (RuntimeException e) {
            LOG.warning("dumping logs failed: " + e);
        }
        try {
            compose.stop();
        } catch (RuntimeException e) {
            LOG.warning("docker compose down failed: " + e);
        }
        for (Container c : allContainers()) {
            LOG.warning("removing leftover container " + String.join(",", c.getNames()));
            try {
                docker.removeContainerCmd(c.getId()).withForce(true).withRemoveVolumes(true).exec();
            } catch (RuntimeException e) {
                LOG.warning("cannot remove " + c.getId() + ": " + e);
            }
        }
    }

    private static int publishedPort(Container c, int privatePort) {
        for (ContainerPort p : c.getPorts()) {
            if (p.getPrivatePort() != null && p.getPrivatePort() == privatePort && p.getPublicPort() != null) {
                return p.getPublicPort();
            }
        }
        throw new IllegalStateException("port " + privatePort + " of " + String.join(",", c.getNames()) + " is not published");
    }

    private static long seconds(long t0) {
        return TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0);
    }
}
