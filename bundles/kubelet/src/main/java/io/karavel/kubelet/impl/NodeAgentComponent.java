package io.karavel.kubelet.impl;

import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.jdkhttp.JdkHttpClientFactory;
import io.karavel.api.network.ServiceNetwork;
import io.karavel.api.runtime.ContainerRuntime;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node agent inside Karaf: builds the REST client to the API server, then runs one
 * {@link NodeAgent} on the runtime chosen by {@code runtime.target} — or, with
 * {@code simulated.nodes = N}, N hollow nodes sharing this JVM (kubemark style), for scale tests.
 * A better-ranked or newly targeted runtime restarts the agent on it (GREEDY); the pods are
 * adopted, not restarted, when the runtime is the same.
 */
@Component(name = "io.karavel.kubelet", configurationPid = "io.karavel.kubelet", immediate = true,
        configurationPolicy = ConfigurationPolicy.OPTIONAL, service = {})
@Designate(ocd = NodeAgentComponent.Config.class)
public final class NodeAgentComponent {

    @ObjectClassDefinition(name = "Karavel node agent", description = "Registers this node and runs its pods")
    public @interface Config {
        @AttributeDefinition(name = "node.name", description = "Name of the Node; empty: this host's name")
        String node_name() default "";

        @AttributeDefinition(name = "api.server", description = "URL of the API server, e.g. http://10.0.0.1:6443;"
                + " empty: the local one, http://127.0.0.1:<api.port>")
        String api_server() default "";

        @AttributeDefinition(name = "api.port", description = "Port of the local API server, used when api.server is empty")
        int api_port() default 6443;

        @AttributeDefinition(name = "node.address", description = "The node's address: its InternalIP, the pods' hostIP,"
                + " where the agent's server for logs and exec listens")
        String node_address() default "127.0.0.1";

        @AttributeDefinition(name = "kubelet.port", description = "Port of the agent's server for logs and exec; 0: any free port")
        int kubelet_port() default 10250;

        @AttributeDefinition(name = "runtime.target", description = "OSGi filter choosing the container runtime,"
                + " e.g. (runtime.name=podman)")
        String runtime_target() default "(runtime.name=podman)";

        @AttributeDefinition(name = "root.dir", description = "Where pod volumes live; relative to karaf.base")
        String root_dir() default "var/kubelet";

        @AttributeDefinition(name = "heartbeat.interval.seconds", description = "How often the node Lease is renewed")
        int heartbeat_interval_seconds() default 10;

        @AttributeDefinition(name = "lease.duration.seconds", description = "leaseDurationSeconds of the node Lease")
        int lease_duration_seconds() default 40;

        @AttributeDefinition(name = "status.update.interval.seconds", description = "How often the Node status is"
                + " recomputed and written when changed")
        int status_update_interval_seconds() default 10;

        @AttributeDefinition(name = "status.report.interval.seconds", description = "How often the Node status is"
                + " written even when unchanged")
        int status_report_interval_seconds() default 300;

        @AttributeDefinition(name = "sync.period.millis", description = "How often the runtime's containers are"
                + " relisted to notice changes (exits); only the pods concerned are synced")
        int sync_period_millis() default 1000;

        @AttributeDefinition(name = "pod.resync.period.seconds", description = "How often every pod is synced even"
                + " when nothing seems to have changed")
        int pod_resync_period_seconds() default 30;

        @AttributeDefinition(name = "backoff.initial.seconds", description = "First restart back-off of a failing container")
        int backoff_initial_seconds() default 10;

        @AttributeDefinition(name = "backoff.max.seconds", description = "Longest restart back-off")
        int backoff_max_seconds() default 300;

        @AttributeDefinition(name = "capacity.cpu", description = "CPU capacity to advertise; empty: this host's cores")
        String capacity_cpu() default "";

        @AttributeDefinition(name = "capacity.memory", description = "Memory capacity to advertise; empty: this host's memory")
        String capacity_memory() default "";

        @AttributeDefinition(name = "max.pods", description = "How many pods the node takes")
        int max_pods() default 110;

        @AttributeDefinition(name = "node.labels", description = "Extra Node labels, comma-separated key=value pairs")
        String node_labels() default "";

        @AttributeDefinition(name = "simulated.nodes", description = "0: one real node. N > 0: N hollow nodes named"
                + " <node.name>-<i> on the runtime chosen by runtime.target (meant for the simulated runtime)")
        int simulated_nodes() default 0;
    }

    private static final Logger LOG = LoggerFactory.getLogger(NodeAgentComponent.class);

    private final KubernetesClient client;
    private final AgentExecutors executors = new AgentExecutors();
    private final ServiceCache services;

    /**
     * The node's Service network (the proxy bundle's), when there is one: Service addresses and
     * the cluster DNS server for the pods. Replaced while the agents run; a pod reads it when its
     * sandbox or a container starts.
     */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile ServiceNetwork serviceNetwork;
    private final List<NodeAgent> agents = new ArrayList<>();

