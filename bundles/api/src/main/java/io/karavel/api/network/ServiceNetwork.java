package io.karavel.api.network;

import java.util.Optional;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The node's Service network, as pods see it: the proxy serves every Service on its ClusterIP
 * and, for pods in their own network namespace, on a bridge-side address that maps one to one to
 * the ClusterIP. The node agent asks it for the {@code <NAME>_SERVICE_HOST} environment variables
 * and for each pod's resolver. Thread-safe.
 */
@ProviderType
public interface ServiceNetwork {

    /** The cluster's DNS domain, {@code cluster.local} by default. */
    String clusterDomain();

    /**
     * The address at which a pod in {@code network} reaches the Service with this ClusterIP: the
     * ClusterIP itself for {@link PodNetwork#HOST}, its bridge-side counterpart for
     * {@link PodNetwork#BRIDGE} (the ClusterIP itself when the bridge side is not served).
     */
    String serviceAddress(String clusterIP, PodNetwork network);

    /**
     * The cluster DNS server a pod in {@code network} uses, or empty when no cluster DNS is
     * served to such pods (they then keep the host's resolver).
     */
    Optional<String> dnsServer(PodNetwork network);
}
