package io.karavel.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.karavel.testing.FreePorts;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

/**
 * The HA control plane's two costs, on the built distribution, all masters on loopback:
 * <ol>
 *   <li>write throughput and latency of ConfigMap creates through the REST API, a single master
 *       (the embedded store) against a 3-master cluster (the replicated store), the latter both
 *       sent to the leader and sent to followers (forwarded), with N closed-loop writers;</li>
 *   <li>failover: the leader is killed ({@code kill -9}) under a steady write load sent to all
 *       masters, {@code --kills} times (restarted and rejoined in between); per kill, the time to
 *       a new leader and to the next acknowledged write sent after the kill.</li>
 * </ol>
 * Progress goes to stderr, Markdown tables to stdout. At the end every master is checked to hold
 * every create acknowledged during the failovers.
 *
 * <p>Usage: {@code HaBench --archive karavel.tar.gz --work DIR [--masters 3] [--kills 20]
 * [--writers 1,8] [--seconds 15] [--warmup-seconds 3] [--settle-seconds 10] [--heap 1g]}
 *
 * <p>Every master gets {@code --heap} as its maximum heap: a master keeps every object in its heap
 * (about 3.6 KB per ConfigMap of 1 KiB, docs/ha.md), and 20 kills leave 60,000-70,000 of them, more
 * than the default 512m holds beside the replicated log.
 */
public final class HaBench {
    private static final Duration READY = Duration.ofSeconds(240);
    private static final Duration FAILOVER_BOUND = Duration.ofSeconds(120);
    private static final String PAYLOAD = "x".repeat(1024);

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private static final List<BenchMaster> STARTED = new ArrayList<>();
    private static final AtomicLong NAMES = new AtomicLong();
    private static String heapMax = "1g";

    private HaBench() {}

