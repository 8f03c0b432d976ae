package io.karavel.kubelet.impl;

import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.karavel.api.network.ServiceNetwork;
import io.karavel.api.runtime.ContainerRuntime;
import io.karavel.kubelet.impl.node.LeaseHeartbeat;
import io.karavel.kubelet.impl.node.NodeStatusReporter;
import io.karavel.kubelet.impl.pod.PodManager;
import io.karavel.kubelet.impl.pod.PodNetworking;
import io.karavel.kubelet.impl.server.KubeletServer;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One node: its HTTP server (logs, exec), its Node object and Lease, and its pods. Talks to the
 * cluster only through the API server (the fabric8 client). Closing it stops the agent but leaves
 * the pods running, as stopping a kubelet does; a new agent for the same node adopts them.
 *
 * <p>The node offers every runtime of its {@link NodeRuntimes} and runs pods without a
 * RuntimeClass on its default runtime: the configured one ({@code runtime.target}), unless the
 * Node's {@value #RUNTIME_REQUEST_ANNOTATION} annotation names another (it wins while present;
 * a runtime the node does not have gets a Warning Event and changes nothing). When the default
 * changes, the pods are moved to it.
 */
public final class NodeAgent implements AutoCloseable {

    /** Node annotation asking for another default runtime (the shell's runtime-set writes it). */
    public static final String RUNTIME_REQUEST_ANNOTATION = "karavel.io/runtime-request";

    private static final Logger LOG = LoggerFactory.getLogger(NodeAgent.class);
    /** The host's resolver, the base of the pods' (the kubelet's default --resolv-conf). */
    private static final Path HOST_RESOLV_CONF = Path.of("/etc/resolv.conf");

    private final NodeAgentSettings settings;
    private final KubernetesClient client;
    private final NodeRuntimes runtimes;
    private final boolean hollow;
    private final AgentExecutors executors;
    private final Clock clock;
    private final ServiceCache services;
    private final Supplier<ServiceNetwork> serviceNetwork;
    private KubeletServer server;
    private PodManager pods;
    private NodeStatusReporter status;
    private LeaseHeartbeat lease;
    private volatile Node node;
    private ScheduledFuture<?> heartbeats;
    private ScheduledFuture<?> statusUpdates;
    private AutoCloseable runtimeListener;
    private SharedIndexInformer<Node> nodeInformer;
    private volatile boolean closing;
    /** The node's runtime-request annotation as last seen, null without one. */
    private volatile String requested;
    /** The default runtime the pods run on, once registered. */
    private String currentDefault;
    private List<String> currentAvailable = List.of();
    /** The last unavailable request warned about (with what was available), not to repeat the Event. */
    private String lastWarning;

    /** A node on one runtime only, which follows no runtime requests (tests; hollow nodes). */
    public NodeAgent(NodeAgentSettings settings, KubernetesClient client, ContainerRuntime runtime,
                     AgentExecutors executors, ServiceCache services, Supplier<ServiceNetwork> serviceNetwork,
                     Clock clock) {
        this(settings, client, NodeRuntimes.of(runtime), true, executors, services, serviceNetwork, clock);
    }

    /**
     * @param runtimes the runtimes of this JVM and the configured default
     * @param hollow a hollow node (many per JVM): it offers only the configured default runtime and
     *     does not watch its Node for runtime requests
     * @param services the Service cache, shared by the agents of this JVM
     * @param serviceNetwork the node's Service network; it may return {@code null} (no proxy)
     */
    public NodeAgent(NodeAgentSettings settings, KubernetesClient client, NodeRuntimes runtimes, boolean hollow,
                     AgentExecutors executors, ServiceCache services, Supplier<ServiceNetwork> serviceNetwork,
                     Clock clock) {
        this.settings = settings;
        this.client = client;
        this.runtimes = runtimes;
        this.hollow = hollow;
        this.executors = executors;
        this.services = services;
        this.serviceNetwork = serviceNetwork;
        this.clock = clock;
    }

