package io.karavel.apiserver.impl;

import io.karavel.apiserver.impl.service.ServiceNetworkSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Resolved settings of one API server instance.
 *
 * @param host address to listen on
 * @param port port to listen on; 0 picks a free port (tests)
 * @param kubeconfigPath where to write the admin kubeconfig once ready; null to write none
 * @param bookmarkInterval how often a watch with {@code allowWatchBookmarks=true} gets a
 *     BOOKMARK event (Kubernetes: about every minute; tests use less)
 * @param services the Service cluster IP and node port ranges, and their repair timing
 * @param kubeconfigServers the API URLs of all masters of an HA control plane, listed in the
 *     kubeconfig (see {@link Kubeconfig}); empty: the kubeconfig names this server only
 */
public record ApiServerSettings(
        String host, int port, Path kubeconfigPath, Duration bookmarkInterval, ServiceNetworkSettings services,
        List<String> kubeconfigServers) {
    public static final Duration DEFAULT_BOOKMARK_INTERVAL = Duration.ofSeconds(60);

    public ApiServerSettings {
        kubeconfigServers = List.copyOf(kubeconfigServers);
    }

    public ApiServerSettings(
            String host, int port, Path kubeconfigPath, Duration bookmarkInterval, ServiceNetworkSettings services) {
        this(host, port, kubeconfigPath, bookmarkInterval, services, List.of());
    }

    public ApiServerSettings(String host, int port, Path kubeconfigPath, Duration bookmarkInterval) {
        this(host, port, kubeconfigPath, bookmarkInterval, ServiceNetworkSettings.defaults());
    }

    public ApiServerSettings(String host, int port, Path kubeconfigPath) {
        this(host, port, kubeconfigPath, DEFAULT_BOOKMARK_INTERVAL);
    }

    /** These settings with other Service network settings. */
    public ApiServerSettings withServices(ServiceNetworkSettings services) {
        return new ApiServerSettings(host, port, kubeconfigPath, bookmarkInterval, services, kubeconfigServers);
    }

    /** These settings with the masters' URLs the kubeconfig lists. */
    public ApiServerSettings withKubeconfigServers(List<String> kubeconfigServers) {
        return new ApiServerSettings(host, port, kubeconfigPath, bookmarkInterval, services, kubeconfigServers);
    }
}
