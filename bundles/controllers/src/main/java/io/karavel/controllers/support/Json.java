package io.karavel.controllers.support;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Model objects as JSON trees, for comparisons that must not depend on how the API server
 * happened to round-trip a field (absent, null, empty or zero all mean the Go zero value).
 */
public final class Json {
    /** Plain Jackson; the fabric8 model classes carry their own annotations. */
    public static final ObjectMapper MAPPER = new ObjectMapper().setSerializationInclusion(JsonInclude.Include.NON_NULL);

    private Json() {}

    public static JsonNode tree(Object value) {
        return MAPPER.valueToTree(value);
    }

    /**
     * A copy without nulls, empty strings, zeros, {@code false}, empty arrays and empty objects
     * (recursively): Go's zero values, which Kubernetes' {@code omitempty} drops.
     */
    public static JsonNode pruned(JsonNode node) {
        if (node == null || node.isNull() || node.isMissingNode()) {
            return null;
        }
        if (node.isObject()) {
            ObjectNode out = MAPPER.createObjectNode();
            Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> e = fields.next();
                JsonNode value = pruned(e.getValue());
                if (value != null) {
                    out.set(e.getKey(), value);
                }
            }
            return out.isEmpty() ? null : out;
        }
        if (node.isArray()) {
            ArrayNode out = MAPPER.createArrayNode();
            for (JsonNode element : node) {
                // list positions matter: scalars stay as they are, empty containers stay empty
                if (element.isValueNode()) {
                    out.add(element);
                } else {
                    JsonNode value = pruned(element);
                    out.add(value == null ? (element.isArray() ? MAPPER.createArrayNode() : MAPPER.createObjectNode()) : value);
                }
            }
            return out.isEmpty() ? null : out;
        }
        if ((node.isTextual() && node.asText().isEmpty())
                || (node.isNumber() && node.asDouble() == 0)
                || (node.isBoolean() && !node.asBoolean())) {
            return null;
        }
        return node;
    }

    /** Equal once {@link #pruned} (so a missing field equals its zero value). */
    public static boolean sameIgnoringDefaults(Object a, Object b) {
        JsonNode left = pruned(tree(a));
        JsonNode right = pruned(tree(b));
        return left == null ? right == null : left.equals(right);
    }

    /** JSON text with object keys sorted at every level: the same tree always gives the same bytes. */
    public static String canonical(JsonNode node) {
        try {
            return MAPPER.writeValueAsString(sorted(node));
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static JsonNode sorted(JsonNode node) {
        if (node == null) {
            return MAPPER.nullNode();
        }
        if (node.isObject()) {
            List<String> names = new ArrayList<>();
            node.fieldNames().forEachRemaining(names::add);
            Collections.sort(names);
            ObjectNode out = MAPPER.createObjectNode();
            for (String name : names) {
                out.set(name, sorted(node.get(name)));
            }
            return out;
        }
        if (node.isArray()) {
            ArrayNode out = MAPPER.createArrayNode();
            node.forEach(element -> out.add(sorted(element)));
            return out;
        }
        return node;
    }
}
