package io.karavel.proxy.impl;

import io.karavel.api.network.PodNetwork;
import java.net.InetAddress;
import java.util.Optional;

/**
 * Where a pod reaches a Service: at its ClusterIP from the host's network, at the bridge-side
 * address with the same host bits from a bridge network. Without a bridge range (not configured,
 * or the host would not accept it) every network uses the ClusterIP. Immutable.
 */
final class ServiceAddresses {

    private final Ipv4Range bridgeRange;

    /** @param bridgeRange the bridge-side range served, or null when the bridge side is off */
    ServiceAddresses(Ipv4Range bridgeRange) {
        this.bridgeRange = bridgeRange;
    }

    boolean bridgeEnabled() {
        return bridgeRange != null;
    }

    /** The bridge-side counterpart of a ClusterIP; empty when the bridge side is off. */
    Optional<InetAddress> bridgeAddress(InetAddress clusterIP) {
        if (bridgeRange == null || clusterIP.getAddress().length != 4) {
            return Optional.empty();
        }
        return Optional.of(bridgeRange.withHostBitsOf(clusterIP));
    }

    /** {@link io.karavel.api.network.ServiceNetwork#serviceAddress}: a ClusterIP as seen from {@code network}. */
    String serviceAddress(String clusterIP, PodNetwork network) {
        if (network != PodNetwork.BRIDGE || bridgeRange == null) {
            return clusterIP;
        }
        InetAddress address = Ipv4Range.parseAddress(clusterIP);
        return address == null ? clusterIP : bridgeRange.withHostBitsOf(address).getHostAddress();
    }
}
