package io.karavel.kubelet.impl;

import static io.karavel.testing.Eventually.eventually;
import static io.karavel.testing.Eventually.eventuallyGet;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.karavel.api.runtime.ContainerRuntime;
import io.karavel.testing.Kubectl;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * One node agent on a real runtime, against a real API server, driven with the real kubectl: the
 * setup shared by the runtime end-to-end tests. Every test's pods are deleted after it (through
 * the agent, so their containers stop too).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class NodeTestSupport {

    static final Duration WAIT = Duration.ofSeconds(90);

    Path dir;
    TestCluster cluster;
    KubernetesClient client;
    Kubectl kubectl;
    NodeAgent agent;
    /** The Services the running test created, deleted after it. */
    private final List<String> services = new ArrayList<>();

    /** The node's name: pods are bound to it with {@code nodeName: NODE} in their manifests. */
    abstract String nodeName();

    /** The runtime under test, created once per class. */
    abstract ContainerRuntime runtime();

    @BeforeAll
    void startNode(@TempDir Path tempDir) throws Exception {
        dir = tempDir;
        cluster = new TestCluster(dir);
        client = cluster.client();
        agent = cluster.startNode(nodeName(), runtime());
        kubectl = new Kubectl(Files.createDirectories(dir.resolve("kubectl-home")), cluster.kubeconfig());
        eventually("node registered", WAIT, () -> client.nodes().withName(nodeName()).get() != null);
    }

    @AfterEach
    void deletePods() throws Exception {
        client.pods().inNamespace("default").delete();
        eventually("pods gone", WAIT, () -> client.pods().inNamespace("default").list().getItems().isEmpty());
        // Only the test's own: the API server may keep Services of its own (kubernetes) in default.
        for (String service : List.copyOf(services)) {
            client.services().inNamespace("default").withName(service).delete();
        }
        services.clear();
        cluster.serviceNetwork(null);
    }

    /** Creates a Service and waits until the node agents' Service cache has it. */
    void createService(String name, String clusterIP, int port, String portName) throws Exception {
        services.add(name);
        client.services().inNamespace("default").resource(new ServiceBuilder().withNewMetadata().withName(name)
                .endMetadata().withNewSpec().withClusterIP(clusterIP).addNewPort().withName(portName).withPort(port)
                .withProtocol("TCP").endPort().endSpec().build()).create();
        eventually("the Service cache has " + name, WAIT, () -> cluster.services().inNamespace("default").stream()
                .anyMatch(s -> s.getMetadata().getName().equals(name)));
    }

    @AfterAll
    void stopNode() throws Exception {
        cluster.close();
    }

    /** Restarts the node agent on the same runtime, as a crash and restart of its JVM would. */
    void restartAgent() throws Exception {
        cluster.stopNode(agent);
        agent = cluster.startNode(TestCluster.settings(nodeName(), dir.resolve("kubelet-" + nodeName()), 0), runtime());
    }

    /** Applies a manifest (YAML) with kubectl, {@code NODE} replaced by this node's name. */
    void apply(String yaml) throws Exception {
        Path file = Files.createTempFile(dir, "manifest", ".yaml");
        Files.writeString(file, yaml.replace("NODE", nodeName()));
        Kubectl.Run run = kubectl.run("apply", "-f", file.toString());
        assertThat(run.exit()).as(run.err()).isZero();
    }

    /** Waits until pod {@code name} exists with a status that satisfies {@code condition}. */
    Pod waitFor(String name, String what, Predicate<Pod> condition) throws Exception {
        return eventuallyGet(name + " " + what, WAIT, () -> {
            Pod p = client.pods().inNamespace("default").withName(name).get();
            return p != null && p.getStatus() != null && p.getStatus().getContainerStatuses() != null
                    && condition.test(p) ? p : null;
        });
    }

    static ContainerStatus container(Pod pod, String name) {
        return pod.getStatus().getContainerStatuses().stream().filter(c -> c.getName().equals(name)).findFirst()
                .orElseThrow();
    }

    static boolean isReady(Pod pod) {
        return pod.getStatus().getConditions() != null && pod.getStatus().getConditions().stream()
                .anyMatch(c -> c.getType().equals("Ready") && c.getStatus().equals("True"));
    }
}
