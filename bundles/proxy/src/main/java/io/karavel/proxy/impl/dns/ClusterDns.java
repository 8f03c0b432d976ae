package io.karavel.proxy.impl.dns;

import io.karavel.api.network.PodNetwork;
import io.netty.channel.EventLoopGroup;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;

/**
 * The cluster DNS server (contract; implementation in progress): answers
 * {@code <svc>.<ns>.svc.<domain>} from a {@link ServiceDirectory} over UDP and TCP, forwards other
 * names to upstream servers.
 */
public final class ClusterDns implements AutoCloseable {

    /**
     * @param directory where Services are looked up
     * @param clusterDomain the cluster domain, e.g. {@code cluster.local}
     * @param upstreams where names outside the cluster domain are forwarded; empty: answer REFUSED
     * @param group the event loops to run on (owned by the caller)
     */
    public ClusterDns(ServiceDirectory directory, String clusterDomain, List<InetSocketAddress> upstreams,
                      EventLoopGroup group) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    /**
     * Starts answering on {@code address:port} (UDP and TCP); queries arriving there are answered
     * with the addresses clients in {@code network} reach. Blocks until bound; throws if binding fails.
     */
    public void listen(InetAddress address, int port, PodNetwork network) throws InterruptedException {
        throw new UnsupportedOperationException("not implemented yet");
    }

    /** Stops listening everywhere. */
    @Override
    public void close() {}
}
