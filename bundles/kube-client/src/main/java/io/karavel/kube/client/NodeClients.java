package io.karavel.kube.client;

import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.jdkhttp.JdkHttpClientFactory;

/**
 * The fabric8 client of a node component (node agent, service proxy): it talks to exactly one API
 * server and reads no kubeconfig or environment, so a node's configuration lives in its
 * {@code etc/*.cfg} only.
 */
public final class NodeClients {
    private NodeClients() {}

    /**
     * The API server's URL from a component's {@code api.server} and {@code api.port} settings:
     * {@code api.server} when given, else the local API server on {@code api.port}.
     */
    public static String apiServerUrl(String apiServer, int apiPort) {
        return apiServer == null || apiServer.isBlank() ? "http://127.0.0.1:" + apiPort : apiServer.trim();
    }

    /** A client of the API server at {@code url}. */
    public static KubernetesClient forApiServer(String url) {
        io.fabric8.kubernetes.client.Config config = new ConfigBuilder(io.fabric8.kubernetes.client.Config.empty())
                .withMasterUrl(url)
                .withConnectionTimeout(10_000)
                .withRequestTimeout(30_000)
                .withWatchReconnectInterval(1_000)
                .withWatchReconnectLimit(-1)
                // hollow nodes share one client: many requests may be in flight at once
                .withMaxConcurrentRequests(4096)
                .withMaxConcurrentRequestsPerHost(4096)
                // Node components retry on their own rhythm (heartbeats, resyncs, informers): a
                // request that cannot reach the API server fails fast instead of backing off for
                // many seconds.
                .withRequestRetryBackoffLimit(1)
                .withRequestRetryBackoffInterval(200)
                .build();
        return new KubernetesClientBuilder().withConfig(config).withHttpClientFactory(new JdkHttpClientFactory())
                .build();
    }
}
