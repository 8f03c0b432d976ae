package io.karavel.api.controller;

import io.fabric8.kubernetes.api.model.HasMetadata;

/**
 * Records Kubernetes Events on the objects a controller acts on ({@code kubectl describe} shows
 * them). Repeats of the same event are counted on one Event object. Never blocks the caller on
 * the API; failures are logged, not thrown.
 */
@org.osgi.annotation.versioning.ProviderType
public interface EventRecorder {
    String NORMAL = "Normal";
    String WARNING = "Warning";

    void event(HasMetadata regarding, String type, String reason, String message);
}
