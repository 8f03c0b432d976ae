package io.karavel.kubelet.impl;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.karavel.api.network.ServiceNetwork;
import io.karavel.api.runtime.ContainerRuntime;
import io.karavel.kubelet.impl.node.LeaseHeartbeat;
import io.karavel.kubelet.impl.node.NodeStatusReporter;
import io.karavel.kubelet.impl.pod.PodManager;
import io.karavel.kubelet.impl.pod.PodNetworking;
import io.karavel.kubelet.impl.server.KubeletServer;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One node: its HTTP server (logs, exec), its Node object and Lease, and its pods. Talks to the
 * cluster only through the API server (the fabric8 client). Closing it stops the agent but leaves
 * the pods running, as stopping a kubelet does; a new agent for the same node adopts them.
 */
public final class NodeAgent implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(NodeAgent.class);
    /** The host's resolver, the base of the pods' (the kubelet's default --resolv-conf). */
    private static final Path HOST_RESOLV_CONF = Path.of("/etc/resolv.conf");

    private final NodeAgentSettings settings;
    private final KubernetesClient client;
    private final ContainerRuntime runtime;
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
    private volatile boolean closing;

    /**
     * @param services the Service cache, shared by the agents of this JVM
     * @param serviceNetwork the node's Service network; it may return {@code null} (no proxy)
     */
    public NodeAgent(NodeAgentSettings settings, KubernetesClient client, ContainerRuntime runtime,
                     AgentExecutors executors, ServiceCache services, Supplier<ServiceNetwork> serviceNetwork,
                     Clock clock) {
        this.settings = settings;
        this.client = client;
        this.runtime = runtime;
        this.executors = executors;
        this.services = services;
        this.serviceNetwork = serviceNetwork;
        this.clock = clock;
    }

    /** Starts serving, registers the Node (retrying until the API server answers) and runs its pods. */
    public synchronized void start() throws Exception {
        pods = new PodManager(settings, client, runtime, executors, clock,
                new PodNetworking(runtime.podsOnHostNetwork(), services, serviceNetwork, HOST_RESOLV_CONF));
        if (settings.kubeletPort() >= 0) {
            server = new KubeletServer(settings.nodeAddress(), settings.kubeletPort(), pods);
            server.start();
        }
        lease = new LeaseHeartbeat(client, settings.nodeName(), settings.leaseDurationSeconds(), clock);
        // Registration and the first heartbeat happen on the timer thread, retried until they work:
        // the API server may start after the node (all-in-one boots both at once).
        long beat = settings.heartbeatInterval().toMillis();
        heartbeats = executors.timers().scheduleWithFixedDelay(() -> executors.heartbeats().execute(this::heartbeat),
                0, beat, TimeUnit.MILLISECONDS);
        long update = settings.statusUpdateInterval().toMillis();
        statusUpdates = executors.timers().scheduleWithFixedDelay(() -> executors.heartbeats().execute(this::updateStatus),
                update, update, TimeUnit.MILLISECONDS);
    }

    private synchronized void heartbeat() {
        if (heartbeats == null || closing) {
            return;
        }
        try {
            if (node == null) {
                if (status == null) {
                    // Asking the runtime happens here, off the activation thread, retried with the beat.
                    status = new NodeStatusReporter(client, settings, runtime.info(), port(), clock);
                }
                node = status.register();
                pods.start();
                LOG.info("node {} is up: runtime {} {}", settings.nodeName(), runtime.name(), runtime.info().version());
            }
            lease.renew(node);
        } catch (RuntimeException e) {
            LOG.debug("node {}: heartbeat failed, retrying: {}", settings.nodeName(), e.getMessage());
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
