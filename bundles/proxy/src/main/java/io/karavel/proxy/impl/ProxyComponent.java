package io.karavel.proxy.impl;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.karavel.kube.client.NodeClients;
import io.karavel.proxy.impl.dns.ClusterDns;
import io.karavel.api.network.PodNetwork;
import io.karavel.api.network.ServiceNetwork;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The service proxy inside Karaf: serves this node's Services (ClusterIPs, bridge-side addresses,
 * NodePorts) and the cluster DNS, and registers the {@link ServiceNetwork} the node agent asks
 * for Service addresses and pod resolvers. With {@code enabled = false} (e.g. the JVM of hollow
 * nodes) it binds nothing and answers with the plain ClusterIPs and no cluster DNS.
 */
@Component(name = "io.karavel.proxy", configurationPid = "io.karavel.proxy", immediate = true,
        configurationPolicy = ConfigurationPolicy.OPTIONAL, service = ServiceNetwork.class)
@Designate(ocd = ProxyComponent.Config.class)
public final class ProxyComponent implements ServiceNetwork {

    @ObjectClassDefinition(name = "Karavel service proxy", description = "Serves Services on this node and the"
            + " cluster DNS")
    public @interface Config {
        @AttributeDefinition(name = "api.server", description = "URL of the API server, e.g. http://10.0.0.1:6443,"
                + " or a comma-separated list of the URLs of all masters of an HA control plane, the preferred"
                + " one first: the client stays on one and moves to the next when it is unreachable or answers"
                + " 503; empty: the local one, http://127.0.0.1:<api.port>")
        String api_server() default "";

        @AttributeDefinition(name = "api.port", description = "Port of the local API server, used when api.server is empty")
        int api_port() default 6443;

        @AttributeDefinition(name = "enabled", description = "false: serve nothing (no listeners, no DNS), e.g. in"
                + " the JVM of hollow nodes")
        boolean enabled() default true;

        @AttributeDefinition(name = "nodeport.addresses", description = "Comma-separated addresses NodePorts are"
                + " served on")
        String nodeport_addresses() default "127.0.0.1";

        @AttributeDefinition(name = "bridge.service.range", description = "Bridge-side Service range (CIDR) served"
                + " for pods with a network of their own; ClusterIP host bits are kept (127.96.A.B -> 10.96.A.B)."
                + " Needs root (a local route on lo). Empty: no bridge side")
        String bridge_service_range() default "10.96.0.0/16";

        @AttributeDefinition(name = "cluster.domain", description = "The cluster's DNS domain")
        String cluster_domain() default "cluster.local";

        @AttributeDefinition(name = "worker.threads", description = "Event loop threads forwarding connections")
        int worker_threads() default 2;

        @AttributeDefinition(name = "dns.port", description = "Port of the cluster DNS on the kube-system/kube-dns"
                + " addresses; 0: no cluster DNS on this node")
        int dns_port() default 53;

        @AttributeDefinition(name = "dns.upstreams", description = "Comma-separated ip[:port] the cluster DNS"
                + " forwards other names to; empty: the nameservers of /etc/resolv.conf")
        String dns_upstreams() default "";

        @AttributeDefinition(name = "session.affinity.timeout.seconds", description = "ClientIP affinity timeout of"
                + " Services that set none (Kubernetes: 10800)")
        int session_affinity_timeout_seconds() default 10800;

        @AttributeDefinition(name = "udp.idle.timeout.seconds", description = "A UDP session (one client, one"
                + " endpoint) ends after this long without datagrams")
        int udp_idle_timeout_seconds() default 30;

        @AttributeDefinition(name = "connect.timeout.millis", description = "How long connecting to one endpoint"
                + " may take before the next is tried")
        int connect_timeout_millis() default 5000;

        @AttributeDefinition(name = "connect.attempts", description = "How many endpoints a connection tries"
                + " before the client is closed")
        int connect_attempts() default 3;
    }

    private static final Logger LOG = LoggerFactory.getLogger(ProxyComponent.class);

    private final String clusterDomain;
    private final ServiceAddresses addresses;
    private final LocalRoute route;
    private final Transport transport;
    private final KubernetesClient client;
    private final ServiceProxy proxy;

