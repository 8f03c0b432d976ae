package io.karavel.proxy.impl;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.ServicePortBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.karavel.apiserver.impl.ApiServer;
import io.karavel.apiserver.impl.ApiServerSettings;
import io.karavel.store.mapdb.impl.MapDbStore;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The real API server over an in-memory store, a client to it, and a {@link ServiceProxy} started
 * on demand. Services and EndpointSlices are written by hand: no controller runs.
 */
final class ProxyTestCluster implements AutoCloseable {

    static final String NS = "default";

    private final MapDbStore store;
    private final ApiServer server;
    private final KubernetesClient client;
    private Transport transport;
    private ServiceProxy proxy;

    ProxyTestCluster(Path dir) throws Exception {
        this(dir, 0, true);
    }

    /**
     * @param port the API server's port (0: any free one)
     * @param startServer false: the API server starts only with {@link #startApiServer()}, so that
     *     a proxy can be started first (it then talks to {@code port}, where nothing listens yet)
     */
    ProxyTestCluster(Path dir, int port, boolean startServer) throws Exception {
        store = MapDbStore.openInMemory(MapDbStore.Options.defaults());
        server = new ApiServer(store, new ApiServerSettings("127.0.0.1", port, dir.resolve("kubeconfig")));
        if (startServer) {
            server.start();
            client = io.karavel.kube.client.NodeClients.forApiServer(server.url());
        } else {
            client = io.karavel.kube.client.NodeClients.forApiServer("http://127.0.0.1:" + port);
        }
    }

    void startApiServer() throws Exception {
        server.start();
    }

    static ProxySettings settings(Ipv4Range bridge, int dnsPort) throws Exception {
        return new ProxySettings(List.of(InetAddress.getByName("127.0.0.1")), bridge, "cluster.local", dnsPort,
                List.of(), Duration.ofSeconds(10800), Duration.ofSeconds(5), 2000, 3);
    }

    ServiceProxy startProxy(boolean epoll) throws Exception {
        return startProxy(epoll, settings(null, 0));
    }

    ServiceProxy startProxy(boolean epoll, ProxySettings settings) {
        transport = Transport.create(2, epoll);
        proxy = new ServiceProxy(settings, client, transport, new ServiceAddresses(settings.bridgeRange()));
        proxy.start();
        return proxy;
    }

    KubernetesClient client() {
        return client;
    }

    Transport transport() {
        return transport;
    }

    /** A Service with one port named {@code port} (TCP unless {@code protocol} says otherwise). */
    Service service(String name, String clusterIP, int port, String protocol) {
        return client.services().inNamespace(NS).resource(new ServiceBuilder()
                .withNewMetadata().withName(name).endMetadata()
                .withNewSpec().withClusterIP(clusterIP)
                .withPorts(new ServicePortBuilder().withName("p").withPort(port).withProtocol(protocol)
                        .withTargetPort(new IntOrString(port)).build())
                .endSpec().build()).create();
    }

    /** One endpoint of a slice: {@code ready} null leaves the condition out (which means ready). */
    record Ep(String ip, Boolean ready) {}

    /** Creates or replaces the slice {@code <service>-1} with these endpoints, all on {@code port}. */
    EndpointSlice slice(String service, int port, String protocol, Ep... endpoints) {
        List<io.fabric8.kubernetes.api.model.discovery.v1.Endpoint> eps = new ArrayList<>();
        for (Ep e : endpoints) {
            EndpointBuilder b = new EndpointBuilder().withAddresses(e.ip());
            if (e.ready() != null) {
                b.withNewConditions().withReady(e.ready()).endConditions();
            }
            eps.add(b.build());
        }
        EndpointSlice slice = new EndpointSliceBuilder()
                .withNewMetadata().withName(service + "-1").withNamespace(NS)
                .addToLabels(ServiceProxy.SERVICE_NAME_LABEL, service).endMetadata()
                .withAddressType("IPv4")
                .addNewPort().withName("p").withPort(port).withProtocol(protocol).endPort()
                .withEndpoints(eps)
                .build();
        return client.discovery().v1().endpointSlices().inNamespace(NS).resource(slice).createOr(r -> r.update());
    }

    @Override
    public void close() throws Exception {
        if (proxy != null) {
            proxy.close();
        }
        if (transport != null) {
            transport.close();
        }
        client.close();
        server.close();
        store.close();
    }
}
