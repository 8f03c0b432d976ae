package io.karavel.api.controller;

import io.fabric8.kubernetes.api.model.HasMetadata;
import java.util.List;
import java.util.Optional;

/** The shared informers' caches, by kind. */
@org.osgi.annotation.versioning.ProviderType
public interface Caches {
    /**
     * The cache of a kind, starting its informer if nobody watched it yet (a reconcile should
     * only ask for kinds its {@link ControllerSpec} declares, so that they are synced first).
     */
    <T extends HasMetadata> Cache<T> of(Class<T> kind);

    /** Any cached object of any kind with this uid. */
    Optional<HasMetadata> byUid(String uid);

    /** Cached objects of every kind listing {@code ownerUid} among their owner references. */
    List<HasMetadata> dependentsOf(String ownerUid);
}