    @Activate
    public NodeAgentComponent(
            @Reference(name = "runtime", policyOption = ReferencePolicyOption.GREEDY) ContainerRuntime runtime,
            Config config) throws Exception {
        String apiServer = config.api_server().isBlank() ? "http://127.0.0.1:" + config.api_port()
                : config.api_server().trim();
        this.client = client(apiServer);
        this.services = new ServiceCache(client);
        NodeAgentSettings settings = settings(config);
        int hollow = config.simulated_nodes();
        if (hollow > 0) {
            if (!runtime.simulated()) {
                LOG.warn("simulated.nodes = {} on the {} runtime: hollow nodes are meant for the simulated runtime",
                        hollow, runtime.name());
            }
            for (int i = 0; i < hollow; i++) {
                agents.add(new NodeAgent(settings.withNodeName(settings.nodeName() + "-" + i, -1), client, runtime,
                        executors, services, () -> serviceNetwork, Clock.systemUTC()));
            }
        } else {
            agents.add(new NodeAgent(settings, client, runtime, executors, services, () -> serviceNetwork,
                    Clock.systemUTC()));
        }
        for (NodeAgent agent : agents) {
            agent.start();
        }
        LOG.info("node agent started: {} node(s) on runtime {}, API server {}", agents.size(), runtime.name(),
                apiServer);
    }

    /** A client that talks to exactly one API server and reads no kubeconfig or environment. */
    static KubernetesClient client(String apiServer) {
        io.fabric8.kubernetes.client.Config config = new ConfigBuilder(io.fabric8.kubernetes.client.Config.empty())
                .withMasterUrl(apiServer)
                .withConnectionTimeout(10_000)
                .withRequestTimeout(30_000)
                .withWatchReconnectInterval(1_000)
                .withWatchReconnectLimit(-1)
                .withMaxConcurrentRequests(4096)
                .withMaxConcurrentRequestsPerHost(4096)
                // The agent retries on its own rhythm (heartbeats, pod resyncs): a request that
                // cannot reach the API server fails fast instead of backing off for many seconds.
                .withRequestRetryBackoffLimit(1)
                .withRequestRetryBackoffInterval(200)
                .build();
        return new KubernetesClientBuilder().withConfig(config).withHttpClientFactory(new JdkHttpClientFactory())
                .build();
    }

    static NodeAgentSettings settings(Config config) {
        String name = config.node_name().isBlank() ? hostname() : config.node_name().trim();
        return new NodeAgentSettings(
                name.toLowerCase(Locale.ROOT),
                config.node_address(),
                config.kubelet_port(),
                resolve(config.root_dir()),
                Duration.ofSeconds(config.heartbeat_interval_seconds()),
                config.lease_duration_seconds(),
                Duration.ofSeconds(config.status_update_interval_seconds()),
                Duration.ofSeconds(config.status_report_interval_seconds()),
                Duration.ofMillis(config.sync_period_millis()),
                Duration.ofSeconds(config.pod_resync_period_seconds()),
                Duration.ofSeconds(config.backoff_initial_seconds()),
                Duration.ofSeconds(config.backoff_max_seconds()),
                config.capacity_cpu().isBlank() ? Integer.toString(Runtime.getRuntime().availableProcessors())
                        : config.capacity_cpu(),
                config.capacity_memory().isBlank() ? hostMemory() : config.capacity_memory(),
                config.max_pods(),
                labels(config.node_labels()));
    }

    private static String hostname() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "localhost";
        }
    }

    /** MemTotal of /proc/meminfo (Linux, in KiB, as the kubelet reports it); 8Gi when unreadable. */
    private static String hostMemory() {
        try {
            for (String line : java.nio.file.Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal:")) {
                    return line.replaceAll("[^0-9]", "") + "Ki";
                }
            }
        } catch (java.io.IOException | RuntimeException e) {
            LOG.debug("cannot read /proc/meminfo", e);
        }
        return "8Gi";
    }

    private static Map<String, String> labels(String spec) {
        Map<String, String> labels = new LinkedHashMap<>();
        for (String pair : spec.split(",")) {
            String p = pair.trim();
            if (p.isEmpty()) {
                continue;
            }
            int eq = p.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("node.labels: \"" + p + "\" is not key=value");
            }
            labels.put(p.substring(0, eq).trim(), p.substring(eq + 1).trim());
        }
        return labels;
    }

    private static Path resolve(String dir) {
        Path path = Path.of(dir);
        if (path.isAbsolute()) {
            return path;
        }
        String base = System.getProperty("karaf.base");
        return base == null ? path.toAbsolutePath() : Path.of(base).resolve(path);
    }

    @Deactivate
    void deactivate() {
        for (NodeAgent agent : agents) {
            try {
                agent.close();
            } catch (Exception e) {
                LOG.warn("node {}: error while stopping", agent.nodeName(), e);
            }
        }
        services.close();
        executors.close();
        client.close();
    }
}
