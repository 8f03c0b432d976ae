package io.karavel.apiserver.impl.discovery;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.karavel.apiserver.impl.registry.ResourceRegistry;
import io.karavel.apiserver.impl.registry.ResourceType;
import io.karavel.apiserver.impl.rest.Json;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A minimal OpenAPI v3: per group-version, one path per kind with a {@code patch} operation that
 * carries {@code x-kubernetes-group-version-kind} and a {@code fieldValidation} parameter. That
 * is what kubectl checks to decide that the server validates fields itself: it then skips
 * client-side schema validation and sends {@code fieldValidation=Strict}. No schemas are served
 * (so strategic-merge-patch is deliberately not listed: kubectl would then want schemas).
 */
public final class OpenApiV3 {
    private final ResourceRegistry registry;

    public OpenApiV3(ResourceRegistry registry) {
        this.registry = registry;
    }

    /** {@code /openapi/v3}. */
    public ObjectNode index() {
        ObjectNode doc = Json.object();
        ObjectNode paths = doc.putObject("paths");
        for (String gvPath : groupVersionPaths()) {
            ObjectNode entry = paths.putObject(gvPath);
            ObjectNode document = document(gvPath);
            String hash = Integer.toHexString(document == null ? 0 : document.hashCode()).toUpperCase();
            entry.put("serverRelativeURL", "/openapi/v3/" + gvPath + "?hash=" + hash);
        }
        return doc;
    }

    /** {@code api/v1}, {@code apis/apps/v1}, ... */
    private List<String> groupVersionPaths() {
        List<String> result = new ArrayList<>();
        if (!registry.groupVersion("", "v1").isEmpty()) {
            result.add("api/v1");
        }
        for (Map.Entry<String, List<String>> e : registry.groups().entrySet()) {
            for (String v : e.getValue()) {
                result.add("apis/" + e.getKey() + "/" + v);
            }
        }
        return result;
    }

    /** The document of one group-version path ({@code api/v1}, {@code apis/apps/v1}), or null. */
    public ObjectNode document(String gvPath) {
        String[] parts = gvPath.split("/");
        List<ResourceType> types;
        if (parts.length == 2 && parts[0].equals("api")) {
            types = registry.groupVersion("", parts[1]);
        } else if (parts.length == 3 && parts[0].equals("apis")) {
            types = registry.groupVersion(parts[1], parts[2]);
        } else {
            return null;
        }
        if (types.isEmpty()) {
            return null;
        }
        ObjectNode doc = Json.object();
        doc.put("openapi", "3.0.0");
        ObjectNode info = doc.putObject("info");
        info.put("title", "Kubernetes");
        info.put("version", Discovery.GIT_VERSION);
        ObjectNode paths = doc.putObject("paths");
        for (ResourceType t : types) {
            String base = "/" + gvPath + (t.namespaced() ? "/namespaces/{namespace}/" : "/") + t.plural() + "/{name}";
            ObjectNode path = paths.putObject(base);
            ArrayNode pathParams = path.putArray("parameters");
            pathParam(pathParams, "name");
            if (t.namespaced()) {
                pathParam(pathParams, "namespace");
            }
            ObjectNode patch = path.putObject("patch");
            patch.put("operationId", "patch" + t.kind());
            ObjectNode gvk = patch.putObject("x-kubernetes-group-version-kind");
            gvk.put("group", t.group());
            gvk.put("version", t.version());
            gvk.put("kind", t.kind());
            patch.put("x-kubernetes-action", "patch");
            ArrayNode params = patch.putArray("parameters");
            queryParam(params, "dryRun");
            queryParam(params, "fieldManager");
            queryParam(params, "fieldValidation");
            ObjectNode force = params.addObject();
            force.put("name", "force");
            force.put("in", "query");
            force.putObject("schema").put("type", "boolean");
            ObjectNode body = patch.putObject("requestBody");
            ObjectNode content = body.putObject("content");
            for (String mediaType : List.of(
                    "application/apply-patch+yaml", "application/json-patch+json", "application/merge-patch+json")) {
                content.putObject(mediaType).putObject("schema").put("type", "object");
            }
            body.put("required", true);
            ObjectNode ok = patch.putObject("responses").putObject("200");
            ok.put("description", "OK");
            ok.putObject("content").putObject("application/json").putObject("schema").put("type", "object");
        }
        return doc;
    }

    private static void pathParam(ArrayNode params, String name) {
        ObjectNode p = params.addObject();
        p.put("name", name);
        p.put("in", "path");
        p.put("required", true);
        p.putObject("schema").put("type", "string");
    }

    private static void queryParam(ArrayNode params, String name) {
        ObjectNode p = params.addObject();
        p.put("name", name);
        p.put("in", "query");
        p.putObject("schema").put("type", "string").put("uniqueItems", true);
    }
}
