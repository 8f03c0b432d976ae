package io.karavel.kubelet.impl;

import static io.karavel.testing.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.karavel.kubelet.impl.node.LeaseHeartbeat;
import io.karavel.kubelet.impl.node.NodeStatusReporter;
import io.karavel.runtime.simulated.impl.SimulatedRuntime;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZonedDateTime;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The node agent against the real API server, on the simulated runtime: registration, Lease, pod lifecycle. */
class SimulatedNodeTest {

    @TempDir
    static Path dir;
    static TestCluster cluster;
    static KubernetesClient client;
    static final SimulatedRuntime runtime = new SimulatedRuntime();

    @BeforeAll
    static void start() throws Exception {
        cluster = new TestCluster(dir);
        client = cluster.client();
        cluster.startNode("hollow-a", runtime);
    }

    @AfterAll
    static void stop() throws Exception {
        cluster.close();
    }

    static boolean ready(Pod pod) {
        return pod != null && pod.getStatus() != null && pod.getStatus().getConditions() != null
                && pod.getStatus().getConditions().stream()
                .anyMatch(c -> c.getType().equals("Ready") && c.getStatus().equals("True"));
    }

    static Lease lease() {
        return client.resources(Lease.class).inNamespace(LeaseHeartbeat.NAMESPACE).withName("hollow-a").get();
    }

    @Test
    void registersTheNodeWithCapacityLabelsAndAReadyCondition() throws Exception {
        eventually("node registered with status", Duration.ofSeconds(20), () -> {
            Node n = client.nodes().withName("hollow-a").get();
            return n != null && n.getStatus() != null && n.getStatus().getConditions() != null;
        });
        Node node = client.nodes().withName("hollow-a").get();
        assertThat(node.getMetadata().getLabels())
                .containsEntry("kubernetes.io/hostname", "hollow-a")
                .containsEntry("kubernetes.io/os", "linux")
                .containsEntry(NodeStatusReporter.RUNTIME_LABEL, "simulated");
        assertThat(node.getStatus().getCapacity()).containsKeys("cpu", "memory", "pods");
        assertThat(node.getStatus().getAllocatable().get("pods").getAmount()).isEqualTo("110");
        assertThat(node.getStatus().getNodeInfo().getContainerRuntimeVersion()).isEqualTo("simulated://1.0.0");
        assertThat(node.getStatus().getAddresses()).anyMatch(a -> a.getType().equals("InternalIP"));
        assertThat(node.getStatus().getConditions()).anyMatch(c -> c.getType().equals("Ready") && c.getStatus().equals("True"));
    }

    @Test
    void renewsItsLeaseInKubeNodeLease() throws Exception {
        eventually("lease exists", Duration.ofSeconds(20),
                () -> client.resources(Lease.class).inNamespace(LeaseHeartbeat.NAMESPACE).withName("hollow-a").get() != null);
        ZonedDateTime first = client.resources(Lease.class).inNamespace(LeaseHeartbeat.NAMESPACE).withName("hollow-a")
                .get().getSpec().getRenewTime();
        eventually("lease renewed", Duration.ofSeconds(20), () -> client.resources(Lease.class)
                .inNamespace(LeaseHeartbeat.NAMESPACE).withName("hollow-a").get().getSpec().getRenewTime().isAfter(first));
        Lease lease = client.resources(Lease.class).inNamespace(LeaseHeartbeat.NAMESPACE).withName("hollow-a").get();
        assertThat(lease.getSpec().getHolderIdentity()).isEqualTo("hollow-a");
        assertThat(lease.getSpec().getLeaseDurationSeconds()).isEqualTo(40);
        assertThat(lease.getMetadata().getOwnerReferences()).singleElement()
                .satisfies(o -> assertThat(o.getKind()).isEqualTo("Node"));
    }

    @Test
    void runsABoundPodReportsItsStatusAndDeletesItAfterTermination() throws Exception {
        Pod pod = client.pods().inNamespace("default").resource(new PodBuilder()
                .withNewMetadata().withName("sim-web").endMetadata()
                .withNewSpec().withNodeName("hollow-a")
                .addNewContainer().withName("web").withImage("nginx:1.25").withNewReadinessProbe().withNewHttpGet()
                .withPort(new io.fabric8.kubernetes.api.model.IntOrString(80)).endHttpGet().endReadinessProbe().endContainer()
                .endSpec().build()).create();

        eventually("pod ready", Duration.ofSeconds(20),
                () -> ready(client.pods().inNamespace("default").withName("sim-web").get()));
        Pod running = client.pods().inNamespace("default").withName("sim-web").get();
        assertThat(running.getStatus().getPhase()).isEqualTo("Running");
        assertThat(running.getStatus().getPodIP()).startsWith("10.");
        assertThat(running.getStatus().getHostIP()).isEqualTo("127.0.0.1");
        assertThat(running.getStatus().getStartTime()).isNotNull();
        assertThat(running.getStatus().getConditions()).extracting(PodCondition::getType)
                .contains("PodScheduled", "Initialized", "ContainersReady", "Ready");
        var cs = running.getStatus().getContainerStatuses().get(0);
        assertThat(cs.getState().getRunning()).isNotNull();
        assertThat(cs.getRestartCount()).isZero();
        assertThat(cs.getImageID()).isEqualTo("simulated://nginx:1.25");
        assertThat(cs.getContainerID()).startsWith("simulated://");
        assertThat(cs.getStarted()).isTrue();

        // The status is written only when it changes: it stays at one version while nothing happens,
        // here two heartbeats of the node (ten pod sync periods).
        String version = running.getMetadata().getResourceVersion();
        ZonedDateTime beat = lease().getSpec().getRenewTime();
        eventually("two more heartbeats", Duration.ofSeconds(20),
                () -> lease().getSpec().getRenewTime().isAfter(beat.plusSeconds(1)));
        assertThat(client.pods().inNamespace("default").withName("sim-web").get().getMetadata().getResourceVersion())
                .isEqualTo(version);

        client.pods().inNamespace("default").withName("sim-web").delete();
        eventually("pod gone", Duration.ofSeconds(20),
                () -> client.pods().inNamespace("default").withName("sim-web").get() == null);
        eventually("sandbox removed", Duration.ofSeconds(5),
                () -> runtime.listPodSandboxes().stream().noneMatch(s -> s.uid().equals(pod.getMetadata().getUid())));
    }
}
