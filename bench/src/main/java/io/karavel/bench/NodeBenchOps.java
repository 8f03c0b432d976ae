package io.karavel.bench;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The steps of {@code bench/run-node-bench.sh} that need the API server, one per invocation:
 *
 * <ul>
 *   <li>{@code wait-node --node NAME}: until the Node reports Ready=True.</li>
 *   <li>{@code create-pods --node NAME --count N --run ID [--image I]}: creates N benchmark pods
 *       (10 create requests at a time) and waits until all are Running; they stay.</li>
 *   <li>{@code delete-run --run ID}: deletes the pods of that run and waits until they are gone.</li>
 *   <li>{@code wait-hollow-nodes --prefix P --count N}: until N Nodes named {@code P<i>} are
 *       Ready, and then until each of their Leases has been renewed once more (so every hollow
 *       node has done a full heartbeat cycle).</li>
 * </ul>
 *
 * <p>Common options: {@code --kubeconfig FILE} (required), {@code --namespace default},
 * {@code --timeout-seconds 300}.
 */
public final class NodeBenchOps {

    public static void main(String[] args) throws Exception {
        if (args.length == 0) {
            throw new IllegalArgumentException("usage: NodeBenchOps wait-node|create-pods|delete-run|wait-hollow-nodes ...");
        }
        String command = args[0];
        Path kubeconfig = null;
        String node = null;
        String run = null;
        String prefix = null;
        String image = "localhost/busybox:latest";
        String namespace = "default";
        int count = 0;
        Duration timeout = Duration.ofSeconds(300);
        for (int i = 1; i < args.length; i++) {
            switch (args[i]) {
                case "--kubeconfig" -> kubeconfig = Path.of(args[++i]);
                case "--node" -> node = args[++i];
                case "--run" -> run = args[++i];
                case "--prefix" -> prefix = args[++i];
                case "--image" -> image = args[++i];
                case "--namespace" -> namespace = args[++i];
                case "--count" -> count = Integer.parseInt(args[++i]);
                case "--timeout-seconds" -> timeout = Duration.ofSeconds(Integer.parseInt(args[++i]));
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        if (kubeconfig == null) {
            throw new IllegalArgumentException("--kubeconfig is required");
        }
        long start = System.nanoTime();
        try (KubernetesClient client = BenchCluster.client(kubeconfig)) {
            switch (command) {
                case "wait-node" -> BenchCluster.awaitNodeReady(client, required(node, "--node"), timeout);
                case "create-pods" -> createPods(client, namespace, required(node, "--node"), count,
                        required(run, "--run"), image, timeout);
                case "delete-run" -> BenchCluster.deleteRun(client, namespace, required(run, "--run"), timeout);
                case "wait-hollow-nodes" -> waitHollowNodes(client, required(prefix, "--prefix"), count, timeout);
                default -> throw new IllegalArgumentException("unknown command " + command);
            }
        }
        System.err.printf(Locale.ROOT, "%s: done in %.1f s%n", command, (System.nanoTime() - start) / 1e9);
    }

    private static String required(String value, String option) {
        if (value == null) {
            throw new IllegalArgumentException(option + " is required");
        }
        return value;
    }

    private static void createPods(KubernetesClient client, String namespace, String node, int count, String run,
                                   String image, Duration timeout) throws InterruptedException {
        BenchCluster.awaitNodeReady(client, node, timeout);
        ExecutorService creators = Executors.newFixedThreadPool(10);
        for (int i = 0; i < count; i++) {
            Pod pod = BenchCluster.pod(namespace, String.format(Locale.ROOT, "%s-%03d", run, i), node, image, run);
            creators.execute(() -> client.pods().inNamespace(namespace).resource(pod).create());
        }
        creators.shutdown();
        if (!creators.awaitTermination(timeout.toSeconds(), TimeUnit.SECONDS)) {
            throw new IllegalStateException("creates did not finish in " + timeout);
        }
        BenchCluster.await(count + " pods of run " + run + " Running", timeout, () -> {
            List<Pod> pods = client.pods().inNamespace(namespace).withLabel(BenchCluster.RUN_LABEL, run)
                    .list().getItems();
            return pods.size() == count && pods.stream().allMatch(BenchCluster::isRunning);
        });
    }

    private static void waitHollowNodes(KubernetesClient client, String prefix, int count, Duration timeout)
            throws InterruptedException {
        BenchCluster.await(count + " nodes " + prefix + "* Ready", timeout, () -> {
            List<Node> nodes = client.nodes().list().getItems().stream()
                    .filter(n -> n.getMetadata().getName().startsWith(prefix)).toList();
            return nodes.size() == count && nodes.stream().allMatch(BenchCluster::isReady);
        });
        Instant allReady = Instant.now();
        System.err.printf(Locale.ROOT, "%d nodes %s* Ready; waiting for every Lease to be renewed after %s%n",
                count, prefix, allReady);
        BenchCluster.await(count + " leases renewed", timeout, () -> {
            List<Lease> leases = client.leases().inNamespace("kube-node-lease").list().getItems().stream()
                    .filter(l -> l.getMetadata().getName().startsWith(prefix)).toList();
            return leases.size() == count && leases.stream().allMatch(l -> l.getSpec().getRenewTime() != null
                    && l.getSpec().getRenewTime().toInstant().isAfter(allReady));
        });
    }
}
