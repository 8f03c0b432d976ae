package io.karavel.apiserver.impl.discovery;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.karavel.apiserver.impl.registry.ResourceRegistry;
import io.karavel.apiserver.impl.registry.ResourceType;
import io.karavel.apiserver.impl.registry.Subresource;
import io.karavel.apiserver.impl.rest.Json;
import java.util.List;
import java.util.Map;

/**
 * The legacy discovery documents ({@code /version}, {@code /api}, {@code /apis},
 * {@code /api/v1}, {@code /apis/<g>/<v>}), built from the registry on each request so that types
 * registered at runtime appear at once.
 */
public final class Discovery {
    /** The Kubernetes version we answer; {@code /usr/bin/kubectl} picks its bundled kubectl by the minor. */
    public static final String GIT_VERSION = "v1.32.0-karavel";

    private final ResourceRegistry registry;

    public Discovery(ResourceRegistry registry) {
        this.registry = registry;
    }

    public ObjectNode version() {
        ObjectNode v = Json.object();
        v.put("major", "1");
        v.put("minor", "32");
        v.put("gitVersion", GIT_VERSION);
        v.put("gitCommit", "0000000000000000000000000000000000000000");
        v.put("gitTreeState", "clean");
        v.put("buildDate", "2026-11-25T00:00:00Z");
        v.put("goVersion", "go1.23.4");
        v.put("compiler", "gc");
        v.put("platform", "linux/amd64");
        return v;
    }

    /** {@code /api}: the core group's versions. */
    public ObjectNode apiVersions(String serverAddress) {
        ObjectNode doc = Json.object();
        doc.put("kind", "APIVersions");
        doc.putArray("versions").add("v1");
        ObjectNode cidr = doc.putArray("serverAddressByClientCIDRs").addObject();
        cidr.put("clientCIDR", "0.0.0.0/0");
        cidr.put("serverAddress", serverAddress);
        return doc;
    }

    /** {@code /apis}: every named group. */
    public ObjectNode apiGroupList() {
        ObjectNode doc = Json.object();
        doc.put("kind", "APIGroupList");
        doc.put("apiVersion", "v1");
        ArrayNode groups = doc.putArray("groups");
        for (Map.Entry<String, List<String>> e : registry.groups().entrySet()) {
            groups.add(apiGroupBody(e.getKey(), e.getValue()));
        }
        return doc;
    }

    /** {@code /apis/<group>}, or null when the group is not served. */
    public ObjectNode apiGroup(String group) {
        List<String> versions = registry.groups().get(group);
        if (versions == null) {
            return null;
        }
        ObjectNode doc = apiGroupBody(group, versions);
        doc.put("kind", "APIGroup");
        doc.put("apiVersion", "v1");
        return doc;
    }

    private static ObjectNode apiGroupBody(String group, List<String> versions) {
        ObjectNode g = Json.object();
        g.put("name", group);
        ArrayNode vs = g.putArray("versions");
        for (String v : versions) {
            ObjectNode gv = vs.addObject();
            gv.put("groupVersion", group + "/" + v);
            gv.put("version", v);
        }
        ObjectNode preferred = g.putObject("preferredVersion");
        preferred.put("groupVersion", group + "/" + versions.get(0));
        preferred.put("version", versions.get(0));
        return g;
    }

    /** The media type of aggregated discovery; the client reads the response Content-Type to know it got one. */
    public static final String AGGREGATED_V2 = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";

    /**
     * Whether an Accept header asks for aggregated discovery v2 (kubectl 1.32 offers it first,
     * then v2beta1 and plain JSON). The older v2beta1 is not served: such clients get plain JSON.
     */
    public static boolean wantsAggregated(String accept) {
        if (accept == null) {
            return false;
        }
        for (String range : accept.split(",")) {
            java.util.Set<String> params = new java.util.HashSet<>();
            String[] parts = range.split(";");
            if (!parts[0].trim().equalsIgnoreCase("application/json")) {
                continue;
            }
            for (int i = 1; i < parts.length; i++) {
                params.add(parts[i].trim().replace(" ", ""));
            }
            if (params.contains("g=apidiscovery.k8s.io") && params.contains("v=v2")
                    && params.contains("as=APIGroupDiscoveryList")) {
                return true;
            }
        }
        return false;
    }

