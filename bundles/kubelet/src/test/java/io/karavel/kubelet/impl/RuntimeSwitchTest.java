package io.karavel.kubelet.impl;

import static io.karavel.testing.Eventually.eventually;
import static io.karavel.testing.Eventually.eventuallyGet;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.node.v1.RuntimeClassBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.karavel.api.runtime.ContainerRuntime;
import io.karavel.kubelet.impl.node.NodeStatusReporter;
import io.karavel.runtime.process.impl.ProcessRuntime;
import io.karavel.runtime.simulated.impl.SimulatedRuntime;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * One node offering two runtimes (simulated, the configured default, and process) against the
 * real API server: its runtime labels, pods moved between runtimes when the default changes (by
 * configuration and by the Node's runtime-request annotation), an unavailable runtime refused,
 * and pods pinned to their RuntimeClass's handler.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RuntimeSwitchTest {

    static final String NODE = "multi";
    static final Duration WAIT = Duration.ofSeconds(30);

    Path dir;
    TestCluster cluster;
    KubernetesClient client;
    NodeRuntimes runtimes;
    NodeAgent agent;

    @BeforeAll
    void start(@TempDir Path tempDir) throws Exception {
        dir = tempDir;
        cluster = new TestCluster(dir);
        client = cluster.client();
        runtimes = new NodeRuntimes(NodeAgentComponent.target("(runtime.name=simulated)"));
        add(countingStops(new SimulatedRuntime()));
        add(new ProcessRuntime(dir.resolve("runtime"), "127.79.0.0/16", "test"));
        agent = cluster.startNode(NODE, runtimes);
        eventually("node registered", WAIT, () -> client.nodes().withName(NODE).get() != null);
    }

    /** Containers being stopped on the simulated runtime right now, and the most at once. */
    final AtomicInteger stopping = new AtomicInteger();
    final AtomicInteger mostStoppingAtOnce = new AtomicInteger();

    /**
     * The runtime, whose container stops are counted: how many pods leave it at once. A stop
     * lasts until a second one runs alongside it (bounded, as a grace period would be), so that
     * moves that may overlap do overlap, and more than the allowed two would show.
     */
    private ContainerRuntime countingStops(ContainerRuntime runtime) {
        return (ContainerRuntime) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {ContainerRuntime.class}, (proxy, method, args) -> {
                    if (!method.getName().equals("stopContainer")) {
                        return invoke(runtime, method, args);
                    }
                    synchronized (stopping) {
                        mostStoppingAtOnce.accumulateAndGet(stopping.incrementAndGet(), Math::max);
                        stopping.notifyAll();
                        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(500);
                        for (long left; stopping.get() < 2 && (left = deadline - System.nanoTime()) > 0; ) {
                            TimeUnit.NANOSECONDS.timedWait(stopping, left);
                        }
                    }
                    try {
                        return invoke(runtime, method, args);
                    } finally {
                        stopping.decrementAndGet();
                    }
                });
    }

    private static Object invoke(Object target, Method method, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    private void add(ContainerRuntime runtime) {
        runtimes.add(runtime, Map.of(ContainerRuntime.NAME_PROPERTY, runtime.name()));
    }

    @AfterEach
    void backToSimulated() throws Exception {
        request(null);
        runtimes.target(NodeAgentComponent.target("(runtime.name=simulated)"));
        client.pods().inNamespace("default").delete();
        eventually("pods gone", WAIT, () -> client.pods().inNamespace("default").list().getItems().isEmpty());
        client.resources(io.fabric8.kubernetes.api.model.node.v1.RuntimeClass.class).delete();
        eventually("default back to simulated", WAIT, () -> "simulated".equals(agent.defaultRuntime()));
    }

    @AfterAll
    void stop() throws Exception {
        cluster.close();
    }

    private void request(String runtime) {
        client.nodes().withName(NODE).edit(n -> {
            if (runtime == null) {
                if (n.getMetadata().getAnnotations() != null) {
                    n.getMetadata().getAnnotations().remove(NodeAgent.RUNTIME_REQUEST_ANNOTATION);
                }
            } else {
                n.getMetadata().getAnnotations().put(NodeAgent.RUNTIME_REQUEST_ANNOTATION, runtime);
            }
            return n;
        });
    }

    private Pod createSleeper(String name, String runtimeClass) {
        return client.pods().inNamespace("default").resource(new PodBuilder()
                .withNewMetadata().withName(name).endMetadata()
                .withNewSpec().withNodeName(NODE).withTerminationGracePeriodSeconds(1L)
                .withRuntimeClassName(runtimeClass)
                .addNewContainer().withName("app").withImage("busybox")
                .withCommand("sh", "-c", "exec sleep 3600").endContainer()
                .endSpec().build()).create();
    }

    private Pod waitFor(String name, String what, Predicate<Pod> condition) throws Exception {
        return eventuallyGet(name + " " + what, WAIT, () -> {
            Pod p = client.pods().inNamespace("default").withName(name).get();
            return p != null && p.getStatus() != null && p.getStatus().getContainerStatuses() != null
                    && !p.getStatus().getContainerStatuses().isEmpty() && condition.test(p) ? p : null;
        });
    }

    private static ContainerStatus app(Pod pod) {
        return pod.getStatus().getContainerStatuses().get(0);
    }

    /** Running on {@code runtime} (by container id) with this restart count. */
    private static Predicate<Pod> runningOn(String runtime, int restarts) {
        return p -> app(p).getState().getRunning() != null && app(p).getContainerID() != null
                && app(p).getContainerID().startsWith(runtime + "://") && app(p).getRestartCount() == restarts;
    }

    private List<Event> events(String kind, String name) {
        return client.v1().events().inNamespace("default").list().getItems().stream()
                .filter(e -> kind.equals(e.getInvolvedObject().getKind()) && name.equals(e.getInvolvedObject().getName()))
                .toList();
    }

    @Test
    void theNodeAdvertisesEveryRuntimeAndItsDefault() throws Exception {
        Node node = eventuallyGet("runtime labels", WAIT, () -> {
            Node n = client.nodes().withName(NODE).get();
            return n.getStatus() != null && n.getStatus().getNodeInfo() != null
                    && "true".equals(n.getMetadata().getLabels().get("runtime.karavel.io/process")) ? n : null;
        });
        assertThat(node.getMetadata().getLabels())
                .containsEntry(NodeStatusReporter.RUNTIME_LABEL, "simulated")
                .containsEntry("runtime.karavel.io/simulated", "true")
                .containsEntry("runtime.karavel.io/process", "true");
        assertThat(node.getMetadata().getAnnotations())
                .containsEntry(NodeStatusReporter.AVAILABLE_ANNOTATION, "process,simulated");
        assertThat(node.getStatus().getNodeInfo().getContainerRuntimeVersion()).isEqualTo("simulated://1.0.0");
    }

    @Test
    void aConfigChangeMovesRunningPodsAndTheAnnotationMovesThemBack() throws Exception {
        Pod created = createSleeper("mover", null);
        Pod onSimulated = waitFor("mover", "running on simulated", runningOn("simulated", 0));
        String simulatedIp = onSimulated.getStatus().getPodIP();

        runtimes.target(NodeAgentComponent.target("(runtime.name=process)"));
        Pod onProcess = waitFor("mover", "moved to process", runningOn("process", 1));
        assertThat(onProcess.getMetadata().getUid()).isEqualTo(created.getMetadata().getUid());
        assertThat(onProcess.getStatus().getPodIP()).startsWith("127.79.").isNotEqualTo(simulatedIp);
        assertThat(onProcess.getStatus().getPodIPs()).singleElement()
                .satisfies(ip -> assertThat(ip.getIp()).isEqualTo(onProcess.getStatus().getPodIP()));
        eventually("a Moved event", WAIT, () -> events("Pod", "mover").stream().anyMatch(e -> "Moved".equals(e.getReason())
                && "Moved from runtime simulated to process".equals(e.getMessage())));
        eventually("the Node says process", WAIT, () -> {
            Node n = client.nodes().withName(NODE).get();
            return "process".equals(n.getMetadata().getLabels().get(NodeStatusReporter.RUNTIME_LABEL))
                    && "process://test".equals(n.getStatus().getNodeInfo().getContainerRuntimeVersion());
        });

        // the annotation wins over the configuration while present...
        request("simulated");
        Pod back = waitFor("mover", "moved back to simulated", runningOn("simulated", 2));
        assertThat(back.getMetadata().getUid()).isEqualTo(created.getMetadata().getUid());
        assertThat(back.getStatus().getPodIP()).doesNotStartWith("127.79.");
        assertThat(back.getStatus().getPhase()).isEqualTo("Running");

        // ...and once removed, the configuration applies again
        request(null);
        waitFor("mover", "moved to process again", runningOn("process", 3));
    }

    @Test
    void podsMoveAFewAtATimeAndAllArrive() throws Exception {
        for (int i = 0; i < 5; i++) {
            createSleeper("many-" + i, null);
        }
        for (int i = 0; i < 5; i++) {
            waitFor("many-" + i, "running on simulated", runningOn("simulated", 0));
        }
        mostStoppingAtOnce.set(0);
        request("process");
        for (int i = 0; i < 5; i++) {
            waitFor("many-" + i, "moved to process", runningOn("process", 1));
        }
        assertThat(mostStoppingAtOnce.get()).as("pods leaving the old runtime at once").isBetween(1, 2);
    }

    @Test
    void anUnavailableRuntimeIsRefusedWithAWarningAndNothingMoves() throws Exception {
        createSleeper("stayer", null);
        waitFor("stayer", "running on simulated", runningOn("simulated", 0));
        request("podman");
        Event warning = eventuallyGet("a Warning event on the Node", WAIT, () -> events("Node", NODE).stream()
                .filter(e -> "RuntimeUnavailable".equals(e.getReason())).findFirst().orElse(null));
        assertThat(warning.getType()).isEqualTo("Warning");
        assertThat(warning.getMessage()).contains("\"podman\"", "not available", "process, simulated");
        assertThat(agent.defaultRuntime()).isEqualTo("simulated");
        assertThat(app(client.pods().inNamespace("default").withName("stayer").get()).getRestartCount()).isZero();
        assertThat(client.nodes().withName(NODE).get().getMetadata().getLabels())
                .containsEntry(NodeStatusReporter.RUNTIME_LABEL, "simulated");
    }

    @Test
    void aPodWithARuntimeClassRunsOnItsHandlerAndStaysThereAcrossSwitches() throws Exception {
        client.resources(io.fabric8.kubernetes.api.model.node.v1.RuntimeClass.class).resource(new RuntimeClassBuilder()
                .withNewMetadata().withName("light").endMetadata().withHandler("process").build()).create();
        createSleeper("pinned", "light");
        createSleeper("free", null);
        waitFor("pinned", "running on process", runningOn("process", 0));
        waitFor("free", "running on simulated", runningOn("simulated", 0));

        runtimes.target(NodeAgentComponent.target("(runtime.name=process)"));
        waitFor("free", "moved to process", runningOn("process", 1));
        request("simulated");
        waitFor("free", "moved back to simulated", runningOn("simulated", 2));
        Pod pinned = client.pods().inNamespace("default").withName("pinned").get();
        assertThat(runningOn("process", 0).test(pinned)).as("the pinned pod never moved").isTrue();
        assertThat(events("Pod", "pinned")).noneMatch(e -> "Moved".equals(e.getReason()));
    }

    @Test
    void aPodWhoseHandlerTheNodeLacksWaitsWithAClearReason() throws Exception {
        client.resources(io.fabric8.kubernetes.api.model.node.v1.RuntimeClass.class).resource(new RuntimeClassBuilder()
                .withNewMetadata().withName("sandboxed").endMetadata().withHandler("podman").build()).create();
        createSleeper("unplaceable", "sandboxed");
        Pod pod = waitFor("unplaceable", "waiting", p -> app(p).getState().getWaiting() != null
                && app(p).getState().getWaiting().getMessage() != null);
        assertThat(pod.getStatus().getPhase()).isEqualTo("Pending");
        assertThat(app(pod).getState().getWaiting().getReason()).isEqualTo("ContainerCreating");
        assertThat(app(pod).getState().getWaiting().getMessage()).isEqualTo("Failed to create pod sandbox: runtime"
                + " handler \"podman\" of RuntimeClass \"sandboxed\" is not available on node multi (available:"
                + " process, simulated)");
        eventually("a FailedCreatePodSandBox event", WAIT, () -> events("Pod", "unplaceable").stream()
                .anyMatch(e -> "FailedCreatePodSandBox".equals(e.getReason()) && "Warning".equals(e.getType())));
    }
}
