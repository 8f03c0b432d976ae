package io.karavel.api.client;

import io.fabric8.kubernetes.api.model.HasMetadata;
import java.util.List;

/**
 * One served resource, as discovery describes it.
 *
 * @param group API group, {@code ""} for core
 * @param version the served version
 * @param kind e.g. {@code ReplicaSet}
 * @param plural e.g. {@code replicasets}: the REST path segment and the store key segment
 * @param namespaced true for namespaced kinds
 * @param verbs e.g. get, list, watch, create, update, patch, delete, deletecollection
 * @param modelClass the fabric8 class objects decode into: a typed model class for built-in
 *     kinds, {@link io.fabric8.kubernetes.api.model.GenericKubernetesResource} for custom ones
 */
public record ApiResource(
        String group,
        String version,
        String kind,
        String plural,
        boolean namespaced,
        List<String> verbs,
        Class<? extends HasMetadata> modelClass) {

    public ApiResource {
        verbs = List.copyOf(verbs);
    }

    /** {@code v1} or {@code apps/v1}. */
    public String apiVersion() {
        return group.isEmpty() ? version : group + "/" + version;
    }

    public boolean supports(String verb) {
        return verbs.contains(verb);
    }
}
