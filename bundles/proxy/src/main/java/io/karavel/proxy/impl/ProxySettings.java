package io.karavel.proxy.impl;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;

/**
 * What the proxy serves and how.
 *
 * @param nodePortAddresses where NodePorts are served
 * @param bridgeRange the bridge-side range to serve, or null without a bridge side
 * @param clusterDomain the cluster's DNS domain
 * @param dnsPort where the cluster DNS listens on the kube-dns addresses; 0: no cluster DNS
 * @param dnsUpstreams where the cluster DNS forwards other names
 * @param defaultAffinityTimeout ClientIP affinity timeout of Services that set none
 * @param udpIdleTimeout how long a UDP session lives without datagrams
 * @param connectTimeoutMillis how long connecting to one endpoint may take
 * @param connectAttempts how many endpoints a connection tries before it is closed
 */
record ProxySettings(List<InetAddress> nodePortAddresses, Ipv4Range bridgeRange, String clusterDomain, int dnsPort,
                     List<InetSocketAddress> dnsUpstreams, Duration defaultAffinityTimeout, Duration udpIdleTimeout,
                     int connectTimeoutMillis, int connectAttempts) {

    ProxySettings {
        nodePortAddresses = List.copyOf(nodePortAddresses);
        dnsUpstreams = List.copyOf(dnsUpstreams);
    }

    ProxySettings withBridgeRange(Ipv4Range range) {
        return new ProxySettings(nodePortAddresses, range, clusterDomain, dnsPort, dnsUpstreams,
                defaultAffinityTimeout, udpIdleTimeout, connectTimeoutMillis, connectAttempts);
    }

    ProxySettings withDnsPort(int port) {
        return new ProxySettings(nodePortAddresses, bridgeRange, clusterDomain, port, dnsUpstreams,
                defaultAffinityTimeout, udpIdleTimeout, connectTimeoutMillis, connectAttempts);
    }
}
