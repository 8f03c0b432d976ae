package io.karavel.kubelet.impl;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ExceptionHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every Service of the cluster, as the node agents of one JVM see them: one informer (all
 * namespaces) shared by every node and pod, read when a container starts for its Service
 * environment variables. Started by the first node that needs it; the objects it returns are
 * shared and must not be changed.
 */
public final class ServiceCache implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ServiceCache.class);

    private final KubernetesClient client;
    private SharedIndexInformer<Service> informer;
    private CompletableFuture<Void> synced;
    private boolean closed;

    public ServiceCache(KubernetesClient client) {
        this.client = client;
    }

    /**
     * Starts the informer unless it runs already; completes once the Services were read (the
     * same stage for every caller). A failed list or watch is retried, as the node's other
     * informers are, until {@link #close()}.
     */
    public synchronized CompletionStage<Void> start() {
        if (closed) {
            return CompletableFuture.failedFuture(new IllegalStateException("the Service cache is closed"));
        }
        if (informer == null) {
            informer = client.services().inAnyNamespace().runnableInformer(0);
            // Retry on every error but a response the client cannot read (which would fail again).
            informer.exceptionHandler((started, error) -> {
                LOG.debug("Service informer: {} (retrying)", error.getMessage());
                return !ExceptionHandler.isDeserializationException(error);
            });
            synced = informer.start().toCompletableFuture();
        }
        return synced;
    }

    /** Whether the Services were read at least once: before that, no container gets its variables. */
    public synchronized boolean hasSynced() {
        return informer != null && informer.hasSynced();
    }

    /** The Services of one namespace. */
    public List<Service> inNamespace(String namespace) {
        SharedIndexInformer<Service> current;
        synchronized (this) {
            current = informer;
        }
        return current == null ? List.of() : current.getIndexer().byIndex(Cache.NAMESPACE_INDEX, namespace);
    }

    /** The Services a pod of {@code namespace} may get variables for: its namespace's and {@code default}'s. */
    public List<Service> forNamespace(String namespace) {
        List<Service> services = new ArrayList<>(inNamespace(namespace));
        if (!"default".equals(namespace)) {
            services.addAll(inNamespace("default"));
        }
        return services;
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (informer != null) {
            informer.stop();
            informer = null;
        }
    }
}
