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
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A Deployment of {@code --replicas} pods, from its create request until every pod is
 * {@code Running} (seen by a pod watch) and the Deployment reports them all ready: the whole
 * control loop (deployment and replicaset controllers, scheduler, node agents, status) as a user
 * waiting on {@code kubectl rollout status} sees it.
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
        Set<String> running = ConcurrentHashMap.newKeySet();
        CountDownLatch allRunning = new CountDownLatch(1);
        long[] firstRunning = {0};
        int target = replicas;
        Watch podWatch = client.pods().inNamespace(namespace).withLabel("app", name).watch(new Watcher<>() {
            @Override
            public void eventReceived(Action action, Pod pod) {
                String podName = pod.getMetadata().getName();
                if (action != Action.DELETED && BenchCluster.isRunning(pod) && pod.getMetadata().getDeletionTimestamp() == null) {
                    if (running.add(podName) && running.size() == 1) {
                        firstRunning[0] = System.nanoTime();
                    }
                } else {
                    running.remove(podName);
                }
                if (running.size() >= target) {
                    allRunning.countDown();
                }
            }

            @Override
            public void onClose(WatcherException cause) {
                if (cause != null) {
                    System.err.println("pod watch closed: " + cause.getMessage());
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
        boolean done = allRunning.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
        long runningAt = System.nanoTime();
        podWatch.close();
        if (!done) {
            throw new IllegalStateException(running.size() + " of " + replicas + " pods Running after " + timeout);
        }
        BenchCluster.await("the Deployment to report " + replicas + " ready", timeout, () -> {
            Deployment d = client.apps().deployments().inNamespace(namespace).withName(name).get();
            return d.getStatus() != null && d.getStatus().getReadyReplicas() != null
                    && d.getStatus().getReadyReplicas() == replicas;
        });
        long readyAt = System.nanoTime();

        double toRunning = (runningAt - start) / 1e9;
        double toReady = (readyAt - start) / 1e9;
        double firstPod = firstRunning[0] == 0 ? Double.NaN : (firstRunning[0] - start) / 1e9;
        String met = targetSeconds < 0 ? "-" : toRunning <= targetSeconds ? "yes" : "**no**";
        System.out.println(String.format(Locale.ROOT, "| %d | %.2f | %.2f | %.2f | %.0f | %s |",
                replicas, firstPod, toRunning, toReady, replicas / toRunning, met));

        if (!keep) {
            client.apps().deployments().inNamespace(namespace).withName(name).delete();
            BenchCluster.await("the Deployment's pods to be gone", timeout,
                    () -> client.pods().inNamespace(namespace).withLabel("app", name).list().getItems().isEmpty());
        }
    }
}
