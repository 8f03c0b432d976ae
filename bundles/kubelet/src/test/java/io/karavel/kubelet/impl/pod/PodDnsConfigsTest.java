package io.karavel.kubelet.impl.pod;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodDNSConfig;
import io.fabric8.kubernetes.api.model.PodDNSConfigBuilder;
import io.karavel.api.runtime.DnsConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** A pod's resolver for every dnsPolicy, spec.dnsConfig merges, limits, and the host's resolv.conf. */
class PodDnsConfigsTest {

    private static final DnsConfig HOST = new DnsConfig(List.of("192.0.2.53", "192.0.2.54"),
            List.of("corp.example", "example"), List.of("timeout:2", "rotate"));
    private static final String CLUSTER_DNS = "127.96.0.10";

    private final List<String> warnings = new ArrayList<>();

    private static Pod pod(String policy, Boolean hostNetwork, PodDNSConfig dnsConfig) {
        return new PodBuilder().withNewMetadata().withName("web").withNamespace("shop").endMetadata()
                .withNewSpec().withDnsPolicy(policy).withHostNetwork(hostNetwork).withDnsConfig(dnsConfig)
                .addNewContainer().withName("app").endContainer().endSpec().build();
    }

    private DnsConfig build(Pod pod, String clusterDns) {
        return PodDnsConfigs.build(pod, HOST, "cluster.local", clusterDns, warnings::add);
    }

    @Test
    void clusterFirstUsesTheClusterDnsAloneWithClusterSearchesBeforeTheHostsAndNdots5() {
        DnsConfig expected = new DnsConfig(List.of(CLUSTER_DNS),
                List.of("shop.svc.cluster.local", "svc.cluster.local", "cluster.local", "corp.example", "example"),
                List.of("ndots:5"));

        assertThat(build(pod("ClusterFirst", null, null), CLUSTER_DNS)).isEqualTo(expected);
        assertThat(build(pod(null, false, null), CLUSTER_DNS)).as("ClusterFirst is the default").isEqualTo(expected);
        assertThat(warnings).isEmpty();
    }

    @Test
    void hostNetworkPodsKeepTheHostsResolverUnlessClusterFirstWithHostNet() {
        assertThat(build(pod("ClusterFirst", true, null), CLUSTER_DNS)).isNull();
        assertThat(build(pod(null, true, null), CLUSTER_DNS)).isNull();
        assertThat(build(pod("ClusterFirstWithHostNet", true, null), CLUSTER_DNS).servers()).containsExactly(CLUSTER_DNS);
        assertThat(build(pod("ClusterFirstWithHostNet", false, null), CLUSTER_DNS).servers()).containsExactly(CLUSTER_DNS);
    }

    @Test
    void defaultIsTheHostsResolver() {
        assertThat(build(pod("Default", null, null), CLUSTER_DNS)).isNull();
        // with a dnsConfig, the host's resolver is the base it is merged into
        DnsConfig merged = build(pod("Default", null, new PodDNSConfigBuilder().withNameservers("192.0.2.99")
                .withSearches("extra.example").addNewOption().withName("ndots").withValue("2").endOption().build()),
                CLUSTER_DNS);
        assertThat(merged).isEqualTo(new DnsConfig(List.of("192.0.2.53", "192.0.2.54", "192.0.2.99"),
                List.of("corp.example", "example", "extra.example"), List.of("timeout:2", "rotate", "ndots:2")));
    }

    @Test
    void withoutAClusterDnsClusterFirstFallsBackToDefault() {
        assertThat(build(pod("ClusterFirst", null, null), null)).isNull();
        assertThat(build(pod("ClusterFirst", null, null), "")).isNull();
        assertThat(build(pod("ClusterFirstWithHostNet", true, null), null)).isNull();
        assertThat(build(pod("ClusterFirst", null, new PodDNSConfigBuilder().withSearches("x.example").build()), null))
                .isEqualTo(new DnsConfig(HOST.servers(), List.of("corp.example", "example", "x.example"),
                        HOST.options()));
    }

