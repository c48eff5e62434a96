package io.chatrelay.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Memory of a server process after a full GC: RSS from {@code /proc/<pid>/status}, heap used from
 * {@code jcmd <pid> GC.run} + {@code GC.heap_info} (JVM) or from the Socket.IO server's
 * {@code /bench/mem} (which calls {@code global.gc()} first; node runs with {@code --expose-gc}).
 */
sealed interface MemProbe permits MemProbe.Jvm, MemProbe.Node, MemProbe.Rss, MemProbe.None {
    /** RSS and heap used, in KiB; -1 when unknown. */
    record Snapshot(long rssKb, long heapKb) {
    }

    Snapshot snapshot();

    /**
     * The probe for a server.
     *
     * @param system {@code chatrelay}, {@code socketio}, {@code socketio-streams} or {@code nchan}
     * @param pid    server pid (for Nchan: its nginx worker), or 0 for none
     * @param base   the server's {@code ws://host:port}
     * @return the probe
     */
    static MemProbe of(String system, long pid, String base) {
        if (pid <= 0) {
            return new None();
        }
        if (system.startsWith("socketio")) {
            return new Node(pid, URI.create(base.replaceFirst("^ws", "http") + "/bench/mem"));
        }
        return "nchan".equals(system) ? new Rss(pid) : new Jvm(pid);
    }

    /** A process without a heap to ask about (nginx): RSS only. */
    record Rss(long pid) implements MemProbe {
        @Override
        public Snapshot snapshot() {
            sleep(300);
            return new Snapshot(ProcStats.rssKb(pid), -1);
        }
    }

    /** A JVM: heap via jcmd. */
    record Jvm(long pid) implements MemProbe {
        private static final Pattern USED = Pattern.compile("used (\\d+)([KMG])\\b");

        @Override
        public Snapshot snapshot() {
            jcmd("GC.run");
            sleep(300);
            return new Snapshot(ProcStats.rssKb(pid), heapUsedKb(jcmd("GC.heap_info")));
        }

        /**
         * Heap used from {@code GC.heap_info}: the sum of the {@code used} of the generation lines
         * (not indented; G1 and ZGC have one, Serial and Parallel two), Metaspace excluded.
         */
        static long heapUsedKb(String info) {
            long sum = 0;
            boolean found = false;
            for (String line : info.split("\\R")) {
                if (line.isEmpty() || Character.isWhitespace(line.charAt(0)) || line.startsWith("Metaspace")
                        || line.startsWith("class space") || line.endsWith(":")) {
                    continue;
                }
                Matcher m = USED.matcher(line);
                if (m.find()) {
                    long v = Long.parseLong(m.group(1));
                    sum += switch (m.group(2)) {
                        case "G" -> v * 1024 * 1024;
                        case "M" -> v * 1024;
                        default -> v;
                    };
                    found = true;
                }
            }
            return found ? sum : -1;
        }

        String jcmd(String command) {
            Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
            try {
                Process p = new ProcessBuilder(jcmd.toString(), Long.toString(pid), command).redirectErrorStream(true).start();
                String out = new String(p.getInputStream().readAllBytes());
                if (!p.waitFor(60, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
                return out;
            } catch (IOException e) {
                return "";
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return "";
            }
        }
    }

    /** The Socket.IO server: heap from its {@code /bench/mem}. */
    record Node(long pid, URI uri) implements MemProbe {
        private static final Pattern HEAP = Pattern.compile("\"heapUsed\":(\\d+)");

        @Override
        public Snapshot snapshot() {
            long heap = -1;
            try (HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
                String body = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).build(),
                        HttpResponse.BodyHandlers.ofString()).body();
                Matcher m = HEAP.matcher(body);
                if (m.find()) {
                    heap = Long.parseLong(m.group(1)) / 1024;
                }
            } catch (IOException e) {
                heap = -1;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            sleep(300);
            return new Snapshot(ProcStats.rssKb(pid), heap);
        }
    }

    /** No pid given: nothing measured. */
    record None() implements MemProbe {
        @Override
        public Snapshot snapshot() {
            return new Snapshot(-1, -1);
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