    /** Starts serving, registers the Node (retrying until the API server answers) and runs its pods. */
    public synchronized void start() throws Exception {
        pods = new PodManager(settings, client, this::offered, null, executors, clock,
                new PodNetworking(false, services, serviceNetwork, HOST_RESOLV_CONF));
        if (settings.kubeletPort() >= 0) {
            server = new KubeletServer(settings.nodeAddress(), settings.kubeletPort(), pods);
            server.start();
        }
        lease = new LeaseHeartbeat(client, settings.nodeName(), settings.leaseDurationSeconds(), clock);
        runtimeListener = runtimes.onChange(this::runtimesChanged);
        // Registration and the first heartbeat happen on the timer thread, retried until they work:
        // the API server may start after the node (all-in-one boots both at once).
        long beat = settings.heartbeatInterval().toMillis();
        heartbeats = executors.timers().scheduleWithFixedDelay(() -> executors.heartbeats().execute(this::heartbeat),
                0, beat, TimeUnit.MILLISECONDS);
        long update = settings.statusUpdateInterval().toMillis();
        statusUpdates = executors.timers().scheduleWithFixedDelay(() -> executors.heartbeats().execute(this::updateStatus),
                update, update, TimeUnit.MILLISECONDS);
    }

    /** The runtimes this node offers: all of them, or only the configured default for a hollow node. */
    private NodeRuntimes.Snapshot offered() {
        NodeRuntimes.Snapshot all = runtimes.snapshot();
        if (!hollow) {
            return all;
        }
        return new NodeRuntimes.Snapshot(all.get(all.configuredDefault())
                .map(r -> Map.of(r.name(), r)).orElse(Map.of()), all.configuredDefault());
    }

    /** The default the node should have now, null while there is none (no runtime matches). */
    private String wantedDefault(NodeRuntimes.Snapshot offered) {
        String request = requested;
        if (request != null && offered.available().containsKey(request)) {
            return request;
        }
        if (request != null && currentDefault != null && offered.available().containsKey(currentDefault)) {
            return currentDefault; // an unavailable request changes nothing
        }
        return offered.configuredDefault();
    }

    private synchronized void heartbeat() {
        if (heartbeats == null || closing) {
            return;
        }
        try {
            if (node == null) {
                NodeRuntimes.Snapshot offered = offered();
                String defaultName = wantedDefault(offered);
                if (defaultName == null) {
                    LOG.debug("node {}: waiting for its runtime (available: {})", settings.nodeName(),
                            offered.available().keySet());
                    return;
                }
                ContainerRuntime runtime = offered.available().get(defaultName);
                List<String> names = List.copyOf(offered.available().keySet());
                if (status == null) {
                    // Asking the runtime happens here, off the activation thread, retried with the beat.
                    status = new NodeStatusReporter(client, settings, runtime.info(), names, port(), clock);
                } else {
                    status.runtimes(runtime.info(), names);
                }
                node = status.register();
                currentDefault = defaultName;
                currentAvailable = names;
                pods.defaultRuntime(defaultName);
                pods.start();
                if (!hollow) {
                    watchRuntimeRequests();
                }
                LOG.info("node {} is up: runtime {} {} (available: {})", settings.nodeName(), runtime.name(),
                        runtime.info().version(), names);
            }
            lease.renew(node);
        } catch (RuntimeException e) {
            LOG.debug("node {}: heartbeat failed, retrying: {}", settings.nodeName(), e.getMessage());
        }
    }

    /** Follows the Node's runtime-request annotation. */
    private void watchRuntimeRequests() {
        nodeInformer = client.nodes().withName(settings.nodeName()).inform(new ResourceEventHandler<>() {
            @Override
            public void onAdd(Node n) {
                requestSeen(n);
            }

            @Override
            public void onUpdate(Node oldNode, Node newNode) {
                requestSeen(newNode);
            }

            @Override
            public void onDelete(Node n, boolean deletedFinalStateUnknown) {
                // the node lifecycle is not ours to handle here
            }
        }, 0);
    }

    private void requestSeen(Node n) {
        Map<String, String> annotations = n.getMetadata().getAnnotations();
        String value = annotations == null ? null : annotations.get(RUNTIME_REQUEST_ANNOTATION);
        String request = value == null || value.isBlank() ? null : value.trim();
        if (!Objects.equals(request, requested)) {
            requested = request;
            runtimesChanged();
        }
    }

    /** The runtimes, the configured default or the request changed: reconcile, on the heartbeat threads. */
    private void runtimesChanged() {
        if (!closing) {
            executors.heartbeats().execute(this::reconcileRuntimes);
        }
    }

