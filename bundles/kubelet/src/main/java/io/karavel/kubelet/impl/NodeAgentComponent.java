package io.karavel.kubelet.impl;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.karavel.kube.client.NodeClients;
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
import org.osgi.service.component.annotations.Modified;
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
 * {@link NodeAgent} — or, with {@code simulated.nodes = N}, N hollow nodes sharing this JVM
 * (kubemark style), for scale tests. Every {@link ContainerRuntime} service is bound (a
 * whiteboard): the node offers them all, pods naming a RuntimeClass run on its handler, the
 * others on the default runtime chosen by {@code runtime.target}. A runtime appearing or going,
 * or a new {@code runtime.target}, applies without restarting the agent (pods move to a new
 * default); other configuration changes restart the agents, which adopt their pods.
 */
@Component(name = "io.karavel.kubelet", configurationPid = "io.karavel.kubelet", immediate = true,
        configurationPolicy = ConfigurationPolicy.OPTIONAL, service = {})
@Designate(ocd = NodeAgentComponent.Config.class)
public final class NodeAgentComponent {

    @ObjectClassDefinition(name = "Karavel node agent", description = "Registers this node and runs its pods")
    public @interface Config {
        @AttributeDefinition(name = "node.name", description = "Name of the Node; empty: this host's name")
        String node_name() default "";

        @AttributeDefinition(name = "api.server", description = "URL of the API server, e.g. http://10.0.0.1:6443,"
                + " or a comma-separated list of the URLs of all masters of an HA control plane, the preferred"
                + " one first: the client stays on one and moves to the next when it is unreachable or answers"
                + " 503; empty: the local one, http://127.0.0.1:<api.port>")
        String api_server() default "";

        @AttributeDefinition(name = "api.port", description = "Port of the local API server, used when api.server is empty")
        int api_port() default 6443;

        @AttributeDefinition(name = "node.address", description = "The node's address: its InternalIP, the pods' hostIP,"
                + " where the agent's server for logs and exec listens")
        String node_address() default "127.0.0.1";

        @AttributeDefinition(name = "kubelet.port", description = "Port of the agent's server for logs and exec; 0: any free port")
        int kubelet_port() default 10250;

        @AttributeDefinition(name = "runtime.target", description = "OSGi filter choosing the node's default"
                + " container runtime among those installed, e.g. (runtime.name=podman): pods without a"
                + " runtimeClassName run there. Changing it moves them to the new default without a restart;"
                + " the Node annotation karavel.io/runtime-request overrides it while present")
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
                + " <node.name>-<i> on the runtime chosen by runtime.target (meant for the simulated runtime);"
                + " they offer only that runtime")
        int simulated_nodes() default 0;
    }

    private static final Logger LOG = LoggerFactory.getLogger(NodeAgentComponent.class);

    private final AgentExecutors executors = new AgentExecutors();
    private final NodeRuntimes runtimes;
    private KubernetesClient client;
    private ServiceCache services;
    private Config config;

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
    public NodeAgentComponent(Config config) throws Exception {
        this.runtimes = new NodeRuntimes(target(config.runtime_target()));
        start(config);
    }

    /**
     * A runtime service: the node offers it from now on (and, when it matches
     * {@code runtime.target}, runs its pods there).
     */
    // Not named "runtime": DS would read runtime.target as this reference's target filter and bind
    // only the default runtime.
    @Reference(name = "runtimes", service = ContainerRuntime.class, cardinality = ReferenceCardinality.MULTIPLE,
            policy = ReferencePolicy.DYNAMIC, unbind = "unbindRuntime")
    void bindRuntime(ContainerRuntime runtime, Map<String, Object> properties) {
        runtimes.add(runtime, properties);
    }

    void unbindRuntime(ContainerRuntime runtime) {
        runtimes.remove(runtime);
    }

    /** A new {@code runtime.target} alone switches the default runtime in place; anything else restarts the agents. */
    @Modified
    void modified(Config newConfig) throws Exception {
        Config old;
        synchronized (this) {
            old = config;
        }
        if (sameExceptTarget(old, newConfig)) {
            synchronized (this) {
                config = newConfig;
            }
            runtimes.target(target(newConfig.runtime_target()));
            return;
        }
        LOG.info("node agent configuration changed: restarting the node agent(s); their pods are adopted");
        stop();
        runtimes.target(target(newConfig.runtime_target()));
        start(newConfig);
    }

    private static boolean sameExceptTarget(Config a, Config b) {
        return a.api_server().equals(b.api_server()) && a.api_port() == b.api_port()
                && a.simulated_nodes() == b.simulated_nodes() && settings(a).equals(settings(b));
    }

    /** The {@code runtime.target} filter as a test on a runtime's service properties. */
    static java.util.function.Predicate<Map<String, Object>> target(String filter) {
        try {
            org.osgi.framework.Filter parsed = org.osgi.framework.FrameworkUtil.createFilter(filter);
            return properties -> parsed.matches(properties);
        } catch (org.osgi.framework.InvalidSyntaxException e) {
            throw new IllegalArgumentException("runtime.target: not an OSGi filter: " + filter, e);
        }
    }

    private synchronized void start(Config config) throws Exception {
        this.config = config;
        List<String> apiServers = NodeClients.apiServerUrls(config.api_server(), config.api_port());
        this.client = NodeClients.forApiServers(apiServers);
        this.services = new ServiceCache(client);
        NodeAgentSettings settings = settings(config);
        int hollow = config.simulated_nodes();
        if (hollow > 0) {
            for (int i = 0; i < hollow; i++) {
                agents.add(new NodeAgent(settings.withNodeName(settings.nodeName() + "-" + i, -1), client, runtimes,
                        true, executors, services, () -> serviceNetwork, Clock.systemUTC()));
            }
        } else {
            agents.add(new NodeAgent(settings, client, runtimes, false, executors, services, () -> serviceNetwork,
                    Clock.systemUTC()));
        }
        for (NodeAgent agent : agents) {
            agent.start();
        }
        LOG.info("node agent started: {} node(s), runtime.target {}, API server {}", agents.size(),
                config.runtime_target(), String.join(", ", apiServers));
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
        stop();
        executors.close();
    }

    private synchronized void stop() {
        for (NodeAgent agent : agents) {
            try {
                agent.close();
            } catch (Exception e) {
                LOG.warn("node {}: error while stopping", agent.nodeName(), e);
            }
        }
        agents.clear();
        services.close();
        client.close();
    }
}
