package io.karavel.apiserver.impl.http;

/**
 * What a request is about, parsed from its method, path and query (like Kubernetes'
 * {@code RequestInfo}): authorization, admission and the REST layer all read this, never the raw
 * URL.
 *
 * @param resourceRequest true for {@code /api/v1/...} and {@code /apis/<group>/<version>/...}
 *     paths naming a resource; false for discovery, {@code /version}, health and OpenAPI
 * @param path the request path
 * @param verb Kubernetes verb: get, list, watch, create, update, patch, delete, deletecollection;
 *     for non-resource requests the lower-case HTTP method
 * @param apiPrefix {@code api} or {@code apis}; null for non-resource requests
 * @param group API group, {@code ""} for the core group
 * @param version API version
 * @param namespace namespace from the path, null when absent
 * @param resource plural resource name, e.g. {@code deployments}
 * @param subresource e.g. {@code status}, {@code scale}; null for the main resource
 * @param name object name, null for collection requests
 */
public record RequestInfo(
        boolean resourceRequest,
        String path,
        String verb,
        String apiPrefix,
        String group,
        String version,
        String namespace,
        String resource,
        String subresource,
        String name) {

    public static RequestInfo nonResource(String path, String method) {
        return new RequestInfo(
                false, path, method.toLowerCase(java.util.Locale.ROOT), null, null, null, null, null, null,
                null);
    }

    /** {@code v1} or {@code apps/v1}. */
    public String groupVersion() {
        return group == null || group.isEmpty() ? version : group + "/" + version;
    }
}
