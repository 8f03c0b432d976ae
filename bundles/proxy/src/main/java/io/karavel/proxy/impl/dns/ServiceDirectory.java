package io.karavel.proxy.impl.dns;

import io.karavel.api.network.PodNetwork;
import java.util.List;
import java.util.Optional;

/**
 * What the cluster DNS knows about Services, looked up per query: the contract between the DNS
 * server (this package) and the proxy's caches of Services and EndpointSlices that implement it.
 * Addresses are already the ones a client in the given {@link PodNetwork} reaches.
 */
public interface ServiceDirectory {

    /** The Service {@code namespace/name} as seen from {@code network}, or empty if there is none. */
    Optional<ServiceRecord> find(String namespace, String name, PodNetwork network);

    /**
     * The Services whose address as seen from {@code network} (ClusterIP or bridge-side address),
     * or one of whose ready endpoints, is {@code ip}: the cluster DNS answers PTR queries for
     * {@code <ip>.in-addr.arpa} with their names. The default knows none, and such reverse
     * lookups go to the upstream servers like any name outside the cluster domain.
     */
    default List<ServiceRecord> findByAddress(String ip, PodNetwork network) {
        return List.of();
    }

    /**
     * One Service.
     *
     * @param clusterIP the address to answer A queries with; null for a headless Service, whose
     *     A records are its ready endpoints (and for an ExternalName Service)
     * @param ports the Service's ports, for SRV records
     * @param readyEndpoints the Service's ready endpoints (used for headless Services)
     * @param externalName for a Service of type ExternalName, its {@code spec.externalName}: the
     *     Service's name is then a CNAME to it; null otherwise
     */
    record ServiceRecord(String namespace, String name, String clusterIP, List<PortRecord> ports,
                         List<EndpointRecord> readyEndpoints, String externalName) {
        public ServiceRecord {
            ports = List.copyOf(ports);
            readyEndpoints = List.copyOf(readyEndpoints);
        }

        /** A Service that is not of type ExternalName. */
        public ServiceRecord(String namespace, String name, String clusterIP, List<PortRecord> ports,
                             List<EndpointRecord> readyEndpoints) {
            this(namespace, name, clusterIP, ports, readyEndpoints, null);
        }
    }

    /** One Service port: {@code name} may be empty for a single unnamed port; protocol TCP/UDP/SCTP. */
    record PortRecord(String name, String protocol, int port) {}

    /** One ready endpoint; {@code hostname} (the pod's {@code spec.hostname}) may be null. */
    record EndpointRecord(String ip, String hostname) {}
}
