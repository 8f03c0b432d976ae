package io.karavel.kubelet.impl;

import static io.karavel.testing.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.karavel.kubelet.impl.node.LeaseHeartbeat;
import io.karavel.runtime.simulated.impl.SimulatedRuntime;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Kubemark-style hollow nodes: 200 simulated node agents in this JVM register and keep heartbeating. */
class HollowNodesTest {

    static final int NODES = 200;

    @TempDir
    Path dir;

    @Test
    void twoHundredSimulatedNodesRegisterAndHeartbeat() throws Exception {
        SimulatedRuntime runtime = new SimulatedRuntime();
        try (TestCluster cluster = new TestCluster(dir)) {
            for (int i = 0; i < NODES; i++) {
                cluster.startNode(TestCluster.settings("hollow-" + i, dir.resolve("kubelet"), -1), runtime);
            }
            var client = cluster.client();
            eventually(NODES + " nodes registered", Duration.ofSeconds(60),
                    () -> client.nodes().list().getItems().size() == NODES);
            eventually(NODES + " leases", Duration.ofSeconds(60),
                    () -> client.resources(Lease.class).inNamespace(LeaseHeartbeat.NAMESPACE).list().getItems().size() == NODES);

            Map<String, ZonedDateTime> first = new HashMap<>();
            for (Lease l : client.resources(Lease.class).inNamespace(LeaseHeartbeat.NAMESPACE).list().getItems()) {
                first.put(l.getMetadata().getName(), l.getSpec().getRenewTime());
            }
            eventually("every lease renewed again", Duration.ofSeconds(60), () -> client.resources(Lease.class)
                    .inNamespace(LeaseHeartbeat.NAMESPACE).list().getItems().stream()
                    .allMatch(l -> l.getSpec().getRenewTime().isAfter(first.get(l.getMetadata().getName()))));
            assertThat(client.nodes().list().getItems()).allSatisfy(n -> assertThat(n.getStatus().getConditions())
                    .anyMatch(c -> c.getType().equals("Ready") && c.getStatus().equals("True")));
        }
    }
}
