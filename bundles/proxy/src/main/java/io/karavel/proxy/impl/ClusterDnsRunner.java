package io.karavel.proxy.impl;

import io.fabric8.kubernetes.api.model.Service;
import io.karavel.api.network.PodNetwork;
import io.karavel.proxy.impl.dns.ClusterDns;
import io.karavel.proxy.impl.dns.ServiceDirectory;
import java.net.InetAddress;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves the cluster DNS on the addresses of the kube-system/kube-dns Service: its ClusterIP for
 * the host's network, its bridge-side address for bridge networks. Started and moved by the
 * proxy's sync thread as that Service changes; a DNS that cannot start is logged and left off,
 * the proxy goes on. {@link #server} is read from any thread.
 */
final class ClusterDnsRunner implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ClusterDnsRunner.class);

    private final ServiceDirectory directory;
    private final ProxySettings settings;
    private final ServiceAddresses addresses;
    private final Transport transport;
    private ClusterDns dns;
    private InetAddress servedFor;
    private volatile String hostAddress;
    private volatile String bridgeAddress;

    ClusterDnsRunner(ServiceDirectory directory, ProxySettings settings, ServiceAddresses addresses,
                     Transport transport) {
        this.directory = directory;
        this.settings = settings;
        this.addresses = addresses;
        this.transport = transport;
    }

    /** The kube-dns Service changed (null: deleted). Sync thread only. */
    void update(Service kubeDns) {
        InetAddress clusterIP = kubeDns == null || kubeDns.getSpec() == null ? null
                : Ipv4Range.parseAddress(kubeDns.getSpec().getClusterIP());
        if (clusterIP == null ? servedFor == null : clusterIP.equals(servedFor)) {
            return;
        }
        close();
        if (clusterIP == null) {
            return;
        }
        servedFor = clusterIP;
        try {
            dns = new ClusterDns(directory, settings.clusterDomain(), settings.dnsUpstreams(), transport.group());
        } catch (RuntimeException | LinkageError e) {
            LOG.warn("cluster DNS not started: {}", e.toString());
            return;
        }
        if (listen(clusterIP, PodNetwork.HOST)) {
            hostAddress = clusterIP.getHostAddress();
        }
        Optional<InetAddress> bridge = addresses.bridgeAddress(clusterIP);
        if (bridge.isPresent() && listen(bridge.get(), PodNetwork.BRIDGE)) {
            bridgeAddress = bridge.get().getHostAddress();
        }
    }

    private boolean listen(InetAddress address, PodNetwork network) {
        try {
            dns.listen(address, settings.dnsPort(), network);
            LOG.info("cluster DNS listening on {}:{} for the {} network", address.getHostAddress(),
                    settings.dnsPort(), network);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (Exception | LinkageError e) {
            LOG.warn("cluster DNS cannot listen on {}:{}: {}", address.getHostAddress(), settings.dnsPort(),
                    e.toString());
            return false;
        }
    }

    /** The cluster DNS address for pods in {@code network}, while it is served there. */
    Optional<String> server(PodNetwork network) {
        return Optional.ofNullable(network == PodNetwork.BRIDGE ? bridgeAddress : hostAddress);
    }

    @Override
    public void close() {
        hostAddress = null;
        bridgeAddress = null;
        servedFor = null;
        if (dns != null) {
            try {
                dns.close();
            } catch (RuntimeException e) {
                LOG.warn("cluster DNS: error while stopping", e);
            }
            dns = null;
        }
    }
}
