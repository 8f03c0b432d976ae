package io.karavel.api.controller;

import io.fabric8.kubernetes.api.model.HasMetadata;
import java.util.Collection;

/**
 * Maps an event on a watched object to the keys of the controller's primary objects to
 * reconcile (for example a pod to the Services selecting it). Runs on the informer's thread:
 * read the caches only, never call the API.
 */
@FunctionalInterface
@org.osgi.annotation.versioning.ConsumerType
public interface KeyMapper {
    Collection<ObjectKey> keys(HasMetadata object, Caches caches);
}