    private synchronized void reconcileRuntimes() {
        if (node == null || closing) {
            return; // registration reads the runtimes as they are then
        }
        try {
            NodeRuntimes.Snapshot offered = offered();
            String request = requested;
            if (request != null && !offered.available().containsKey(request)) {
                warnUnavailable(request, offered);
            } else {
                lastWarning = null;
            }
            String wanted = wantedDefault(offered);
            List<String> names = List.copyOf(offered.available().keySet());
            if (wanted == null) {
                LOG.warn("node {}: no runtime matches the configured default any more (available: {}); pods stay"
                        + " where they are", settings.nodeName(), names);
                return;
            }
            if (wanted.equals(currentDefault) && names.equals(currentAvailable)) {
                return;
            }
            status.runtimes(offered.available().get(wanted).info(), names);
            currentAvailable = names;
            if (!wanted.equals(currentDefault)) {
                String previous = currentDefault;
                currentDefault = wanted;
                LOG.info("node {}: default runtime {} -> {}{}", settings.nodeName(), previous, wanted,
                        wanted.equals(request) ? " (requested by the Node's annotation)" : "");
                nodeEvent("Normal", "RuntimeSwitched", "Default runtime switched from " + previous + " to " + wanted);
                pods.defaultRuntime(wanted);
            }
        } catch (RuntimeException e) {
            // the next change or heartbeat-driven reconcile tries again
            LOG.warn("node {}: applying a runtime change failed: {}", settings.nodeName(), e.getMessage());
            executors.timers().schedule(this::runtimesChanged, settings.heartbeatInterval().toMillis(),
                    TimeUnit.MILLISECONDS);
        }
    }

    private void warnUnavailable(String request, NodeRuntimes.Snapshot offered) {
        String message = "Runtime \"" + request + "\" requested by annotation " + RUNTIME_REQUEST_ANNOTATION
                + " is not available on node " + settings.nodeName() + " (available: "
                + String.join(", ", offered.available().keySet()) + "); the default runtime stays " + currentDefault;
        if (message.equals(lastWarning)) {
            return;
        }
        lastWarning = message;
        LOG.warn(message);
        nodeEvent("Warning", "RuntimeUnavailable", message);
    }

    /** An Event on the Node, as the kubelet records them (namespace default, uid = node name). */
    private void nodeEvent(String type, String reason, String message) {
        String now = Times.format(clock.instant());
        try {
            client.v1().events().inNamespace("default").resource(new EventBuilder()
                    .withNewMetadata().withGenerateName(settings.nodeName() + ".").withNamespace("default").endMetadata()
                    .withNewInvolvedObject().withApiVersion("v1").withKind("Node").withName(settings.nodeName())
                    .withUid(settings.nodeName()).endInvolvedObject()
                    .withType(type).withReason(reason).withMessage(message)
                    .withNewSource().withComponent("kubelet").withHost(settings.nodeName()).endSource()
                    .withReportingComponent("kubelet").withReportingInstance(settings.nodeName())
                    .withFirstTimestamp(now).withLastTimestamp(now).withCount(1)
                    .build()).create();
        } catch (KubernetesClientException e) {
            LOG.debug("node {}: event {} not recorded: {}", settings.nodeName(), reason, e.getMessage());
        }
    }

    private synchronized void updateStatus() {
        if (node == null || statusUpdates == null) {
            return;
        }
        try {
            status.update(false);
        } catch (RuntimeException e) {
            LOG.debug("node {}: status update failed, retrying: {}", settings.nodeName(), e.getMessage());
        }
    }

    public String nodeName() {
        return settings.nodeName();
    }

    /** The default runtime the node's pods run on, null before registration. */
    public synchronized String defaultRuntime() {
        return currentDefault;
    }

    /** The port of its HTTP server, -1 without one. */
    public synchronized int port() {
        return server == null ? -1 : server.port();
    }

    @Override
    public void close() throws Exception {
        closing = true; // no heartbeat starts any more; one in progress fails fast (no long retries)
        synchronized (this) {
            closeNow();
        }
    }

    private void closeNow() throws Exception {
        if (runtimeListener != null) {
            runtimeListener.close();
        }
        if (nodeInformer != null) {
            nodeInformer.stop();
        }
        if (heartbeats != null) {
            heartbeats.cancel(false);
            heartbeats = null;
        }
        if (statusUpdates != null) {
            statusUpdates.cancel(false);
            statusUpdates = null;
        }
        if (pods != null) {
            pods.close();
        }
        if (server != null) {
            server.close();
        }
    }
}
