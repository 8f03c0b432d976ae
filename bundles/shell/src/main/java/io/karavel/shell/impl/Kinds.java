package io.karavel.shell.impl;

import io.karavel.api.client.ApiResource;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Resolves what a user types for a kind ({@code po}, {@code pods}, {@code pod}, {@code Pod},
 * {@code deployments.apps}, {@code deploy.apps}, a custom resource's plural or short name) to
 * one served {@link ApiResource}, as kubectl's REST mapper does.
 *
 * <p>{@link ApiResource} carries no short names, so those of the built-in kinds are the ones
 * kubectl knows (the API server's discovery serves the same), and those of custom resources come
 * from their CustomResourceDefinitions ({@code spec.names.shortNames}), passed in by the caller.
 *
 * <p>When several groups serve the same name (core and {@code events.k8s.io} both serve
 * {@code events}), the core group wins, then {@code apps}, then the rest in alphabetical order:
 * kubectl's group priority for the kinds Karavel serves.
 */
final class Kinds {

    /** kubectl's short names of the built-in kinds, by plural. */
    static final Map<String, List<String>> BUILTIN_SHORT_NAMES = Map.ofEntries(
            Map.entry("pods", List.of("po")),
            Map.entry("services", List.of("svc")),
            Map.entry("deployments", List.of("deploy")),
            Map.entry("replicasets", List.of("rs")),
            Map.entry("namespaces", List.of("ns")),
            Map.entry("nodes", List.of("no")),
            Map.entry("configmaps", List.of("cm")),
            Map.entry("endpoints", List.of("ep")),
            Map.entry("events", List.of("ev")),
            Map.entry("serviceaccounts", List.of("sa")),
            Map.entry("daemonsets", List.of("ds")),
            Map.entry("statefulsets", List.of("sts")),
            Map.entry("cronjobs", List.of("cj")),
            Map.entry("persistentvolumes", List.of("pv")),
            Map.entry("persistentvolumeclaims", List.of("pvc")),
            Map.entry("ingresses", List.of("ing")),
            Map.entry("customresourcedefinitions", List.of("crd", "crds")),
            Map.entry("horizontalpodautoscalers", List.of("hpa")),
            Map.entry("limitranges", List.of("limits")),
            Map.entry("resourcequotas", List.of("quota")),
            Map.entry("priorityclasses", List.of("pc")),
            Map.entry("networkpolicies", List.of("netpol")),
            Map.entry("poddisruptionbudgets", List.of("pdb")),
            Map.entry("storageclasses", List.of("sc")));

    private final List<ApiResource> resources;
    private final Map<String, List<String>> shortNames;

    /**
     * @param resources what the API server serves now
     * @param customShortNames short names of custom resources, by {@code plural.group}
     */
    Kinds(List<ApiResource> resources, Map<String, List<String>> customShortNames) {
        List<ApiResource> sorted = new ArrayList<>(resources);
        sorted.sort(Comparator.comparingInt((ApiResource r) -> groupRank(r.group())).thenComparing(ApiResource::group));
        this.resources = List.copyOf(sorted);
        this.shortNames = new LinkedHashMap<>(customShortNames);
    }

    private static int groupRank(String group) {
        if (group.isEmpty()) {
            return 0;
        }
        return group.equals("apps") ? 1 : 2;
    }

    /** Every served resource, core group first. */
    List<ApiResource> all() {
        return resources;
    }

    /**
     * The resource for {@code typed}: a plural, singular, kind or short name, optionally
     * followed by {@code .group} (or {@code .version.group}), case-insensitive.
     */
    Optional<ApiResource> resolve(String typed) {
        String name = typed.toLowerCase(Locale.ROOT);
        for (ApiResource resource : resources) {
            if (matches(resource, name, null, null)) {
                return Optional.of(resource);
            }
        }
        // kind.group or kind.version.group (the group itself contains dots)
        int dot = name.indexOf('.');
        while (dot > 0) {
            String head = name.substring(0, dot);
            String group = name.substring(dot + 1);
            for (ApiResource resource : resources) {
                if (matches(resource, head, null, group)) {
                    return Optional.of(resource);
                }
                int versionDot = group.indexOf('.');
                if (versionDot > 0 && matches(resource, head, group.substring(0, versionDot), group.substring(versionDot + 1))) {
                    return Optional.of(resource);
                }
            }
            dot = name.indexOf('.', dot + 1);
        }
        return Optional.empty();
    }

    private boolean matches(ApiResource resource, String name, String version, String group) {
        if (group != null && !group.equals(resource.group())) {
            return false;
        }
        if (version != null && !version.equals(resource.version())) {
            return false;
        }
        return name.equals(resource.plural())
                || name.equals(resource.kind().toLowerCase(Locale.ROOT))
                || shortNamesOf(resource).contains(name);
    }

    /** The short names of a resource: kubectl's for built-in kinds, its CRD's for custom ones. */
    List<String> shortNamesOf(ApiResource resource) {
        List<String> custom = shortNames.get(qualifiedPlural(resource));
        if (custom != null) {
            return custom;
        }
        return isBuiltinGroup(resource.group()) ? BUILTIN_SHORT_NAMES.getOrDefault(resource.plural(), List.of()) : List.of();
    }

    private static boolean isBuiltinGroup(String group) {
        return group.isEmpty() || !group.contains(".") || group.endsWith(".k8s.io");
    }

    /**
     * How kubectl names a resource in messages: {@code pod}, {@code deployment.apps}, {@code
     * widget.example.com} (the lower-case kind, with the group unless core).
     */
    static String displayKind(ApiResource resource) {
        String kind = resource.kind().toLowerCase(Locale.ROOT);
        return resource.group().isEmpty() ? kind : kind + "." + resource.group();
    }

    /** {@code pods} or {@code deployments.apps}: the key of custom short names. */
    static String qualifiedPlural(ApiResource resource) {
        return resource.group().isEmpty() ? resource.plural() : resource.plural() + "." + resource.group();
    }

    /** kubectl's message for a kind nobody serves. */
    static String unknownKind(String typed) {
        return "error: the server doesn't have a resource type \"" + typed + "\"";
    }
}
