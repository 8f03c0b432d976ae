package io.karavel.api.controller;

import io.fabric8.kubernetes.api.model.HasMetadata;

/**
 * Receives an informer's changes, after its cache has applied them, on the informer's single
 * dispatch thread (in revision order). Must be quick and must not block: enqueue work elsewhere.
 */
@org.osgi.annotation.versioning.ConsumerType
public interface InformerListener<T extends HasMetadata> {
    /** Also called once per existing object when the listener is added to a synced informer. */
    void onAdd(T object);

    void onUpdate(T oldObject, T newObject);

    /** {@code lastKnown} is the object's last state in the cache. */
    void onDelete(T lastKnown);
}
