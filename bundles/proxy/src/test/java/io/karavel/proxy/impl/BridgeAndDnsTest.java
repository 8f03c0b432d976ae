package io.karavel.proxy.impl;

import static io.karavel.testing.Eventually.eventually;
import static io.karavel.testing.Eventually.eventuallyGet;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.ServicePortBuilder;
import io.karavel.api.network.PodNetwork;
import io.karavel.proxy.impl.ProxyTestCluster.Ep;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;

/**
 * The bridge side (only as root, where the host accepts a local route: skipped otherwise) and the
 * cluster DNS started on the kube-dns Service's address.
 */
class BridgeAndDnsTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir
    Path dir;
    private ProxyTestCluster cluster;
    private TestBackend backend;

    @BeforeEach
    void start() throws Exception {
        cluster = new ProxyTestCluster(dir);
    }

    @AfterEach
    void stop() throws Exception {
        if (backend != null) {
            backend.close();
        }
        cluster.close();
    }

    @Test
    void theLastJvmUsingTheLocalRouteRemovesIt(@TempDir Path usersRoot) throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "the local route needs root");
        Ipv4Range range = Ipv4Range.parse("10.96.199.0/24");
        Path users = usersRoot.resolve("10.96.199.0_24");
        LocalRoute first = LocalRoute.ensure(range, usersRoot);
        assumeTrue(first != null, "this host does not take a local route for " + range);
        try {
            // another live Karavel JVM uses the route too (pid 1 stands for it: it is always alive)
            Files.writeString(users.resolve("1"), "");
            first.remove();
            assertThat(LocalRoute.exists(range)).as("kept for the other JVM").isTrue();

            // the other JVM died without giving the route up: its registration does not count
            Files.delete(users.resolve("1"));
            Files.writeString(users.resolve("999999999"), "");
            LocalRoute.ensure(range, usersRoot).remove();
            assertThat(LocalRoute.exists(range)).as("removed by the last live user").isFalse();
        } finally {
            try (var entries = Files.list(users)) {
                for (Path entry : entries.toList()) {
                    Files.deleteIfExists(entry);
                }
            }
            if (LocalRoute.exists(range)) {
                LocalRoute.ensure(range, usersRoot).remove();
            }
        }
    }

    @Test
    void servicesAreServedOnTheirBridgeSideAddresses() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "the bridge side needs root");
        Ipv4Range range = Ipv4Range.parse("10.96.200.0/24");
        LocalRoute route = LocalRoute.ensure(range);
        assumeTrue(route != null, "this host does not take a local route for " + range);
        try {
            // only once the range is local does the test connect there (the traffic stays on lo)
            assertThat(LocalRoute.exists(range)).isTrue();
            ServiceProxy proxy = cluster.startProxy(true, ProxyTestCluster.settings(range, 0));
            backend = new TestBackend("bridged", "127.0.212.1", 18080);
            cluster.service("bridged", "127.96.200.12", 8080, "TCP");
            cluster.slice("bridged", 18080, "TCP", new Ep("127.0.212.1", true));
            assertThat(eventuallyGet("the bridge-side address answers", WAIT,
                    () -> ServiceProxyTest.request("10.96.200.12", 8080))).isEqualTo("bridged");
            assertThat(ServiceProxyTest.request("127.96.200.12", 8080)).isEqualTo("bridged");
            assertThat(proxy.listening()).extracting(Object::toString)
                    .contains("10.96.200.12:8080/TCP", "127.96.200.12:8080/TCP");
            assertThat(proxy.find("default", "bridged", PodNetwork.BRIDGE)).get()
                    .extracting(r -> r.clusterIP()).isEqualTo("10.96.200.12");
        } finally {
            route.remove();
        }
    }

    @Test
    void theClusterDnsIsServedOnTheKubeDnsAddress() throws Exception {
        int port = 25353;
        ServiceProxy proxy = cluster.startProxy(true, ProxyTestCluster.settings(null, port));
        Service kubeDns = cluster.client().services().inNamespace("kube-system").withName("kube-dns").get();
        if (kubeDns == null) {
            kubeDns = cluster.client().services().inNamespace("kube-system").resource(new ServiceBuilder()
                    .withNewMetadata().withName("kube-dns").endMetadata()
                    .withNewSpec().withClusterIP("127.96.200.53")
                    .withPorts(new ServicePortBuilder().withName("dns").withPort(53).withProtocol("UDP").build(),
                            new ServicePortBuilder().withName("dns-tcp").withPort(53).withProtocol("TCP").build())
                    .endSpec().build()).create();
        }
        String dnsAddress = kubeDns.getSpec().getClusterIP();
        eventually("the cluster DNS is served for the host network", WAIT,
                () -> proxy.dnsServer(PodNetwork.HOST).equals(Optional.of(dnsAddress)));
        assertThat(proxy.dnsServer(PodNetwork.BRIDGE)).isEmpty();

        cluster.service("named", "127.96.200.13", 8080, "TCP");
        SimpleResolver resolver = new SimpleResolver(dnsAddress);
        resolver.setPort(port);
        resolver.setTimeout(Duration.ofSeconds(1));
        Name name = Name.fromString("named.default.svc.cluster.local.");
        String answer = eventuallyGet("an A record for the Service", WAIT, () -> {
            Message response = resolver.send(Message.newQuery(Record.newRecord(name, Type.A, DClass.IN)));
            List<Record> records = response.getSection(Section.ANSWER);
            return records.isEmpty() ? null : ((ARecord) records.get(0)).getAddress().getHostAddress();
        });
        assertThat(answer).isEqualTo("127.96.200.13");
    }
}
