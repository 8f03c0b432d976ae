package io.karavel.kubelet.impl;

import static io.karavel.testing.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.karavel.apiserver.impl.ApiServer;
import io.karavel.apiserver.impl.ApiServerSettings;
import io.karavel.kube.client.NodeClients;
import io.karavel.kubelet.impl.node.LeaseHeartbeat;
import io.karavel.runtime.simulated.impl.SimulatedRuntime;
import io.karavel.store.mapdb.impl.MapDbStore;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node agent whose {@code api.server} lists two masters: two real API servers over one store
 * (two masters serving the same replicated data). When the master the agent uses stops, its
 * heartbeats, pod watch and status writes carry on against the other one.
 */
class MasterFailoverTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String NODE = "ha-node";

    @TempDir
    Path dir;

    @Test
    void theNodeCarriesOnAgainstTheSecondMasterWhenTheFirstStops() throws Exception {
        try (MapDbStore store = MapDbStore.openInMemory(MapDbStore.Options.defaults());
                ApiServer first = new ApiServer(store, new ApiServerSettings("127.0.0.1", 0, null));
                ApiServer second = new ApiServer(store, new ApiServerSettings("127.0.0.1", 0, null))) {
            first.start();
            second.start();
            try (KubernetesClient nodeClient = NodeClients.forApiServers(List.of(first.url(), second.url()));
                    KubernetesClient observer = NodeClients.forApiServer(second.url());
                    AgentExecutors executors = new AgentExecutors();
                    ServiceCache services = new ServiceCache(nodeClient);
                    NodeAgent agent = new NodeAgent(TestCluster.settings(NODE, dir.resolve("kubelet"), 0), nodeClient,
                            NodeRuntimes.of(new SimulatedRuntime()), false, executors, services, () -> null,
                            Clock.systemUTC())) {
                agent.start();
                createPod(observer, "before");
                eventually("the pod created before runs", WAIT, () -> SimulatedNodeTest.ready(pod(observer, "before")));
                eventually("the lease exists", WAIT, () -> lease(observer) != null);

                first.close();

                ZonedDateTime renewed = lease(observer).getSpec().getRenewTime();
                eventually("the lease is renewed through the second master", WAIT,
                        () -> lease(observer).getSpec().getRenewTime().isAfter(renewed));
                createPod(observer, "after");
                eventually("the pod created after runs", WAIT, () -> SimulatedNodeTest.ready(pod(observer, "after")));
                assertThat(pod(observer, "after").getStatus().getPhase()).isEqualTo("Running");
            }
        }
    }

    private static void createPod(KubernetesClient client, String name) {
        client.pods().inNamespace("default").resource(new PodBuilder().withNewMetadata().withName(name).endMetadata()
                .withNewSpec().withNodeName(NODE).addNewContainer().withName("c").withImage("busybox:1.36")
                .endContainer().endSpec().build()).create();
    }

    private static Pod pod(KubernetesClient client, String name) {
        return client.pods().inNamespace("default").withName(name).get();
    }

    private static Lease lease(KubernetesClient client) {
        return client.resources(Lease.class).inNamespace(LeaseHeartbeat.NAMESPACE).withName(NODE).get();
    }
}
