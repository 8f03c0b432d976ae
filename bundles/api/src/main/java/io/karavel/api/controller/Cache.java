package io.karavel.api.controller;

import io.fabric8.kubernetes.api.model.HasMetadata;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An informer's local copy of one kind, kept current by the store's watch. Objects are shared
 * between controllers: never modify one, copy it first (fabric8 builders: {@code new
 * PodBuilder(pod)}).
 */
@org.osgi.annotation.versioning.ProviderType
public interface Cache<T extends HasMetadata> {
    Optional<T> get(String namespace, String name);

    default Optional<T> get(ObjectKey key) {
        return get(key.namespace(), key.name());
    }

    /** Objects in {@code namespace}, or all objects when it is null. */
    List<T> list(String namespace);

    /** Objects in {@code namespace} (all when null) whose labels include every given pair. */
    List<T> list(String namespace, Map<String, String> labels);

    /** Objects that list {@code ownerUid} among their owner references. */
    List<T> ownedBy(String ownerUid);

    /** True once the initial list has been loaded. */
    boolean hasSynced();
}
