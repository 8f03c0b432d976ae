package io.karavel.apiserver.impl.rest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;

/** Converts workloads to and from {@code autoscaling/v1 Scale} (the {@code /scale} subresource). */
public final class Scales {
    private Scales() {}

    /**
     * Where a kind keeps what {@code Scale} shows, as dotted paths from the object root (the
     * CRD's {@code specReplicasPath} form: {@code .spec.replicas}).
     *
     * @param specReplicas desired replicas (required)
     * @param statusReplicas observed replicas; missing counts as 0
     * @param selector the pod selector, or null for none
     * @param labelSelectorObject whether {@code selector} holds a {@code LabelSelector} object
     *     (workloads) rather than a selector string (custom resources)
     */
    public record Paths(String specReplicas, String statusReplicas, String selector, boolean labelSelectorObject) {}

    /** Deployments and ReplicaSets. */
    public static final Paths WORKLOAD = new Paths(".spec.replicas", ".status.replicas", ".spec.selector", true);

    static ObjectNode toScale(ObjectNode object) {
        return toScale(WORKLOAD, object);
    }

    static ObjectNode toScale(Paths paths, ObjectNode object) {
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
        scale.putObject("spec").put("replicas", at(object, paths.specReplicas()).asInt(0));
        ObjectNode status = scale.putObject("status");
        status.put("replicas", at(object, paths.statusReplicas()).asInt(0));
        if (paths.selector() != null) {
            JsonNode selector = at(object, paths.selector());
            if (paths.labelSelectorObject()) {
                status.put("selector", selectorString(selector));
            } else if (selector.isTextual()) {
                status.put("selector", selector.asText());
            }
        }
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
        return withReplicas(WORKLOAD, object, replicas);
    }

    static ObjectNode withReplicas(Paths paths, ObjectNode object, int replicas) {
        ObjectNode copy = object.deepCopy();
        String[] parts = paths.specReplicas().substring(1).split("\\.");
        ObjectNode parent = copy;
        for (int i = 0; i < parts.length - 1; i++) {
            JsonNode child = parent.get(parts[i]);
            parent = child instanceof ObjectNode o ? o : parent.putObject(parts[i]);
        }
        parent.put(parts[parts.length - 1], replicas);
        return copy;
    }

    /** The node at a dotted path ({@code .status.replicas}); missing when absent. */
    private static JsonNode at(JsonNode object, String path) {
        JsonNode node = object;
        for (String part : path.substring(1).split("\\.")) {
            node = node.path(part);
        }
        return node;
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
