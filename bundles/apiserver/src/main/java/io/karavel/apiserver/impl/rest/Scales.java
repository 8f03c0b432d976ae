package io.karavel.apiserver.impl.rest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;

/** Converts workloads to and from {@code autoscaling/v1 Scale} (the {@code /scale} subresource). */
public final class Scales {
    private Scales() {}

    static ObjectNode toScale(ObjectNode object) {
        ObjectNode scale = Json.object();
        scale.put("kind", "Scale");
        scale.put("apiVersion", "autoscaling/v1");
        ObjectNode meta = scale.putObject("metadata");
        JsonNode m = object.path("metadata");
        for (String field : List.of("name", "namespace", "uid", "resourceVersion", "creationTimestamp")) {
            if (m.hasNonNull(field)) {
                meta.set(field, m.get(field));
            }
        }
        scale.putObject("spec").put("replicas", object.path("spec").path("replicas").asInt(0));
        ObjectNode status = scale.putObject("status");
        status.put("replicas", object.path("status").path("replicas").asInt(0));
        status.put("selector", selectorString(object.path("spec").path("selector")));
        return scale;
    }

    static int replicas(ObjectNode scale) {
        JsonNode r = scale.path("spec").path("replicas");
        if (!r.isMissingNode() && !r.isNull() && !r.canConvertToInt()) {
            throw ApiException.badRequest("spec.replicas must be an integer");
        }
        int replicas = r.asInt(0);
        if (replicas < 0) {
            throw new ApiException(422, "Invalid",
                    "Scale.autoscaling \"" + scale.path("metadata").path("name").asText() + "\" is invalid:"
                            + " spec.replicas: Invalid value: " + replicas + ": must be greater than or equal to 0");
        }
        return replicas;
    }

    static ObjectNode withReplicas(ObjectNode object, int replicas) {
        ObjectNode copy = object.deepCopy();
        JsonNode spec = copy.get("spec");
        ObjectNode s = spec instanceof ObjectNode o ? o : copy.putObject("spec");
        s.put("replicas", replicas);
        return copy;
    }

    /** {@code spec.selector} in query-string form ({@code app=web,tier in (a,b)}). */
    public static String selectorString(JsonNode selector) {
        List<String> terms = new ArrayList<>();
        selector.path("matchLabels").fields().forEachRemaining(e -> terms.add(e.getKey() + "=" + e.getValue().asText()));
        for (JsonNode e : selector.path("matchExpressions")) {
            String key = e.path("key").asText();
            List<String> values = new ArrayList<>();
            e.path("values").forEach(v -> values.add(v.asText()));
            switch (e.path("operator").asText()) {
                case "In" -> terms.add(key + " in (" + String.join(",", values) + ")");
                case "NotIn" -> terms.add(key + " notin (" + String.join(",", values) + ")");
                case "Exists" -> terms.add(key);
                case "DoesNotExist" -> terms.add("!" + key);
                default -> { }
            }
        }
        return String.join(",", terms);
    }
}