    @Activate
    public ProxyComponent(Config config) {
        ProxySettings settings = settings(config);
        this.clusterDomain = settings.clusterDomain();
        if (!config.enabled()) {
            this.addresses = new ServiceAddresses(null);
            this.route = null;
            this.transport = null;
            this.client = null;
            this.proxy = null;
            LOG.info("service proxy disabled (enabled = false): no Service or cluster DNS served here");
            return;
        }
        // parsed before anything is set up: a bad list fails the activation with nothing to undo
        List<String> apiServers = NodeClients.apiServerUrls(config.api_server(), config.api_port());
        this.route = settings.bridgeRange() == null ? null : LocalRoute.ensure(settings.bridgeRange());
        if (route == null) {
            settings = settings.withBridgeRange(null);
        }
        this.addresses = new ServiceAddresses(settings.bridgeRange());
        this.transport = Transport.create(Math.max(1, config.worker_threads()), true);
        this.client = NodeClients.forApiServers(apiServers);
        this.proxy = new ServiceProxy(settings, client, transport, addresses);
        try {
            proxy.start();
        } catch (RuntimeException e) {
            deactivate(); // DS does not call @Deactivate for a component whose activation failed
            throw e;
        }
        LOG.info("service proxy started: API server {}, NodePorts on {}, bridge side {}", String.join(", ", apiServers),
                config.nodeport_addresses(), settings.bridgeRange() == null ? "off" : settings.bridgeRange());
    }

    static ProxySettings settings(Config config) {
        List<InetAddress> nodePortAddresses = new ArrayList<>();
        for (String a : config.nodeport_addresses().split(",")) {
            if (!a.isBlank()) {
                InetAddress address = Ipv4Range.parseAddress(a.trim());
                if (address == null) {
                    throw new IllegalArgumentException("nodeport.addresses: \"" + a.trim() + "\" is not an IPv4 address");
                }
                nodePortAddresses.add(address);
            }
        }
        String range = config.bridge_service_range().trim();
        return new ProxySettings(nodePortAddresses, range.isEmpty() ? null : Ipv4Range.parse(range),
                config.cluster_domain().trim(), config.dns_port(), upstreams(config.dns_upstreams()),
                Duration.ofSeconds(config.session_affinity_timeout_seconds()),
                Duration.ofSeconds(Math.max(1, config.udp_idle_timeout_seconds())),
                Math.max(1, config.connect_timeout_millis()), Math.max(1, config.connect_attempts()));
    }

    /** The configured upstreams, or the nameservers of /etc/resolv.conf. */
    static List<InetSocketAddress> upstreams(String spec) {
        List<InetSocketAddress> result = new ArrayList<>();
        if (!spec.isBlank()) {
            for (String s : spec.split(",")) {
                InetSocketAddress upstream = hostPort(s.trim());
                if (upstream != null) {
                    result.add(upstream);
                } else if (!s.isBlank()) {
                    throw new IllegalArgumentException("dns.upstreams: \"" + s.trim() + "\" is not ip[:port]");
                }
            }
            return result;
        }
        // the server itself never forwards to its own listen addresses, which are not known yet here
        return ClusterDns.upstreamsFromResolvConf(List.of());
    }

    private static InetSocketAddress hostPort(String s) {
        int colon = s.indexOf(':');
        InetAddress address = Ipv4Range.parseAddress(colon < 0 ? s : s.substring(0, colon));
        if (address == null) {
            return null;
        }
        try {
            return new InetSocketAddress(address, colon < 0 ? 53 : Integer.parseInt(s.substring(colon + 1)));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }


    @Override
    public String clusterDomain() {
        return clusterDomain;
    }

    @Override
    public String serviceAddress(String clusterIP, PodNetwork network) {
        return addresses.serviceAddress(clusterIP, network);
    }

    @Override
    public Optional<String> dnsServer(PodNetwork network) {
        return proxy == null ? Optional.empty() : proxy.dnsServer(network);
    }

    @Deactivate
    void deactivate() {
        if (proxy != null) {
            proxy.close();
        }
        if (client != null) {
            client.close();
        }
        if (transport != null) {
            transport.close();
        }
        if (route != null) {
            route.remove();
        }
    }
}
