package io.karavel.proxy.impl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.karavel.api.network.PodNetwork;
import java.lang.reflect.Proxy;
import java.net.InetAddress;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The ClusterIP to bridge-side mapping, and the ServiceNetwork of a disabled proxy. */
class ServiceAddressesTest {

    @Test
    void bridgeAddressKeepsTheHostBitsOfTheClusterIP() throws Exception {
        ServiceAddresses addresses = new ServiceAddresses(Ipv4Range.parse("10.96.0.0/16"));
        assertThat(addresses.serviceAddress("127.96.3.4", PodNetwork.BRIDGE)).isEqualTo("10.96.3.4");
        assertThat(addresses.serviceAddress("127.96.0.10", PodNetwork.BRIDGE)).isEqualTo("10.96.0.10");
        assertThat(addresses.serviceAddress("127.96.3.4", PodNetwork.HOST)).isEqualTo("127.96.3.4");
        assertThat(addresses.bridgeAddress(InetAddress.getByName("127.96.255.254")))
                .contains(InetAddress.getByName("10.96.255.254"));
        // not an IPv4 literal (e.g. "None"): as it is
        assertThat(addresses.serviceAddress("None", PodNetwork.BRIDGE)).isEqualTo("None");
    }

    @Test
    void withoutBridgeSideEveryNetworkUsesTheClusterIP() {
        ServiceAddresses addresses = new ServiceAddresses(null);
        assertThat(addresses.serviceAddress("127.96.3.4", PodNetwork.BRIDGE)).isEqualTo("127.96.3.4");
        assertThat(addresses.bridgeEnabled()).isFalse();
    }

    @Test
    void rangesParseAndContain() throws Exception {
        Ipv4Range range = Ipv4Range.parse("10.96.7.9/16");
        assertThat(range).hasToString("10.96.0.0/16");
        assertThat(range.contains(InetAddress.getByName("10.96.200.1"))).isTrue();
        assertThat(range.contains(InetAddress.getByName("10.97.0.1"))).isFalse();
        assertThat(Ipv4Range.parse("10.96.200.0/24").withHostBitsOf(InetAddress.getByName("127.96.200.40")))
                .isEqualTo(InetAddress.getByName("10.96.200.40"));
        assertThatThrownBy(() -> Ipv4Range.parse("10.96.0.0/33")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Ipv4Range.parse("cluster")).isInstanceOf(IllegalArgumentException.class);
        assertThat(Ipv4Range.parseAddress("256.1.1.1")).isNull();
        assertThat(Ipv4Range.parseAddress("kubernetes.default")).isNull();
    }

    @Test
    void aDisabledProxyServesNothingAndMapsNothing() {
        ProxyComponent component = new ProxyComponent(config(Map.of("enabled", false)));
        try {
            assertThat(component.clusterDomain()).isEqualTo("cluster.local");
            assertThat(component.serviceAddress("127.96.3.4", PodNetwork.BRIDGE)).isEqualTo("127.96.3.4");
            assertThat(component.dnsServer(PodNetwork.HOST)).isEmpty();
            assertThat(component.dnsServer(PodNetwork.BRIDGE)).isEmpty();
        } finally {
            component.deactivate();
        }
    }

    @Test
    void configKeysParse() throws Exception {
        ProxySettings s = ProxyComponent.settings(config(Map.of("nodeport.addresses", "127.0.0.1, 127.0.0.2",
                "bridge.service.range", "", "dns.upstreams", "127.0.0.53,192.0.2.1:5353")));
        assertThat(s.nodePortAddresses()).containsExactly(InetAddress.getByName("127.0.0.1"),
                InetAddress.getByName("127.0.0.2"));
        assertThat(s.bridgeRange()).isNull();
        assertThat(s.dnsUpstreams()).extracting(Object::toString)
                .containsExactly("/127.0.0.53:53", "/192.0.2.1:5353");
        assertThat(s.defaultAffinityTimeout().toSeconds()).isEqualTo(10800);
        assertThat(ProxyComponent.settings(config(Map.of())).bridgeRange()).hasToString("10.96.0.0/16");
        assertThatThrownBy(() -> ProxyComponent.settings(config(Map.of("nodeport.addresses", "node1"))))
                .isInstanceOf(IllegalArgumentException.class);
    }

    /** A Config with the given keys (dotted, as in the .cfg file) and the defaults for the others. */
    static ProxyComponent.Config config(Map<String, Object> values) {
        return (ProxyComponent.Config) Proxy.newProxyInstance(ProxyComponent.Config.class.getClassLoader(),
                new Class<?>[] {ProxyComponent.Config.class}, (proxy, method, args) -> {
                    String key = method.getName().replace('_', '.');
                    if (values.containsKey(key)) {
                        return values.get(key);
                    }
                    if (method.getDefaultValue() != null) {
                        return method.getDefaultValue();
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
    }
}
