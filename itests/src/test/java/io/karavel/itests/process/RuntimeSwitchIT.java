package io.karavel.itests.process;

import static org.junit.Assert.assertEquals;
import static org.junit.Assume.assumeTrue;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.After;
import org.junit.Test;

/**
 * Switching a running node's runtime, as an operator does it: {@code bin/client
 * "karavel:runtime-set NODE podman"} moves the pods of a Deployment from the process runtime to
 * podman (same pods, same UIDs, restart count 1, podman IPs) and the Service in front of them
 * keeps routing to all of them; removing the request (the node's configured runtime applies
 * again) moves them back.
 */
public class RuntimeSwitchIT {
    private static final Duration WAIT = Duration.ofSeconds(150);
    private static final String NS = "switch";

    private final KaravelProcess karavel = KaravelProcess.fromFreshCopy("switch", "all-in-one");
    private KubernetesClient client;
    private Kubectl kubectl;

    @After
    public void stopWhatThisTestStarted() {
        if (client != null) {
            kubectl.run("delete", "namespace", NS, "--wait=false");
            Poll.until(WAIT, "no pods left", () -> client.pods().inAnyNamespace().list().getItems().isEmpty());
            client.close();
        }
        karavel.close();
    }

    @Test
    public void podsMoveBetweenRuntimesAndTheServiceFollows() throws Exception {
        assumeTrue("kubectl is not installed at " + Kubectl.BINARY, Files.isExecutable(Kubectl.BINARY));
        assumeTrue("podman is not installed", Files.isExecutable(Paths.get("/usr/bin/podman")));
        karavel.start();
        kubectl = new Kubectl(karavel.kubeconfig(), Files.createDirectories(karavel.home().resolve("kubectl-cache")));
        client = new KubernetesClientBuilder()
                .withConfig(new ConfigBuilder().withMasterUrl(karavel.apiUrl()).withNamespace(NS).build()).build();
        String node = karavel.nodeName();
        Poll.until(WAIT, "the node to offer podman", () -> {
            var n = client.nodes().withName(node).get();
            return n != null && "true".equals(n.getMetadata().getLabels().get("runtime.karavel.io/podman"));
        });

        Path manifest = karavel.home().resolve("web.yaml");
        Files.writeString(manifest, Files.readString(Paths.get("src/test/resources/services/web.yaml"))
                .replace("NAMESPACE", NS).replace("NODE", node));
        kubectl.run("apply", "-f", manifest.toString()).assertSuccess();
        awaitPods(3, "127.", 0);
        Map<String, String> uids = uids();
        InetSocketAddress service = new InetSocketAddress(kubectl.run("get", "service", "web", "-n", NS, "-o",
                "jsonpath={.spec.clusterIP}").assertSuccess().stdout(), 80);
        assertEquals(uids.keySet(), answering(service));

        // to podman, through the shell: the same pods (UIDs), restarted once, on podman's bridge
        KaravelProcess.ClientOutcome set = karavel.client("karavel:runtime-set " + node + " podman");
        assertEquals(set.output(), 0, set.exitCode());
        awaitPods(3, "10.88.", 1);
        assertEquals(uids, uids());
        assertEquals("podman", client.nodes().withName(node).get().getMetadata().getLabels().get("karavel.io/runtime"));
        Poll.until(WAIT, "the Service to reach the moved pods", () -> answering(service).equals(uids.keySet()));

        // the request removed: the node's configured runtime (process) applies again
        kubectl.run("annotate", "node", node, "karavel.io/runtime-request-").assertSuccess();
        awaitPods(3, "127.", 2);
        assertEquals(uids, uids());
        Poll.until(WAIT, "the Service to reach the pods moved back", () -> answering(service).equals(uids.keySet()));
    }

    private List<Pod> pods() {
        return client.pods().inNamespace(NS).withLabel("app", "web").list().getItems();
    }

    private Map<String, String> uids() {
        return pods().stream().collect(Collectors.toMap(p -> p.getMetadata().getName(), p -> p.getMetadata().getUid()));
    }

    /** {@code count} Ready pods whose IP starts with {@code ipPrefix}, each restarted {@code restarts} times. */
    private void awaitPods(int count, String ipPrefix, int restarts) {
        Poll.until(WAIT, count + " Ready pods on " + ipPrefix + "x with " + restarts + " restart(s)", () -> {
            List<Pod> pods = pods();
            return pods.size() == count && pods.stream().allMatch(p -> p.getStatus() != null
                    && p.getStatus().getPodIP() != null && p.getStatus().getPodIP().startsWith(ipPrefix)
                    && p.getStatus().getContainerStatuses() != null
                    && p.getStatus().getContainerStatuses().stream()
                            .allMatch(c -> Boolean.TRUE.equals(c.getReady()) && c.getRestartCount() == restarts));
        });
    }

    /** The pods that answered 60 requests through the Service (empty when it failed). */
    private static Set<String> answering(InetSocketAddress service) {
        Set<String> names = new HashSet<>();
        try {
            for (int i = 0; i < 60; i++) {
                names.add(Http.get(service));
            }
        } catch (Exception e) {
            return Set.of();
        }
        return names;
    }
}
