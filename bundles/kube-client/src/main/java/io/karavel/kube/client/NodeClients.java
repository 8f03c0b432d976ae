package io.karavel.kube.client;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.http.HttpClient;
import io.fabric8.kubernetes.client.http.Interceptor;
import io.fabric8.kubernetes.client.http.StandardHttpClientBuilder;
import io.fabric8.kubernetes.client.jdkhttp.JdkHttpClientFactory;
import io.fabric8.kubernetes.client.utils.HttpClientUtils;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The fabric8 client of a node component (node agent, service proxy): it talks to the API servers
 * it is given and reads no kubeconfig or environment, so a node's configuration lives in its
 * {@code etc/*.cfg} only.
 *
 * <p>With several API servers (the masters of an HA control plane) the client sticks to one and
 * moves to the next in the list when that one refuses connections, times out, resets them or
 * answers 503; the request is retried there, each API server at most once per request, and the
 * watches still open on the master left behind are ended so that they reconnect to the next one.
 * Informers, watches, status writes and lease renewals carry on against the next master.
 */
public final class NodeClients {
    private NodeClients() {}

    /**
     * The API servers' URLs from a component's {@code api.server} and {@code api.port} settings:
     * {@code api.server} is a comma-separated list of URLs (one for a single master), in order of
     * preference; empty: the local API server on {@code api.port}. Duplicates and trailing slashes
     * are dropped.
     *
     * @throws IllegalArgumentException when an entry is not an http or https URL
     */
    public static List<String> apiServerUrls(String apiServer, int apiPort) {
        Set<String> urls = new LinkedHashSet<>();
        if (apiServer != null) {
            for (String entry : apiServer.split(",")) {
                if (!entry.isBlank()) {
                    urls.add(checkedUrl(entry.trim()));
                }
            }
        }
        return urls.isEmpty() ? List.of("http://127.0.0.1:" + apiPort) : List.copyOf(urls);
    }

    private static String checkedUrl(String url) {
        URI uri;
        try {
            uri = new URI(url);
        } catch (java.net.URISyntaxException e) {
            throw new IllegalArgumentException("api.server: not a URL: " + url, e);
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null) {
            throw new IllegalArgumentException("api.server: not an http(s) URL with a host: " + url);
        }
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }

    /** A client of the API server at {@code url}. */
    public static KubernetesClient forApiServer(String url) {
        return forApiServers(List.of(url));
    }

    /**
     * A client of the API servers at {@code urls} (see {@link #apiServerUrls}), the first one
     * preferred: with more than one it fails over between them as the class comment describes.
     */
    public static KubernetesClient forApiServers(List<String> urls) {
        return forApiServers(urls, 30_000);
    }

    /** {@link #forApiServers(List)} with another request timeout (tests). */
    static KubernetesClient forApiServers(List<String> urls, int requestTimeoutMillis) {
        if (urls.isEmpty()) {
            throw new IllegalArgumentException("no API server URL");
        }
        List<String> bases = new ArrayList<>();
        for (String url : urls) {
            bases.add(url.endsWith("/") ? url.substring(0, url.length() - 1) : url);
        }
        Config config = new ConfigBuilder(Config.empty())
                .withMasterUrl(bases.get(0))
                .withConnectionTimeout(10_000)
                .withRequestTimeout(requestTimeoutMillis)
                .withWatchReconnectInterval(1_000)
                .withWatchReconnectLimit(-1)
                // The API server answers no WebSocket watch (fabric8 would ask for one first, then
                // fall back): plain HTTP watches go straight through the failover.
                .withOnlyHttpWatches(true)
                // hollow nodes share one client: many requests may be in flight at once
                .withMaxConcurrentRequests(4096)
                .withMaxConcurrentRequestsPerHost(4096)
                // Node components retry on their own rhythm (heartbeats, resyncs, informers): a
                // request that cannot reach the API server fails fast instead of backing off for
                // many seconds. With several masters, a request is retried once on each other one.
                .withRequestRetryBackoffLimit(Math.max(1, bases.size() - 1))
                .withRequestRetryBackoffInterval(200)
                .build();
        HttpClient.Factory transport = bases.size() == 1
                ? new JdkHttpClientFactory()
                : new FailoverTransport(new MasterFailover(bases));
        return new KubernetesClientBuilder().withConfig(config).withHttpClientFactory(transport).build();
    }

    /** The JDK HttpClient transport with {@link MasterFailover} as the first interceptor. */
    private static final class FailoverTransport extends JdkHttpClientFactory {
        private final MasterFailover failover;

        FailoverTransport(MasterFailover failover) {
            this.failover = failover;
        }

        @Override
        public HttpClient.Builder newBuilder(Config config) {
            HttpClient.Builder builder = newBuilder();
            HttpClientUtils.applyCommonConfiguration(config, builder, this);
            // First, before fabric8's own interceptors: only the first one sees the caller's
            // request object, the one fabric8 reports connection failures with.
            Map<String, Interceptor> interceptors = ((StandardHttpClientBuilder<?, ?, ?>) builder).getInterceptors();
            Map<String, Interceptor> others = new LinkedHashMap<>(interceptors);
            interceptors.clear();
            interceptors.put(MasterFailover.NAME, failover);
            interceptors.putAll(others);
            return builder;
        }
    }
}
