package io.karavel.apiserver.impl.registry;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.karavel.apiserver.impl.strategy.ResourceStrategy;
import java.util.List;
import java.util.Optional;

/**
 * Everything the API server knows about one served kind: its names for URLs and discovery, the
 * model class a request body decodes into, and the strategy holding its kind-specific rules
 * (defaults, validation). Built-in kinds are registered at start; custom resources will be added
 * at runtime.
 *
 * @param group API group, {@code ""} for core
 * @param version API version
 * @param kind e.g. {@code Deployment}
 * @param plural the URL segment and store key segment, e.g. {@code deployments}
 * @param singular e.g. {@code deployment}
 * @param namespaced whether objects live in a namespace
 * @param shortNames kubectl short names, e.g. {@code deploy}
 * @param categories e.g. {@code all}
 * @param modelClass the fabric8 model class bodies decode into
 * @param subresources served or advertised subresources
 * @param strategy kind-specific defaulting and validation
 */
public record ResourceType(
        String group,
        String version,
        String kind,
        String plural,
        String singular,
        boolean namespaced,
        List<String> shortNames,
        List<String> categories,
        Class<? extends HasMetadata> modelClass,
        List<Subresource> subresources,
        ResourceStrategy strategy) {

    /** The verbs every main resource supports. */
    public static final List<String> VERBS =
            List.of("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch");

    public ResourceType {
        shortNames = List.copyOf(shortNames);
        categories = List.copyOf(categories);
        subresources = List.copyOf(subresources);
    }

    /** {@code v1} or {@code apps/v1}: what {@code apiVersion} holds. */
    public String apiVersion() {
        return group.isEmpty() ? version : group + "/" + version;
    }

    /** The resource as error messages name it: {@code deployments.apps}, or {@code pods} for core. */
    public String qualifiedResource() {
        return group.isEmpty() ? plural : plural + "." + group;
    }

    /** The kind as 422 messages name it: {@code Deployment.apps}, or {@code Pod} for core. */
    public String qualifiedKind() {
        return group.isEmpty() ? kind : kind + "." + group;
    }

    public String listKind() {
        return kind + "List";
    }

    public Optional<Subresource> subresource(String name) {
        return subresources.stream().filter(s -> s.name().equals(name)).findFirst();
    }
}
