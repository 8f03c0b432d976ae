package io.karavel.kubelet.impl;

import io.karavel.api.network.PodNetwork;
import io.karavel.api.network.ServiceNetwork;
import java.util.Optional;

/**
 * A Service network as the proxy bundle provides it, for tests: domain {@code cluster.test}, bridge
 * pods reach 127.96.A.B at 10.96.A.B, the cluster DNS is 127.96.0.10 (host) or 10.96.0.10 (bridge).
 */
public class FakeServiceNetwork implements ServiceNetwork {

    @Override
    public String clusterDomain() {
        return "cluster.test";
    }

    @Override
    public String serviceAddress(String clusterIP, PodNetwork network) {
        return network == PodNetwork.BRIDGE ? clusterIP.replaceFirst("^127\\.96\\.", "10.96.") : clusterIP;
    }

    @Override
    public Optional<String> dnsServer(PodNetwork network) {
        return Optional.of(network == PodNetwork.BRIDGE ? "10.96.0.10" : "127.96.0.10");
    }
}
