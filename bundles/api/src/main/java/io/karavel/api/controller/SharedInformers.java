package io.karavel.api.controller;

import io.fabric8.kubernetes.api.model.HasMetadata;
import java.time.Duration;

/**
 * The shared informer factory (one store watch and one cache per kind, shared by every
 * controller and the scheduler), provided as a service by the controller runtime. Reconcilers
 * do not need it: their {@link ControllerSpec} declares what to watch. Components with their own
 * queues (the scheduler) use it directly.
 */
@org.osgi.annotation.versioning.ProviderType
public interface SharedInformers extends Caches {
    /**
     * Adds a listener to the informer of {@code kind} (starting the informer if needed). Existing
     * objects are delivered as adds once the cache is synced. Closing the handle removes it.
     */
    <T extends HasMetadata> AutoCloseable addListener(Class<T> kind, InformerListener<T> listener);

    /**
     * Waits until the informer of {@code kind} has loaded its initial list.
     *
     * @return false on timeout
     */
    boolean awaitSynced(Class<? extends HasMetadata> kind, Duration timeout) throws InterruptedException;

    /** An event recorder for a control-plane component, e.g. {@code default-scheduler}. */
    EventRecorder recorder(String component);
}
