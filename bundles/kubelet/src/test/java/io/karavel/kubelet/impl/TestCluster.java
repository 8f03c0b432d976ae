package io.karavel.kubelet.impl;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.karavel.api.network.ServiceNetwork;
import io.karavel.api.runtime.ContainerRuntime;
import io.karavel.apiserver.impl.ApiServer;
import io.karavel.apiserver.impl.ApiServerSettings;
import io.karavel.store.mapdb.impl.MapDbStore;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A control plane for node agent tests: the real API server on a free loopback port over an
 * in-memory store, a fabric8 client to it, and node agents started on demand with test-friendly
 * timings (1 s heartbeats, a 200 ms relist, 5 s pod resyncs, 1 s restart back-off).
 */
public final class TestCluster implements AutoCloseable {

    private final MapDbStore store;
    private final ApiServer server;
    private final KubernetesClient client;
    private final AgentExecutors executors = new AgentExecutors();
    private final ServiceCache services;
    private volatile ServiceNetwork serviceNetwork;
    private final List<NodeAgent> agents = new ArrayList<>();
    private final Path dir;

    public TestCluster(Path dir) throws Exception {
        this.dir = dir;
        store = MapDbStore.openInMemory(MapDbStore.Options.defaults());
        server = new ApiServer(store, new ApiServerSettings("127.0.0.1", 0, dir.resolve("kubeconfig")));
        server.start();
        client = io.karavel.kube.client.NodeClients.forApiServer(server.url());
        services = new ServiceCache(client);
    }

    /** The Service cache the nodes share. */
    public ServiceCache services() {
        return services;
    }

    /** Sets the Service network the nodes see from now on ({@code null}: none), as the proxy bundle would. */
    public void serviceNetwork(ServiceNetwork network) {
        this.serviceNetwork = network;
    }

    public String url() {
        return server.url();
    }

    /** The admin kubeconfig the API server wrote (for kubectl). */
    public Path kubeconfig() {
        return dir.resolve("kubeconfig");
    }

    public KubernetesClient client() {
        return client;
    }

    public static NodeAgentSettings settings(String nodeName, Path rootDir, int kubeletPort) {
        return new NodeAgentSettings(nodeName, "127.0.0.1", kubeletPort, rootDir, Duration.ofSeconds(1), 40,
                Duration.ofSeconds(1), Duration.ofMinutes(5), Duration.ofMillis(200), Duration.ofSeconds(5),
                Duration.ofSeconds(1),
                Duration.ofSeconds(8), "4", "8Gi", 110, Map.of());
    }

    /** Starts a node agent with its HTTP server on a free port. */
    public NodeAgent startNode(String name, ContainerRuntime runtime) throws Exception {
        return startNode(settings(name, dir.resolve("kubelet-" + name), 0), runtime);
    }

    public NodeAgent startNode(NodeAgentSettings settings, ContainerRuntime runtime) throws Exception {
        NodeAgent agent = new NodeAgent(settings, client, runtime, executors, services, () -> serviceNetwork,
                Clock.systemUTC());
        agent.start();
        synchronized (agents) {
            agents.add(agent);
        }
        return agent;
    }

    /** Starts a node agent offering every runtime of {@code runtimes}, its HTTP server on a free port. */
    public NodeAgent startNode(String name, NodeRuntimes runtimes) throws Exception {
        NodeAgent agent = new NodeAgent(settings(name, dir.resolve("kubelet-" + name), 0), client, runtimes, false,
                executors, services, () -> serviceNetwork, Clock.systemUTC());
        agent.start();
        synchronized (agents) {
            agents.add(agent);
        }
        return agent;
    }

    /** Stops an agent as a crash or a bundle stop would: its pods keep running. */
    public void stopNode(NodeAgent agent) throws Exception {
        agent.close();
        synchronized (agents) {
            agents.remove(agent);
        }
    }

    @Override
    public void close() throws Exception {
        synchronized (agents) {
            for (NodeAgent agent : agents) {
                agent.close();
            }
        }
        services.close();
        executors.close();
        client.close();
        server.close();
        store.close();
    }
}
