package io.karavel.apiserver.impl.http;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Parses a request line into a {@link RequestInfo}, following the rules of Kubernetes'
 * {@code RequestInfoFactory}:
 *
 * <pre>
 * /api/v1/namespaces                                    list namespaces
 * /api/v1/namespaces/{name}[/status|/finalize]          one namespace (and its subresources)
 * /api/v1/namespaces/{ns}/{resource}[/{name}[/{sub}]]   namespaced resources
 * /apis/{group}/{version}/{resource}[/{name}[/{sub}]]   cluster-wide paths
 * /api/v1/watch/...                                     legacy watch prefix
 * </pre>
 */
public final class RequestInfoParser {
    /** Subresources of a namespace object itself, so that {@code namespaces/x/status} is not a resource named "status". */
    private static final Set<String> NAMESPACE_SUBRESOURCES = Set.of("status", "finalize");

    private RequestInfoParser() {}

    /**
     * @param method HTTP method
     * @param path decoded request path
     * @param watchParam the {@code watch} query parameter, or null
     */
    public static RequestInfo parse(String method, String path, String watchParam) {
        List<String> parts = split(path);
        if (parts.isEmpty()) {
            return RequestInfo.nonResource(path, method);
        }
        String prefix = parts.get(0);
        int index;
        String group;
        String version;
        if (prefix.equals("api") && parts.size() >= 3) {
            group = "";
            version = parts.get(1);
            index = 2;
        } else if (prefix.equals("apis") && parts.size() >= 4) {
            group = parts.get(1);
            version = parts.get(2);
            index = 3;
        } else {
            // /api, /api/v1, /apis, /apis/g, /apis/g/v and anything outside the API tree
            return RequestInfo.nonResource(path, method);
        }
        List<String> rest = new ArrayList<>(parts.subList(index, parts.size()));

        boolean legacyWatch = false;
        if (!rest.isEmpty() && rest.get(0).equals("watch")) {
            legacyWatch = true;
            rest.remove(0);
            if (rest.isEmpty()) {
                return RequestInfo.nonResource(path, method);
            }
        }

        String namespace = null;
        if (rest.get(0).equals("namespaces")
                && rest.size() > 2
                && !NAMESPACE_SUBRESOURCES.contains(rest.get(2))) {
            namespace = rest.get(1);
            rest = rest.subList(2, rest.size());
        }
        // otherwise namespaces/{name}[/{subresource}] is the namespace object itself
        if (rest.size() > 3) {
            return RequestInfo.nonResource(path, method);
        }
        String resource = rest.get(0);
        String name = rest.size() > 1 ? rest.get(1) : null;
        String subresource = rest.size() > 2 ? rest.get(2) : null;

        boolean watch = legacyWatch || isTrue(watchParam);
        String verb =
                switch (method.toUpperCase(Locale.ROOT)) {
                    case "GET", "HEAD" -> watch ? "watch" : name == null ? "list" : "get";
                    case "POST" -> "create";
                    case "PUT" -> "update";
                    case "PATCH" -> "patch";
                    case "DELETE" -> name == null ? "deletecollection" : "delete";
                    default -> method.toLowerCase(Locale.ROOT);
                };
        return new RequestInfo(
                true, path, verb, prefix, group, version, namespace, resource, subresource, name);
    }

    static boolean isTrue(String value) {
        return value != null && (value.equals("true") || value.equals("1"));
    }

    private static List<String> split(String path) {
        List<String> parts = new ArrayList<>();
        for (String p : path.split("/")) {
            if (!p.isEmpty()) {
                parts.add(p);
            }
        }
        return parts;
    }
}
