package io.karavel.bench;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * What the node benchmarks share: a fabric8 client from a kubeconfig, the benchmark pod, and
 * polling with a deadline. The benchmarks talk to Karavel only through its API server, as a
 * user's tooling would.
 */
final class BenchCluster {

    /** Label on every pod the benchmarks create, so that they find and delete exactly those. */
    static final String RUN_LABEL = "karavel.io/bench-run";

    private BenchCluster() {
    }

    /** A client for the cluster of that kubeconfig (the file the API server writes when ready). */
    static KubernetesClient client(Path kubeconfig) throws IOException {
        Config config = Config.fromKubeconfig(Files.readString(kubeconfig));
        config.setRequestTimeout(30_000);
        config.setConnectionTimeout(5_000);
        return new KubernetesClientBuilder().withConfig(config).build();
    }

    /**
     * The benchmark pod: one container running {@code sleep 3600} from {@code image}, bound to
     * {@code node} (there is no scheduler: {@code spec.nodeName} is set directly). A 2 s grace
     * period keeps the deletion at the end short: busybox's {@code sleep} as PID 1 of a container
     * ignores SIGTERM, so every pod would otherwise wait out the default 30 s before SIGKILL.
     */
    static Pod pod(String namespace, String name, String node, String image, String runId) {
        return new PodBuilder()
                .withNewMetadata()
                    .withNamespace(namespace)
                    .withName(name)
                    .addToLabels(RUN_LABEL, runId)
                .endMetadata()
                .withNewSpec()
                    .withNodeName(node)
                    .withTerminationGracePeriodSeconds(2L)
                    .addNewContainer()
                        .withName("main")
                        .withImage(image)
                        .withImagePullPolicy("IfNotPresent")
                        .withCommand("sleep", "3600")
                    .endContainer()
                .endSpec()
                .build();
    }

    static boolean isRunning(Pod pod) {
        return pod.getStatus() != null && "Running".equals(pod.getStatus().getPhase());
    }

    static boolean isReady(Pod pod) {
        if (pod.getStatus() == null || pod.getStatus().getConditions() == null) {
            return false;
        }
        for (PodCondition c : pod.getStatus().getConditions()) {
            if ("Ready".equals(c.getType()) && "True".equals(c.getStatus())) {
                return true;
            }
        }
        return false;
    }

    static boolean isReady(Node node) {
        if (node == null || node.getStatus() == null || node.getStatus().getConditions() == null) {
            return false;
        }
        for (NodeCondition c : node.getStatus().getConditions()) {
            if ("Ready".equals(c.getType()) && "True".equals(c.getStatus())) {
                return true;
            }
        }
        return false;
    }

    /** Waits until the node exists and reports Ready=True. */
    static void awaitNodeReady(KubernetesClient client, String node, Duration timeout) throws InterruptedException {
        await("node " + node + " Ready", timeout, () -> isReady(client.nodes().withName(node).get()));
    }

    /** Deletes the pods of a benchmark run and waits until the API server no longer has any of them. */
    static Duration deleteRun(KubernetesClient client, String namespace, String runId, Duration timeout)
            throws InterruptedException {
        long start = System.nanoTime();
        client.pods().inNamespace(namespace).withLabel(RUN_LABEL, runId).delete();
        await("pods of run " + runId + " gone", timeout, () -> {
            List<Pod> left = client.pods().inNamespace(namespace).withLabel(RUN_LABEL, runId).list().getItems();
            return left.isEmpty();
        });
        return Duration.ofNanos(System.nanoTime() - start);
    }

    /** Polls every 200 ms until the condition holds; fails after the timeout. */
    static void await(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        RuntimeException last = null;
        while (System.nanoTime() < deadline) {
            try {
                if (condition.getAsBoolean()) {
                    return;
                }
                last = null;
            } catch (RuntimeException e) {
                last = e; // the API server may not answer yet: try again until the deadline
            }
            Thread.sleep(200);
        }
        IllegalStateException timedOut = new IllegalStateException("timed out after " + timeout + " waiting for " + what);
        if (last != null) {
            timedOut.addSuppressed(last);
        }
        throw timedOut;
    }

    /** Nearest-rank percentile of sorted values (p in 0..100). */
    static long percentile(long[] sorted, double p) {
        if (sorted.length == 0) {
            return -1;
        }
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }
}
