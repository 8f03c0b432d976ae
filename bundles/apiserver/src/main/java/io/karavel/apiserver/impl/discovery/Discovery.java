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