    @Test
    void noneIsOnlyThePodsDnsConfig() {
        PodDNSConfig own = new PodDNSConfigBuilder().withNameservers("192.0.2.1").withSearches("a.example")
                .addNewOption().withName("edns0").endOption().build();

        assertThat(build(pod("None", null, own), CLUSTER_DNS))
                .isEqualTo(new DnsConfig(List.of("192.0.2.1"), List.of("a.example"), List.of("edns0")));
        assertThat(build(pod("None", true, null), CLUSTER_DNS)).isEqualTo(new DnsConfig(List.of(), List.of(), List.of()));
    }

    @Test
    void thePodsDnsConfigIsAppendedWithoutDuplicatesAndItsOptionsWinByName() {
        PodDNSConfig own = new PodDNSConfigBuilder().withNameservers(CLUSTER_DNS, "192.0.2.1")
                .withSearches("svc.cluster.local", "my.example")
                .addNewOption().withName("ndots").withValue("1").endOption()
                .addNewOption().withName("single-request-reopen").endOption()
                .addNewOption().withName("timeout").withValue("3").endOption()
                .build();

        DnsConfig merged = build(pod("ClusterFirst", null, own), CLUSTER_DNS);

        assertThat(merged).isEqualTo(new DnsConfig(List.of(CLUSTER_DNS, "192.0.2.1"),
                List.of("shop.svc.cluster.local", "svc.cluster.local", "cluster.local", "corp.example", "example",
                        "my.example"),
                List.of("ndots:1", "single-request-reopen", "timeout:3")));
    }

    @Test
    void anEmptyClusterDomainAddsNoClusterSearches() {
        DnsConfig config = PodDnsConfigs.build(pod("ClusterFirst", null, null), HOST, "", CLUSTER_DNS, warnings::add);
        assertThat(config.searches()).containsExactly("corp.example", "example");
    }

    @Test
    void limitsCutNameserversAndSearchesWithAWarning() {
        PodDNSConfig many = new PodDNSConfigBuilder().withNameservers("192.0.2.1", "192.0.2.2", "192.0.2.3")
                .withSearches(IntStream.range(0, 40).mapToObj(i -> "d" + i + ".example").toList())
                .addToSearches("x".repeat(254) + ".example")
                .build();

        DnsConfig config = build(pod("None", null, many), CLUSTER_DNS);

        assertThat(config.servers()).containsExactly("192.0.2.1", "192.0.2.2", "192.0.2.3");
        assertThat(build(pod("ClusterFirst", null, many), CLUSTER_DNS).servers())
                .containsExactly(CLUSTER_DNS, "192.0.2.1", "192.0.2.2");
        assertThat(config.searches()).hasSize(32).startsWith("d0.example").endsWith("d31.example");
        assertThat(warnings).anyMatch(w -> w.startsWith("Search Line limits were exceeded"))
                .anyMatch(w -> w.startsWith("Nameserver limits were exceeded, some nameservers have been omitted, the"
                        + " applied nameserver line is: " + CLUSTER_DNS + " 192.0.2.1 192.0.2.2"));
    }

    @Test
    void searchesLongerThan2048CharactersInAllAreCutFromTheEnd() {
        List<String> longDomains = IntStream.range(0, 20).mapToObj(i -> i + "-" + "a".repeat(200) + ".example").toList();
        DnsConfig config = build(pod("None", null, new PodDNSConfigBuilder().withSearches(longDomains).build()),
                CLUSTER_DNS);
        assertThat(String.join(" ", config.searches()).length()).isLessThanOrEqualTo(2048);
        assertThat(config.searches()).isEqualTo(longDomains.subList(0, config.searches().size()));
        assertThat(config.searches()).hasSize(9);
    }

    @Test
    void readsAResolvConfAsTheKubeletDoes() {
        DnsConfig parsed = PodDnsConfigs.parseResolvConf("""
                # generated
                nameserver 192.0.2.53
                ; another comment
                search old.example
                nameserver 192.0.2.54
                search corp.example. example .
                domain ignored.example
                options timeout:1
                options timeout:2 rotate
                nameserver
                """);

        assertThat(parsed).isEqualTo(HOST);
        assertThat(PodDnsConfigs.parseResolvConf("")).isEqualTo(new DnsConfig(List.of(), List.of(), List.of()));
    }
}
