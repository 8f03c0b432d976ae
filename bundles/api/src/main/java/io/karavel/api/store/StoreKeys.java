package io.karavel.api.store;

/**
 * The key layout every component shares: {@code /<group>/<resource>/<namespace>/<name>} for
 * namespaced objects and {@code /<group>/<resource>/<name>} for cluster-scoped ones. The core
 * group (the empty string in Kubernetes) is written {@code core}.
 *
 * <p>Prefixes end with {@code /}, so {@code pods} never matches {@code podtemplates}.
 */
public final class StoreKeys {
    private StoreKeys() {}

    /** The group as it appears in keys. */
    public static String groupSegment(String group) {
        return group == null || group.isEmpty() ? "core" : group;
    }

    /** Prefix of every object of a resource, in all namespaces. */
    public static String resourcePrefix(String group, String resource) {
        return "/" + groupSegment(group) + "/" + resource + "/";
    }

    /** Prefix of a resource's objects in one namespace. */
    public static String namespacePrefix(String group, String resource, String namespace) {
        return resourcePrefix(group, resource) + namespace + "/";
    }

    /** Key of one object; {@code namespace} null or empty for cluster-scoped resources. */
    public static String key(String group, String resource, String namespace, String name) {
        return namespace == null || namespace.isEmpty()
                ? resourcePrefix(group, resource) + name
                : namespacePrefix(group, resource, namespace) + name;
    }
}
