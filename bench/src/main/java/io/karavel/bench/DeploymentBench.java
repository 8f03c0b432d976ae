package io.karavel.bench;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A Deployment of {@code --replicas} pods, from its create request until the Deployment reports
 * every pod ready (seen by a watch on the Deployment: every pod is {@code Running} and Ready):
 * the whole control loop (deployment and replicaset controllers, scheduler, node agents, status)
 * as a user waiting on {@code kubectl rollout status} sees it. A watch on the pods gives the time
 * of the first Running pod.
 *
 * <p>Usage: {@code DeploymentBench --kubeconfig FILE [--replicas 1000] [--name bench-web]
 * [--namespace default] [--timeout-seconds 600] [--keep] [--target-seconds 5]}. Without
 * {@code --keep} the Deployment is deleted at the end and the benchmark waits until its pods are
 * gone. Prints one Markdown table row on stdout.
 */
public final class DeploymentBench {

    public static void main(String[] args) throws Exception {
        Path kubeconfig = null;
        int replicas = 1000;
        String name = "bench-web";
        String namespace = "default";
        Duration timeout = Duration.ofSeconds(600);
        boolean keep = false;
        double targetSeconds = -1;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--kubeconfig" -> kubeconfig = Path.of(args[++i]);
                case "--replicas" -> replicas = Integer.parseInt(args[++i]);
                case "--name" -> name = args[++i];
                case "--namespace" -> namespace = args[++i];
                case "--timeout-seconds" -> timeout = Duration.ofSeconds(Integer.parseInt(args[++i]));
                case "--keep" -> keep = true;
                case "--target-seconds" -> targetSeconds = Double.parseDouble(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        if (kubeconfig == null) {
            throw new IllegalArgumentException("--kubeconfig is required");
        }
        try (KubernetesClient client = BenchCluster.client(kubeconfig)) {
            run(client, namespace, name, replicas, timeout, keep, targetSeconds);
        }
    }

    private static void run(KubernetesClient client, String namespace, String name, int replicas, Duration timeout,
            boolean keep, double targetSeconds) throws Exception {
        // the first Running pod, from a pod watch (which a large run may outpace: only the first counts)
        CountDownLatch allReady = new CountDownLatch(1);
        AtomicLong firstRunning = new AtomicLong();
        Watch podWatch = client.pods().inNamespace(namespace).withLabel("app", name).watch(new Watcher<>() {
            @Override
            public void eventReceived(Action action, Pod pod) {
                if (action != Action.DELETED && pod.getMetadata() != null && BenchCluster.isRunning(pod)) {
                    firstRunning.compareAndSet(0, System.nanoTime());
                }
            }

            @Override
            public void onClose(WatcherException cause) {}
        });
        Watch deploymentWatch = client.apps().deployments().inNamespace(namespace).withName(name).watch(new Watcher<>() {
            @Override
            public void eventReceived(Action action, Deployment d) {
                if (d.getStatus() != null && d.getStatus().getReadyReplicas() != null
                        && d.getStatus().getReadyReplicas() == replicas) {
                    allReady.countDown();
                }
            }

            @Override
            public void onClose(WatcherException cause) {
                if (cause != null) {
                    System.err.println("deployment watch closed: " + cause.getMessage());
                }
            }
        });
        Deployment deployment = new DeploymentBuilder()
                .withNewMetadata().withName(name).withNamespace(namespace).endMetadata()
                .withNewSpec().withReplicas(replicas)
                .withNewSelector().withMatchLabels(Map.of("app", name)).endSelector()
                .withNewTemplate().withNewMetadata().withLabels(Map.of("app", name)).endMetadata()
                .withNewSpec().addNewContainer().withName("app").withImage("busybox:bench")
                .withCommand("sleep", "3600").endContainer().endSpec().endTemplate()
                .endSpec().build();

        long start = System.nanoTime();
        client.apps().deployments().inNamespace(namespace).resource(deployment).create();
        boolean done = allReady.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
        podWatch.close();
        deploymentWatch.close();
        if (!done) {
            throw new IllegalStateException("the Deployment did not report " + replicas + " ready pods within " + timeout);
        }
        long readyAt = System.nanoTime();

        double toReady = (readyAt - start) / 1e9;
        double firstPod = firstRunning.get() == 0 ? Double.NaN : (firstRunning.get() - start) / 1e9;
        String met = targetSeconds < 0 ? "-" : toReady <= targetSeconds ? "yes" : "**no**";
        System.out.println(String.format(Locale.ROOT, "| %d | %.2f | %.2f | %.0f | %s |",
                replicas, firstPod, toReady, replicas / toReady, met));

        if (!keep) {
            client.apps().deployments().inNamespace(namespace).withName(name).delete();
            BenchCluster.await("the Deployment's pods to be gone", timeout,
                    () -> client.pods().inNamespace(namespace).withLabel("app", name).list().getItems().isEmpty());
        }
    }
}
