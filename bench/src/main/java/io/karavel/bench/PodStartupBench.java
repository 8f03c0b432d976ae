package io.karavel.bench;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Pod startup latency as a user sees it: for each pod, from the moment its create request is
 * sent to the first watch event in which the pod is {@code Running} (and, separately, in which
 * its {@code Ready} condition is {@code True}).
 *
 * <p>A watch on the run's pods is opened first; then {@code --pods} pods are created with at
 * most {@code --concurrency} of them in flight (created and not yet seen Running), each bound to
 * {@code --node} directly. Percentiles are exact (nearest rank over all samples). At the end the
 * pods are deleted and the benchmark waits until they are gone.
 *
 * <p>Usage: {@code PodStartupBench --kubeconfig FILE --node NAME --runtime LABEL
 * [--pods 100] [--concurrency 10] [--image localhost/busybox:latest] [--namespace default]
 * [--target-p99-ms 500] [--timeout-seconds 300] [--run ID]}; the pods are labelled
 * {@value BenchCluster#RUN_LABEL}{@code =ID} (default: a random id).
 */
public final class PodStartupBench {

    /** Per-pod timestamps, in {@link System#nanoTime()}; 0 = not seen (yet). */
    private static final class Sample {
        final int index;

        Sample(int index) {
            this.index = index;
        }

        volatile long sent;
        volatile long createReturned;
        volatile long added;
        volatile long running;
        volatile long ready;
        volatile String failure;
    }

    public static void main(String[] args) throws Exception {
        Path kubeconfig = null;
        String node = null;
        String runtime = "?";
        int pods = 100;
        int concurrency = 10;
        String image = "localhost/busybox:latest";
        String namespace = "default";
        long targetP99Millis = -1;
        int timeoutSeconds = 300;
        String runId = "startup-" + UUID.randomUUID().toString().substring(0, 8);
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--kubeconfig" -> kubeconfig = Path.of(args[++i]);
                case "--node" -> node = args[++i];
                case "--runtime" -> runtime = args[++i];
                case "--pods" -> pods = Integer.parseInt(args[++i]);
                case "--concurrency" -> concurrency = Integer.parseInt(args[++i]);
                case "--image" -> image = args[++i];
                case "--namespace" -> namespace = args[++i];
                case "--target-p99-ms" -> targetP99Millis = Long.parseLong(args[++i]);
                case "--timeout-seconds" -> timeoutSeconds = Integer.parseInt(args[++i]);
                case "--run" -> runId = args[++i];
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        if (kubeconfig == null || node == null) {
            throw new IllegalArgumentException("--kubeconfig and --node are required");
        }

        try (KubernetesClient client = BenchCluster.client(kubeconfig)) {
            BenchCluster.awaitNodeReady(client, node, Duration.ofSeconds(120));
            // Warm up this JVM's client (Jackson serializers of Pod, the HTTP connection) and the API
            // server's create path with server-side dry runs, which store nothing and reach no node:
            // otherwise the first pods measure this harness's class loading.
            for (int i = 0; i < 5; i++) {
                client.pods().inNamespace(namespace)
                        .resource(BenchCluster.pod(namespace, runId + "-warmup-" + i, node, image, runId))
                        .dryRun().create();
            }
            Map<String, Sample> samples = new ConcurrentHashMap<>();
            Semaphore inFlight = new Semaphore(concurrency);
            AtomicInteger done = new AtomicInteger();

            Watcher<Pod> watcher = new Watcher<>() {
                @Override
                public void eventReceived(Action action, Pod pod) {
                    long now = System.nanoTime();
                    if (action == Action.BOOKMARK || pod.getMetadata() == null || pod.getMetadata().getName() == null) {
                        return; // a BOOKMARK carries only a resourceVersion
                    }
                    Sample s = samples.get(pod.getMetadata().getName());
                    if (s == null || action == Action.DELETED) {
                        return;
                    }
                    if (s.added == 0) {
                        s.added = now;
                    }
                    if (s.running == 0 && BenchCluster.isRunning(pod)) {
                        s.running = now;
                        inFlight.release();
                        done.incrementAndGet();
                    } else if (s.running == 0 && s.failure == null && pod.getStatus() != null
                            && "Failed".equals(pod.getStatus().getPhase())) {
                        s.failure = "pod Failed: " + pod.getStatus().getReason() + " " + pod.getStatus().getMessage();
                        inFlight.release();
                        done.incrementAndGet();
                    }
                    if (s.ready == 0 && BenchCluster.isReady(pod)) {
                        s.ready = now;
                    }
                }

                @Override
                public void onClose(WatcherException cause) {
                    System.err.println("watch closed: " + cause);
                }
            };

            long benchStart;
            long benchEnd;
            try (Watch watch = client.pods().inNamespace(namespace).withLabel(BenchCluster.RUN_LABEL, runId)
                    .watch(watcher)) {
                ExecutorService creators = Executors.newFixedThreadPool(concurrency);
                benchStart = System.nanoTime();
                for (int i = 0; i < pods; i++) {
                    inFlight.acquire();
                    String name = String.format(Locale.ROOT, "%s-%03d", runId, i);
                    Pod pod = BenchCluster.pod(namespace, name, node, image, runId);
                    Sample s = new Sample(i);
                    samples.put(name, s);
                    final String ns = namespace;
                    creators.execute(() -> {
                        s.sent = System.nanoTime();
                        try {
                            client.pods().inNamespace(ns).resource(pod).create();
                            s.createReturned = System.nanoTime();
                        } catch (RuntimeException e) {
                            s.failure = "create failed: " + e;
                            inFlight.release();
                            done.incrementAndGet();
                        }
                    });
                }
                creators.shutdown();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
                while (done.get() < pods && System.nanoTime() < deadline) {
                    Thread.sleep(50);
                }
                benchEnd = System.nanoTime();
                // Ready=True usually comes in the same status write as Running; give it a moment.
                long readyDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (System.nanoTime() < readyDeadline
                        && samples.values().stream().anyMatch(s -> s.running != 0 && s.ready == 0)) {
                    Thread.sleep(50);
                }
            }

            report(runtime, node, pods, concurrency, samples, benchEnd - benchStart, targetP99Millis);

            Duration deletion = BenchCluster.deleteRun(client, namespace, runId, Duration.ofSeconds(timeoutSeconds));
            System.err.printf(Locale.ROOT, "deleted the %d pods and saw them gone in %.1f s%n",
                    pods, deletion.toMillis() / 1000.0);
        }
    }

    private static void report(String runtime, String node, int pods, int concurrency, Map<String, Sample> samples,
                               long elapsedNanos, long targetP99Millis) {
        long[] running = samples.values().stream().filter(s -> s.running != 0)
                .mapToLong(s -> s.running - s.sent).sorted().toArray();
        long[] ready = samples.values().stream().filter(s -> s.ready != 0)
                .mapToLong(s -> s.ready - s.sent).sorted().toArray();
        long[] create = samples.values().stream().filter(s -> s.createReturned != 0)
                .mapToLong(s -> s.createReturned - s.sent).sorted().toArray();
        long[] added = samples.values().stream().filter(s -> s.added != 0)
                .mapToLong(s -> s.added - s.sent).sorted().toArray();
        long[] addedToRunning = samples.values().stream().filter(s -> s.added != 0 && s.running != 0)
                .mapToLong(s -> s.running - s.added).sorted().toArray();
        long failures = samples.values().stream().filter(s -> s.failure != null).count();
        samples.values().stream().filter(s -> s.failure != null).limit(5)
                .forEach(s -> System.err.println("failure: " + s.failure));
        long missing = samples.values().stream().filter(s -> s.running == 0 && s.failure == null).count();

        System.err.printf(Locale.ROOT, "runtime %s, node %s: %d pods, %d in flight at most, %.1f s, %.1f pods/s, "
                        + "%d failed, %d never seen Running%n", runtime, node, pods, concurrency,
                elapsedNanos / 1e9, running.length / (elapsedNanos / 1e9), failures, missing);
        System.out.println();
        System.out.printf(Locale.ROOT, "Pod startup, runtime %s: %d pods, at most %d in flight, %.1f s in all "
                        + "(%.1f pods/s), %d failed, %d never Running%n%n",
                runtime, pods, concurrency, elapsedNanos / 1e9, running.length / (elapsedNanos / 1e9), failures, missing);
        // Running here is the pod's phase in a watch event: the node agent wrote it through
        // pods/status after starting the containers, and the API server relayed it back.
        System.out.println("| runtime | measured | n | p50 ms | p90 ms | p99 ms | max ms | target p99 | met |");
        System.out.println("|---------|----------|--:|-------:|-------:|-------:|-------:|-----------:|-----|");
        String target = targetP99Millis < 0 ? "-" : targetP99Millis + " ms";
        String met = targetP99Millis < 0 ? "-"
                : (running.length == pods && BenchCluster.percentile(running, 99) <= targetP99Millis * 1_000_000L
                ? "yes" : "**no**");
        row(runtime, "create → Running (watch)", running, target, met);
        row(runtime, "create → Ready=True (watch)", ready, "-", "-");
        row(runtime, "create request (API round trip)", create, "-", "-");
        row(runtime, "create → first watch event (ADDED)", added, "-", "-");
        row(runtime, "first watch event → Running (node agent + status write)", addedToRunning, "-", "-");

        // Does a pod wait longer when more pods already run on the node? Median per tenth, in
        // creation order (the pods stay until the end of the run).
        int groups = Math.min(10, pods);
        StringBuilder byOrder = new StringBuilder();
        for (int g = 0; g < groups; g++) {
            int from = g * pods / groups;
            int to = (g + 1) * pods / groups;
            long[] group = samples.values().stream().filter(s -> s.index >= from && s.index < to && s.running != 0)
                    .mapToLong(s -> s.running - s.sent).sorted().toArray();
            byOrder.append(g == 0 ? "" : ", ").append(from + 1).append('-').append(to).append(": ")
                    .append(ms(BenchCluster.percentile(group, 50)));
        }
        System.out.println();
        System.out.println("create → Running, median ms by creation order (pods " + byOrder + ")");
    }

    private static void row(String runtime, String what, long[] sortedNanos, String target, String met) {
        System.out.printf(Locale.ROOT, "| %s | %s | %d | %s | %s | %s | %s | %s | %s |%n", runtime, what,
                sortedNanos.length, ms(BenchCluster.percentile(sortedNanos, 50)),
                ms(BenchCluster.percentile(sortedNanos, 90)), ms(BenchCluster.percentile(sortedNanos, 99)),
                ms(sortedNanos.length == 0 ? -1 : sortedNanos[sortedNanos.length - 1]), target, met);
    }

    private static String ms(long nanos) {
        return nanos < 0 ? "-" : String.format(Locale.ROOT, "%.0f", nanos / 1e6);
    }
}
