package io.karavel.api.controller;

import io.fabric8.kubernetes.api.model.HasMetadata;

/**
 * What a work queue holds: an object's namespace (null for cluster-scoped kinds) and name.
 * Never the object itself: the reconcile reads the current state from the cache.
 */
public record ObjectKey(String namespace, String name) {

    public static ObjectKey of(HasMetadata object) {
        return new ObjectKey(object.getMetadata().getNamespace(), object.getMetadata().getName());
    }

    public static ObjectKey cluster(String name) {
        return new ObjectKey(null, name);
    }

    @Override
    public String toString() {
        return namespace == null ? name : namespace + "/" + name;
    }
}
