package io.karavel.kubelet.impl.pod;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.ServicePortBuilder;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/** The kubelet's Service variables: which Services, and the variables of each. */
class ServiceEnvVarsTest {

    private static final UnaryOperator<String> AS_IS = ip -> ip;

    static Service service(String namespace, String name, String clusterIP, ServicePort... ports) {
        return new ServiceBuilder().withNewMetadata().withNamespace(namespace).withName(name).endMetadata()
                .withNewSpec().withClusterIP(clusterIP).withPorts(ports).endSpec().build();
    }

    static ServicePort port(String name, int port, String protocol) {
        return new ServicePortBuilder().withName(name).withPort(port).withProtocol(protocol).build();
    }

    @Test
    void givesEveryVariableOfAServiceWithNamedPorts() {
        Service redis = service("shop", "redis-master", "127.96.201.5", port(null, 6379, null),
                port("metrics", 9121, "TCP"), port("dns-udp", 53, "UDP"));

        Map<String, String> env = ServiceEnvVars.forPod("shop", true, List.of(redis), AS_IS);

        assertThat(env).containsExactlyInAnyOrderEntriesOf(Map.ofEntries(
                Map.entry("REDIS_MASTER_SERVICE_HOST", "127.96.201.5"),
                Map.entry("REDIS_MASTER_SERVICE_PORT", "6379"),
                Map.entry("REDIS_MASTER_SERVICE_PORT_METRICS", "9121"),
                Map.entry("REDIS_MASTER_SERVICE_PORT_DNS_UDP", "53"),
                Map.entry("REDIS_MASTER_PORT", "tcp://127.96.201.5:6379"),
                Map.entry("REDIS_MASTER_PORT_6379_TCP", "tcp://127.96.201.5:6379"),
                Map.entry("REDIS_MASTER_PORT_6379_TCP_PROTO", "tcp"),
                Map.entry("REDIS_MASTER_PORT_6379_TCP_PORT", "6379"),
                Map.entry("REDIS_MASTER_PORT_6379_TCP_ADDR", "127.96.201.5"),
                Map.entry("REDIS_MASTER_PORT_9121_TCP", "tcp://127.96.201.5:9121"),
                Map.entry("REDIS_MASTER_PORT_9121_TCP_PROTO", "tcp"),
                Map.entry("REDIS_MASTER_PORT_9121_TCP_PORT", "9121"),
                Map.entry("REDIS_MASTER_PORT_9121_TCP_ADDR", "127.96.201.5"),
                Map.entry("REDIS_MASTER_PORT_53_UDP", "udp://127.96.201.5:53"),
                Map.entry("REDIS_MASTER_PORT_53_UDP_PROTO", "udp"),
                Map.entry("REDIS_MASTER_PORT_53_UDP_PORT", "53"),
                Map.entry("REDIS_MASTER_PORT_53_UDP_ADDR", "127.96.201.5")));
    }

    @Test
    void theAddressIsWhereThePodReachesTheClusterIP() {
        Service web = service("shop", "web", "127.96.0.20", port("http", 80, "TCP"));

        Map<String, String> env = ServiceEnvVars.forPod("shop", true, List.of(web),
                ip -> ip.replaceFirst("^127\\.96\\.", "10.96."));

        assertThat(env).containsEntry("WEB_SERVICE_HOST", "10.96.0.20").containsEntry("WEB_PORT", "tcp://10.96.0.20:80")
                .containsEntry("WEB_PORT_80_TCP_ADDR", "10.96.0.20").containsEntry("WEB_PORT_80_TCP", "tcp://10.96.0.20:80");
    }

    @Test
    void onlyServicesOfThePodsNamespaceWithARealClusterIP() {
        List<Service> services = List.of(
                service("shop", "web", "127.96.0.20", port("http", 80, "TCP")),
                service("shop", "headless", "None", port("http", 80, "TCP")),
                service("shop", "pending", "", port("http", 80, "TCP")),
                service("shop", "unset", null, port("http", 80, "TCP")),
                new ServiceBuilder(service("shop", "external", null)).editSpec().withType("ExternalName")
                        .withExternalName("example.org").endSpec().build(),
                service("other", "db", "127.96.0.30", port("pg", 5432, "TCP")));

        Map<String, String> env = ServiceEnvVars.forPod("shop", true, services, AS_IS);

        assertThat(env.keySet()).allMatch(name -> name.startsWith("WEB_"));
        assertThat(env).containsKey("WEB_SERVICE_HOST");
    }

    @Test
    void theMasterServiceIsAlwaysThereEvenWithoutServiceLinks() {
        List<Service> services = List.of(
                service("default", "kubernetes", "127.96.0.1", port("https", 443, "TCP")),
                service("default", "other-in-default", "127.96.0.2", port("http", 80, "TCP")),
                service("shop", "web", "127.96.0.20", port("http", 80, "TCP")));

        Map<String, String> withLinks = ServiceEnvVars.forPod("shop", true, services, AS_IS);
        Map<String, String> withoutLinks = ServiceEnvVars.forPod("shop", false, services, AS_IS);

        assertThat(withLinks).containsEntry("KUBERNETES_SERVICE_HOST", "127.96.0.1")
                .containsEntry("KUBERNETES_SERVICE_PORT_HTTPS", "443").containsKey("WEB_SERVICE_HOST")
                .doesNotContainKey("OTHER_IN_DEFAULT_SERVICE_HOST");
        assertThat(withoutLinks).containsEntry("KUBERNETES_SERVICE_HOST", "127.96.0.1")
                .containsEntry("KUBERNETES_PORT", "tcp://127.96.0.1:443")
                .doesNotContainKey("WEB_SERVICE_HOST");
        // A pod of default with links gets default's Services, the master one included.
        assertThat(ServiceEnvVars.forPod("default", true, services, AS_IS))
                .containsKeys("KUBERNETES_SERVICE_HOST", "OTHER_IN_DEFAULT_SERVICE_HOST")
                .doesNotContainKey("WEB_SERVICE_HOST");
    }

    @Test
    void aServiceNamedKubernetesInThePodsNamespaceWinsOverTheMasterOneInAnyOrder() {
        Service master = service("default", "kubernetes", "127.96.0.1", port("https", 443, "TCP"));
        Service local = service("shop", "kubernetes", "127.96.0.99", port("http", 8080, "TCP"));

        assertThat(ServiceEnvVars.forPod("shop", true, List.of(master, local), AS_IS))
                .containsEntry("KUBERNETES_SERVICE_HOST", "127.96.0.99");
        assertThat(ServiceEnvVars.forPod("shop", true, List.of(local, master), AS_IS))
                .containsEntry("KUBERNETES_SERVICE_HOST", "127.96.0.99");
        assertThat(ServiceEnvVars.forPod("shop", false, List.of(local, master), AS_IS))
                .containsEntry("KUBERNETES_SERVICE_HOST", "127.96.0.1");
    }
}
