package io.karavel.apiserver.impl;

import io.karavel.api.client.ManifestApplier;
import io.karavel.api.client.ObjectClient;
import io.karavel.api.cluster.ControlPlane;
import io.karavel.api.controller.LeaderElection;
import io.karavel.api.store.Store;
import io.karavel.apiserver.api.ApiServerRuntime;
import io.karavel.apiserver.api.ApiServerStatus;
import io.karavel.apiserver.impl.cluster.ControlPlaneServices;
import io.karavel.apiserver.impl.service.ServiceNetworkSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Runs the {@link ApiServer} inside Karaf: started when a {@link Store} is bound and the
 * configuration {@code io.karavel.apiserver} is read, stopped on deactivation. A better-ranked
 * store (or a {@code store.target} change) restarts it on that store (GREEDY). On one of several
 * masters it also follows the replicated store's {@link ControlPlane} (for {@code /readyz} and
 * {@code /karavel/v1/cluster}) and {@link LeaderElection} (the periodic repair runs on the leader).
 */
@Component(name = "io.karavel.apiserver", configurationPid = "io.karavel.apiserver", service = ApiServerRuntime.class, immediate = true)
@Designate(ocd = ApiServerComponent.Config.class)
public final class ApiServerComponent implements ApiServerRuntime {

    @ObjectClassDefinition(name = "Karavel API server", description = "Kubernetes-compatible REST API on Jetty 12")
    public @interface Config {
        @AttributeDefinition(description = "Address to listen on (plain http: keep it on loopback until https and tokens exist)")
        String host() default "127.0.0.1";

        @AttributeDefinition(description = "Port to listen on")
        int port() default 6443;

        @AttributeDefinition(
                name = "kubeconfig.path",
                description = "Where to write the admin kubeconfig once ready; relative paths are resolved"
                        + " against the karaf.base system property. Empty: write none.")
        String kubeconfig_path() default "etc/kubeconfig";

        @AttributeDefinition(
                name = "kubeconfig.servers",
                description = "Comma-separated API URLs of all masters of an HA control plane: the kubeconfig then"
                        + " has a cluster and context per master, karavel for this one (the current context) and"
                        + " karavel-<n> for the n-th URL of the list otherwise. Empty: this master only.")
        String kubeconfig_servers() default "";

        @AttributeDefinition(
                name = "service.cluster.ip.range",
                description = "IPv4 CIDR Service cluster IPs come from (IPv4 only); kube-dns gets its base + 10."
                        + " Loopback by default: every 127/8 address is local on Linux")
        String service_cluster_ip_range() default ServiceNetworkSettings.DEFAULT_CLUSTER_IP_RANGE;

        @AttributeDefinition(
                name = "service.node.port.range",
                description = "Range NodePort and LoadBalancer Services get their node ports from, both ends included")
        String service_node_port_range() default ServiceNetworkSettings.DEFAULT_NODE_PORT_RANGE;

        @AttributeDefinition(
                name = "service.repair.interval",
                description = "Seconds between two repairs of the Service cluster IP and node port allocations"
                        + " (leaked ones removed, missing ones recorded); one also runs at startup")
        long service_repair_interval() default 60;

        @AttributeDefinition(name = "store.target", description = "OSGi filter choosing the Store service, e.g. (store.type=mapdb)")
        String store_target() default "(objectClass=io.karavel.api.store.Store)";
    }

    /**
     * The HA services of a replicated store; absent on a single master. Dynamic: they may come
     * after the store (or be replaced) without restarting the server, which reads them per use.
     */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    private volatile ControlPlane controlPlane;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    private volatile LeaderElection leaderElection;

    private final ApiServer server;
    private final BundleContext context;
    private ServiceRegistration<ObjectClient> objectClient;
    private ServiceRegistration<ManifestApplier> manifestApplier;

    @Activate
    public ApiServerComponent(
            @Reference(name = "store", policyOption = ReferencePolicyOption.GREEDY) Store store,
            Config config,
            BundleContext context)
            throws Exception {
        ServiceNetworkSettings services = ServiceNetworkSettings.of(config.service_cluster_ip_range(), config.service_node_port_range())
                .withRepair(Duration.ofSeconds(config.service_repair_interval()), ServiceNetworkSettings.DEFAULT_REPAIR_GRACE);
        this.server = new ApiServer(store, new ApiServerSettings(config.host(), config.port(), kubeconfigPath(config.kubeconfig_path()))
                .withServices(services).withKubeconfigServers(kubeconfigServers(config.kubeconfig_servers())),
                new ControlPlaneServices(() -> controlPlane, () -> leaderElection));
        this.context = context;
    }

    /**
     * Opens the server once DS has injected the dynamic references (after the constructor): the
     * startup must already see a LeaderElection that is there, or it would take this master for
     * the leader.
     */
    @Activate
    void activate() throws Exception {
        // not start(): the startup writes wait for a leader on an HA master, in the background
        try {
            server.open();
        } catch (Exception e) {
            server.close(); // DS calls no deactivate after a failed activate
            throw e;
        }
        // Registered by hand rather than as further DS service interfaces: the client and the
        // manifest applier belong to this server instance and must come and go with it (a store
        // swap restarts all of them).
        this.objectClient = context.registerService(ObjectClient.class, server.objectClient(), null);
        this.manifestApplier = context.registerService(ManifestApplier.class, server.manifestApplier(), null);
    }

    /** The {@code kubeconfig.servers} list: its non-blank entries, trimmed. */
    static List<String> kubeconfigServers(String configured) {
        return configured == null ? List.of()
                : Arrays.stream(configured.split(",")).map(String::trim).filter(url -> !url.isEmpty()).toList();
    }

    static Path kubeconfigPath(String configured) {
        if (configured == null || configured.isBlank()) {
            return null;
        }
        Path path = Path.of(configured);
        if (path.isAbsolute()) {
            return path;
        }
        String base = System.getProperty("karaf.base");
        return base == null ? path.toAbsolutePath() : Path.of(base).resolve(path);
    }

    @Deactivate
    void deactivate() throws Exception {
        manifestApplier.unregister();
        objectClient.unregister();
        server.close();
    }

    @Override
    public ApiServerStatus status() {
        return server.status();
    }
}