    public static void main(String[] args) throws Exception {
        Path archive = null;
        Path work = null;
        int masterCount = 3;
        int kills = 20;
        int[] writerCounts = {1, 8};
        int seconds = 15;
        int warmup = 3;
        int settle = 10;
        for (int i = 0; i < args.length; i += 2) {
            String value = args[i + 1];
            switch (args[i]) {
                case "--archive" -> archive = Path.of(value);
                case "--work" -> work = Path.of(value);
                case "--masters" -> masterCount = Integer.parseInt(value);
                case "--kills" -> kills = Integer.parseInt(value);
                case "--writers" -> writerCounts = Arrays.stream(value.split(",")).mapToInt(Integer::parseInt).toArray();
                case "--seconds" -> seconds = Integer.parseInt(value);
                case "--warmup-seconds" -> warmup = Integer.parseInt(value);
                case "--settle-seconds" -> settle = Integer.parseInt(value);
                case "--heap" -> heapMax = value;
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        if (archive == null || work == null) {
            throw new IllegalArgumentException("--archive and --work are required");
        }
        Runtime.getRuntime().addShutdownHook(new Thread(HaBench::killAll));
        try {
            run(archive, work, masterCount, kills, writerCounts, seconds, warmup, settle);
        } catch (Exception | Error e) {
            e.printStackTrace();
            // the writers' threads must not keep the JVM (and the masters) alive
            System.exit(1);
        } finally {
            killAll();
        }
    }

    private static void killAll() {
        synchronized (STARTED) {
            STARTED.forEach(BenchMaster::kill);
        }
    }

    private static void run(Path archive, Path work, int masterCount, int kills, int[] writerCounts, int seconds,
            int warmup, int settle) throws Exception {

        List<String> rows = new ArrayList<>();
        if (writerCounts.length > 0 && seconds > 0) {
            BenchMaster single = started(BenchMaster.unpack(work, "single", archive));
            single.launch();
            single.awaitReady(READY);
            for (int writers : writerCounts) {
                rows.add(row("1 master (embedded store)", load(List.of(single.apiUrl()), writers, seconds, warmup)));
            }
            single.stop();
        }

        List<BenchMaster> masters = startCluster(work, archive, masterCount);
        if (writerCounts.length > 0 && seconds > 0) {
            int leader = awaitLeader(masters, -1, 0).orElseThrow();
            List<String> followers = new ArrayList<>();
            for (int m = 0; m < masters.size(); m++) {
                if (m != leader) {
                    followers.add(masters.get(m).apiUrl());
                }
            }
            for (int writers : writerCounts) {
                rows.add(row(masterCount + " masters, to the leader", load(List.of(masters.get(leader).apiUrl()), writers, seconds, warmup)));
                rows.add(row(masterCount + " masters, to followers (forwarded)", load(followers, writers, seconds, warmup)));
            }
            System.out.printf(Locale.ROOT, "%nConfigMap creates (1 KiB) through the REST API, closed loop, %d s per row"
                    + " after %d s warm-up:%n%n", seconds, warmup);
            System.out.println("| setup | writers | creates | errors | creates/s | p50 | p99 |");
            System.out.println("|---|--:|--:|--:|--:|--:|--:|");
            rows.forEach(System.out::println);
        }
        if (kills > 0) {
            failovers(masters, kills, settle);
        }
    }

    private static BenchMaster started(BenchMaster master) {
        master.withEnv("KARAVEL_HEAP_MAX", heapMax);
        synchronized (STARTED) {
            STARTED.add(master);
        }
        return master;
    }

    private static List<BenchMaster> startCluster(Path work, Path archive, int count) throws Exception {
        List<BenchMaster> masters = new ArrayList<>();
        List<Integer> ports = new ArrayList<>();
        for (int m = 0; m < count; m++) {
            masters.add(started(BenchMaster.unpack(work, "karavel-" + (m + 1), archive)));
            ports.add(FreePorts.next());
        }
        String members = ports.stream().map(p -> "127.0.0.1:" + p).collect(Collectors.joining(","));
        String apiUrls = masters.stream().map(BenchMaster::apiUrl).collect(Collectors.joining(","));
        String clusterName = "ha-bench-" + ProcessHandle.current().pid();
        for (int m = 0; m < count; m++) {
            masters.get(m).withEnv("KARAVEL_MASTERS", members)
                    .withEnv("KARAVEL_CLUSTER_PORT", Integer.toString(ports.get(m)))
                    .withEnv("KARAVEL_CLUSTER_NAME", clusterName)
                    .withEnv("KARAVEL_MEMBER_NAME", masters.get(m).name())
                    .withEnv("KARAVEL_MASTER_API_URLS", apiUrls);
        }
        long start = System.nanoTime();
        for (BenchMaster master : masters) {
            master.launch();
        }
        for (BenchMaster master : masters) {
            master.awaitReady(READY);
        }
        System.err.printf(Locale.ROOT, "%d masters ready in %.1f s%n", count, (System.nanoTime() - start) / 1e9);
        return masters;
    }

    // ------------------------------------------------------------------ throughput

    private record Load(long creates, long errors, double seconds, long[] sortedLatencyNanos, int writers) {}

    /** {@code writers} threads create ConfigMaps back to back, each through the next of {@code urls}. */
    private static Load load(List<String> urls, int writers, int seconds, int warmup) throws InterruptedException {
        long measureFrom = System.nanoTime() + warmup * 1_000_000_000L;
        long end = measureFrom + seconds * 1_000_000_000L;
        AtomicLong errors = new AtomicLong();
        AtomicInteger next = new AtomicInteger();
        ConcurrentLinkedQueue<long[]> perWriter = new ConcurrentLinkedQueue<>();
        List<Thread> threads = new ArrayList<>();
        for (int w = 0; w < writers; w++) {
            Thread thread = new Thread(() -> {
                long[] latencies = new long[1024];
                int n = 0;
                while (System.nanoTime() < end) {
                    String url = urls.get(Math.floorMod(next.getAndIncrement(), urls.size()));
                    long sent = System.nanoTime();
                    boolean ok = create(url, "load-" + NAMES.incrementAndGet()).isPresent();
                    long done = System.nanoTime();
                    if (sent < measureFrom || done > end) {
                        continue;
                    }
                    if (!ok) {
                        errors.incrementAndGet();
                        continue;
                    }
                    if (n == latencies.length) {
                        latencies = Arrays.copyOf(latencies, n * 2);
                    }
                    latencies[n++] = done - sent;
                }
                perWriter.add(Arrays.copyOf(latencies, n));
            });
            threads.add(thread);
            thread.start();
        }
        for (Thread thread : threads) {
            thread.join();
        }
        long[] all = perWriter.stream().flatMapToLong(Arrays::stream).sorted().toArray();
        Load load = new Load(all.length, errors.get(), seconds, all, writers);
        System.err.printf(Locale.ROOT, "%s, %d writers: %.0f creates/s%n", urls, writers, all.length / (double) seconds);
        return load;
    }

    private static String row(String setup, Load load) {
        return String.format(Locale.ROOT, "| %s | %d | %d | %d | %.0f | %.1f ms | %.1f ms |", setup, load.writers(),
                load.creates(), load.errors(), load.creates() / load.seconds(),
                BenchCluster.percentile(load.sortedLatencyNanos(), 50) / 1e6,
                BenchCluster.percentile(load.sortedLatencyNanos(), 99) / 1e6);
    }

    /** Creates a ConfigMap; its resourceVersion if the API answered 201, else empty. */
    private static Optional<Long> create(String apiUrl, String name) {
        try {
            String body = JSON.writeValueAsString(Map.of(
                    "apiVersion", "v1", "kind", "ConfigMap",
                    "metadata", Map.of("name", name),
                    "data", Map.of("payload", PAYLOAD)));
            HttpResponse<String> response = HTTP.send(
                    HttpRequest.newBuilder(URI.create(apiUrl + "/api/v1/namespaces/default/configmaps"))
                            .header("Content-Type", "application/json")
                            .timeout(Duration.ofSeconds(30))
                            .POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 201) {
                return Optional.empty();
            }
            return Optional.of(JSON.readTree(response.body()).at("/metadata/resourceVersion").asLong());
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    // ------------------------------------------------------------------ failover

    /**
     * The writers of the failover runs: every create to the next master in turn; each
     * acknowledged create is kept with the time it was sent and acknowledged.
     */
    private static final class SteadyWriters {
        /** One acknowledged create. */
        record Ack(String name, long sentNanos, long ackNanos) {}

        final java.util.concurrent.ConcurrentLinkedDeque<Ack> acknowledged = new java.util.concurrent.ConcurrentLinkedDeque<>();
        final AtomicInteger count = new AtomicInteger();
        volatile boolean running = true;
        final List<Thread> threads = new ArrayList<>();

        SteadyWriters(List<String> urls, int writerCount) {
            AtomicInteger next = new AtomicInteger();
            for (int t = 0; t < writerCount; t++) {
                Thread thread = new Thread(() -> {
                    while (running) {
                        String name = "failover-" + NAMES.incrementAndGet();
                        long sent = System.nanoTime();
                        if (create(urls.get(Math.floorMod(next.getAndIncrement(), urls.size())), name).isPresent()) {
                            acknowledged.add(new Ack(name, sent, System.nanoTime()));
                            count.incrementAndGet();
                        } else {
                            pause(100); // no leader yet or that master is down: not a hot loop
                        }
                    }
                });
                thread.setDaemon(true);
                threads.add(thread);
                thread.start();
            }
        }

        /** When the first create sent at or after {@code nanos} was acknowledged; 0 if none yet. */
        long firstAckOfSentSince(long nanos) {
            // newest first, and only as far back as acknowledgements can matter (a poll must not
            // cost the masters' CPU a scan of every create so far)
            long first = 0;
            for (var it = acknowledged.descendingIterator(); it.hasNext(); ) {
                Ack ack = it.next();
                if (ack.ackNanos() < nanos - 1_000_000_000L) {
                    break;
                }
                if (ack.sentNanos() >= nanos && (first == 0 || ack.ackNanos() < first)) {
                    first = ack.ackNanos();
                }
            }
            return first;
        }

        void stop() throws InterruptedException {
            running = false;
            for (Thread thread : threads) {
                thread.join();
            }
        }
    }

    private static void failovers(List<BenchMaster> masters, int kills, int settle) throws Exception {
        List<String> urls = masters.stream().map(BenchMaster::apiUrl).toList();
        SteadyWriters writers = new SteadyWriters(urls, 3);
        List<Double> toLeader = new ArrayList<>();
        List<Double> toWrite = new ArrayList<>();
        List<Double> toRejoin = new ArrayList<>();
        long started = System.nanoTime();
        for (int kill = 1; kill <= kills; kill++) {
            int leader = awaitLeader(masters, -1, 0).orElseThrow();
            long term = term(masters.get(leader)).orElse(0L);
            int before = writers.count.get();
            waitFor("writes before kill " + kill, () -> writers.count.get() >= before + 5);

            long killedAt = System.nanoTime();
            masters.get(leader).kill();
            // writes sent once it is gone: one sent while it was dying may still have been its own
            long goneAt = System.nanoTime();
            Optional<Integer> newLeader = awaitLeader(masters, leader, term);
            long electedAt = System.nanoTime();
            waitFor("a write acknowledged after kill " + kill, () -> writers.firstAckOfSentSince(goneAt) != 0);
            toLeader.add((electedAt - killedAt) / 1e9);
            toWrite.add((writers.firstAckOfSentSince(goneAt) - killedAt) / 1e9);

            long restartAt = System.nanoTime();
            masters.get(leader).launch();
            masters.get(leader).awaitReady(READY);
            toRejoin.add((System.nanoTime() - restartAt) / 1e9);
            // a master that has just become a follower may still be catching up inside Raft: the
            // next kill waits a little (docs/PERFORMANCE.md)
            pause(settle * 1000L);
            System.err.printf(Locale.ROOT, "kill %d: %s (term %d) killed; new leader %s after %.2f s; first write"
                            + " acknowledged after %.2f s; restarted and ready in %.1f s%n", kill, masters.get(leader).name(),
                    term, masters.get(newLeader.orElseThrow()).name(), toLeader.get(toLeader.size() - 1),
                    toWrite.get(toWrite.size() - 1), toRejoin.get(toRejoin.size() - 1));
        }
        awaitLeader(masters, -1, 0).orElseThrow();
        int before = writers.count.get();
        waitFor("writes after the last rejoin", () -> writers.count.get() >= before + 5);
        writers.stop();
        double elapsed = (System.nanoTime() - started) / 1e9;

        List<String> acknowledged = writers.acknowledged.stream().map(SteadyWriters.Ack::name).toList();
        List<String> losses = new ArrayList<>();
        waitFor("the same revision on every master", () -> {
            Set<Long> revisions = new HashSet<>();
            for (BenchMaster master : masters) {
                revisions.add(cluster(master).map(c -> c.path("localRevision").asLong()).orElse(-1L));
            }
            return revisions.size() == 1 && !revisions.contains(-1L);
        });
        for (BenchMaster master : masters) {
            Set<String> present = configMapNames(master);
            long lost = acknowledged.stream().filter(n -> !present.contains(n)).count();
            losses.add(master.name() + ": " + lost);
        }

        System.out.printf(Locale.ROOT, "%nFailover, %d masters, kill -9 of the leader under 3 writers sending to every"
                + " master in turn, %d kills in %.0f s, the next kill %d s after the killed master is ready again"
                + " (seconds):%n%n", masters.size(), kills, elapsed, settle);
        System.out.println("| measure | p50 | max | min | all |");
        System.out.println("|---|--:|--:|--:|---|");
        System.out.println(summary("kill -> a new leader reports itself LEADER", toLeader));
        System.out.println(summary("kill -> next acknowledged write (sent after the leader was gone)", toWrite));
        System.out.println(summary("restart of the killed master -> ready (follower, caught up)", toRejoin));
        System.out.printf(Locale.ROOT, "%n%d creates acknowledged during the failovers; missing afterwards: %s%n",
                acknowledged.size(), losses);
    }

    private static String summary(String measure, List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        return String.format(Locale.ROOT, "| %s | %.2f | %.2f | %.2f | %s |", measure,
                sorted.get((sorted.size() - 1) / 2), sorted.get(sorted.size() - 1), sorted.get(0),
                values.stream().map(v -> String.format(Locale.ROOT, "%.1f", v)).collect(Collectors.joining(" ")));
    }

    /** Polls (every 20 ms) until one running master other than {@code excluded} is LEADER with a term above {@code aboveTerm}. */
    private static Optional<Integer> awaitLeader(List<BenchMaster> masters, int excluded, long aboveTerm) {
        long deadline = System.nanoTime() + FAILOVER_BOUND.toNanos();
        while (System.nanoTime() < deadline) {
            for (int m = 0; m < masters.size(); m++) {
                if (m == excluded || !masters.get(m).isRunning()) {
                    continue;
                }
                Optional<JsonNode> view = cluster(masters.get(m));
                if (view.isPresent() && view.get().path("localRole").asText().equals("LEADER")
                        && view.get().path("term").asLong() > aboveTerm) {
                    return Optional.of(m);
                }
            }
            pause(20);
        }
        throw new IllegalStateException("no new leader within " + FAILOVER_BOUND);
    }

    private static Optional<Long> term(BenchMaster master) {
        return cluster(master).map(c -> c.path("term").asLong());
    }

    /**
     * The names of the ConfigMaps in namespace default on {@code master}, listed in pages: 20 kills
     * leave some 60,000-70,000 of them (about 70 MB as one response, which failed once here).
     */
    private static Set<String> configMapNames(BenchMaster master) throws IOException, InterruptedException {
        Set<String> names = new HashSet<>();
        String next = "";
        do {
            String url = master.apiUrl() + "/api/v1/namespaces/default/configmaps?limit=2000"
                    + (next.isEmpty() ? "" : "&continue=" + URLEncoder.encode(next, StandardCharsets.UTF_8));
            HttpResponse<String> page = HTTP.send(HttpRequest.newBuilder(URI.create(url))
                    .timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
            JsonNode list = JSON.readTree(page.body());
            list.path("items").forEach(i -> names.add(i.at("/metadata/name").asText()));
            next = list.at("/metadata/continue").asText("");
        } while (!next.isEmpty());
        return names;
    }

    private static Optional<JsonNode> cluster(BenchMaster master) {
        try {
            HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(master.apiUrl() + "/karavel/v1/cluster"))
                    .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
            return response.statusCode() == 200 ? Optional.of(JSON.readTree(response.body())) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    private static void waitFor(String what, java.util.function.BooleanSupplier condition) {
        long deadline = System.nanoTime() + FAILOVER_BOUND.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("timed out after " + FAILOVER_BOUND + " waiting for " + what);
            }
            pause(20);
        }
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