    /**
     * Aggregated discovery ({@code apidiscovery.k8s.io/v2 APIGroupDiscoveryList}): for {@code /api}
     * the core group, for {@code /apis} every named group, each with all its resources, so a
     * client needs these two requests instead of one per group-version. Built from the registry
     * on each request, as the legacy documents are.
     */
    public ObjectNode aggregated(boolean core) {
        ObjectNode doc = Json.object();
        doc.put("kind", "APIGroupDiscoveryList");
        doc.put("apiVersion", "apidiscovery.k8s.io/v2");
        doc.putObject("metadata");
        ArrayNode items = doc.putArray("items");
        if (core) {
            items.add(groupDiscovery("", List.of("v1")));
        } else {
            for (Map.Entry<String, List<String>> e : registry.groups().entrySet()) {
                items.add(groupDiscovery(e.getKey(), e.getValue()));
            }
        }
        return doc;
    }

    private ObjectNode groupDiscovery(String group, List<String> versions) {
        ObjectNode g = Json.object();
        ObjectNode meta = g.putObject("metadata");
        if (!group.isEmpty()) {
            meta.put("name", group);
        }
        ArrayNode vs = g.putArray("versions");
        for (String version : versions) {
            ObjectNode v = vs.addObject();
            v.put("version", version);
            ArrayNode resources = v.putArray("resources");
            for (ResourceType t : registry.groupVersion(group, version)) {
                ObjectNode r = resources.addObject();
                r.put("resource", t.plural());
                responseKind(r, t.group(), t.version(), t.kind());
                r.put("scope", t.namespaced() ? "Namespaced" : "Cluster");
                r.put("singularResource", t.singular());
                ArrayNode verbs = r.putArray("verbs");
                ResourceType.VERBS.forEach(verbs::add);
                if (!t.shortNames().isEmpty()) {
                    ArrayNode shortNames = r.putArray("shortNames");
                    t.shortNames().forEach(shortNames::add);
                }
                if (!t.categories().isEmpty()) {
                    ArrayNode categories = r.putArray("categories");
                    t.categories().forEach(categories::add);
                }
                if (!t.subresources().isEmpty()) {
                    ArrayNode subs = r.putArray("subresources");
                    for (Subresource s : t.subresources()) {
                        ObjectNode sr = subs.addObject();
                        sr.put("subresource", s.name());
                        responseKind(sr,
                                s.group() == null ? t.group() : s.group(),
                                s.version() == null ? t.version() : s.version(),
                                s.kind());
                        ArrayNode sverbs = sr.putArray("verbs");
                        s.verbs().forEach(sverbs::add);
                    }
                }
            }
            v.put("freshness", "Current");
        }
        return g;
    }

    private static void responseKind(ObjectNode parent, String group, String version, String kind) {
        ObjectNode k = parent.putObject("responseKind");
        k.put("group", group);
        k.put("version", version);
        k.put("kind", kind);
    }

    /** {@code /api/v1} or {@code /apis/<g>/<v>}, or null when nothing is served there. */
    public ObjectNode resourceList(String group, String version) {
        List<ResourceType> types = registry.groupVersion(group, version);
        if (types.isEmpty()) {
            return null;
        }
        ObjectNode doc = Json.object();
        doc.put("kind", "APIResourceList");
        doc.put("apiVersion", "v1");
        doc.put("groupVersion", group.isEmpty() ? version : group + "/" + version);
        ArrayNode resources = doc.putArray("resources");
        for (ResourceType t : types) {
            ObjectNode r = resources.addObject();
            r.put("name", t.plural());
            r.put("singularName", t.singular());
            r.put("namespaced", t.namespaced());
            r.put("kind", t.kind());
            ArrayNode verbs = r.putArray("verbs");
            ResourceType.VERBS.forEach(verbs::add);
            if (!t.shortNames().isEmpty()) {
                ArrayNode shortNames = r.putArray("shortNames");
                t.shortNames().forEach(shortNames::add);
            }
            if (!t.categories().isEmpty()) {
                ArrayNode categories = r.putArray("categories");
                t.categories().forEach(categories::add);
            }
            for (Subresource s : t.subresources()) {
                ObjectNode sr = resources.addObject();
                sr.put("name", t.plural() + "/" + s.name());
                sr.put("singularName", "");
                sr.put("namespaced", t.namespaced());
                if (s.group() != null) {
                    sr.put("group", s.group());
                    sr.put("version", s.version());
                }
                sr.put("kind", s.kind());
                ArrayNode sverbs = sr.putArray("verbs");
                s.verbs().forEach(sverbs::add);
            }
        }
        return doc;
    }
}
