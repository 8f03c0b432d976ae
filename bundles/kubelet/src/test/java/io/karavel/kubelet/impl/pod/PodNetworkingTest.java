package io.karavel.kubelet.impl.pod;

import static io.karavel.testing.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.karavel.api.network.PodNetwork;
import io.karavel.api.network.ServiceNetwork;
import io.karavel.api.runtime.DnsConfig;
import io.karavel.kubelet.impl.FakeServiceNetwork;
import io.karavel.kubelet.impl.ServiceCache;
import io.karavel.kubelet.impl.TestCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * What pods see of Services through the node's Service network, against the real API server: the
 * Service cache, the address in the variables for host and bridge pods, the pod's resolver.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PodNetworkingTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    private TestCluster cluster;
    private KubernetesClient client;
    private ServiceCache services;
    private Path hostResolvConf;

    @BeforeAll
    void start(@TempDir Path dir) throws Exception {
        cluster = new TestCluster(dir);
        client = cluster.client();
        services = new ServiceCache(client);
        hostResolvConf = Files.writeString(dir.resolve("resolv.conf"), "nameserver 192.0.2.53\nsearch corp.example\n");
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("shop").endMetadata().build())
                .create();
        client.services().inNamespace("shop").resource(ServiceEnvVarsTest.service("shop", "web", "127.96.201.5",
                ServiceEnvVarsTest.port("http", 80, "TCP"))).create();
    }

    @AfterAll
    void stop() throws Exception {
        services.close();
        cluster.close();
    }

    private static Pod pod(Boolean hostNetwork) {
        return new PodBuilder().withNewMetadata().withName("p").withNamespace("shop").endMetadata()
                .withNewSpec().withHostNetwork(hostNetwork).addNewContainer().withName("c").endContainer().endSpec()
                .build();
    }

    private PodNetworking networking(boolean runtimeOnHostNetwork, ServiceNetwork network) {
        return new PodNetworking(runtimeOnHostNetwork, services, () -> network, hostResolvConf);
    }

    @Test
    void noVariablesBeforeTheServicesWereReadThenTheAddressDependsOnThePodsNetwork() throws Exception {
        ServiceCache unstarted = new ServiceCache(client);
        assertThatThrownBy(() -> new PodNetworking(false, unstarted, () -> null, hostResolvConf).serviceEnv(pod(null)))
                .isInstanceOf(ContainerConfigException.class)
                .hasMessage("services have not yet been read at least once, cannot construct envvars");

        services.start().toCompletableFuture().get();
        FakeServiceNetwork network = new FakeServiceNetwork();

        assertThat(networking(false, network).serviceEnv(pod(null)))
                .containsEntry("WEB_SERVICE_HOST", "10.96.201.5").containsEntry("WEB_PORT", "tcp://10.96.201.5:80");
        assertThat(networking(false, network).serviceEnv(pod(true))).as("hostNetwork pod")
                .containsEntry("WEB_SERVICE_HOST", "127.96.201.5");
        assertThat(networking(true, network).serviceEnv(pod(null))).as("runtime on the host's network")
                .containsEntry("WEB_SERVICE_HOST", "127.96.201.5");
        assertThat(networking(false, null).serviceEnv(pod(null))).as("no Service network: the ClusterIP as is")
                .containsEntry("WEB_SERVICE_HOST", "127.96.201.5");
    }

    @Test
    void theCacheFollowsServicesCreatedLater() throws Exception {
        services.start().toCompletableFuture().get();
        client.services().inNamespace("shop").resource(ServiceEnvVarsTest.service("shop", "later", "127.96.201.6",
                ServiceEnvVarsTest.port("http", 80, "TCP"))).create();

        eventually("the new Service is in the variables", WAIT, () -> networking(true, null).serviceEnv(pod(null))
                .containsKey("LATER_SERVICE_HOST"));
    }

    @Test
    void theResolverIsTheClusterDnsOfThePodsNetwork() {
        FakeServiceNetwork network = new FakeServiceNetwork();
        List<String> searches = List.of("shop.svc.cluster.test", "svc.cluster.test", "cluster.test", "corp.example");

        assertThat(networking(false, network).dnsConfig(pod(null), w -> { }))
                .isEqualTo(new DnsConfig(List.of("10.96.0.10"), searches, List.of("ndots:5")));
        assertThat(networking(true, network).dnsConfig(pod(null), w -> { }))
                .isEqualTo(new DnsConfig(List.of("127.96.0.10"), searches, List.of("ndots:5")));
        assertThat(networking(false, network).dnsConfig(pod(true), w -> { })).as("hostNetwork pod").isNull();
        assertThat(networking(false, null).dnsConfig(pod(null), w -> { })).as("no Service network").isNull();
        ServiceNetwork noDns = new FakeServiceNetwork() {
            @Override
            public Optional<String> dnsServer(PodNetwork podNetwork) {
                return Optional.empty();
            }
        };
        assertThat(networking(false, noDns).dnsConfig(pod(null), w -> { })).as("no cluster DNS served").isNull();
    }
}
