package io.karavel.shell.impl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashMap;
import java.util.Map;

/** The JSON view of objects that the printers read, and the {@code -o json} writer. */
final class Json {

    static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private Json() {}

    /** An object of any kind (typed or generic) as a tree. */
    static ObjectNode tree(Object object) {
        return MAPPER.valueToTree(object);
    }

    static String write(JsonNode node) {
        try {
            return MAPPER.writeValueAsString(node) + "\n";
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e); // a tree always serializes
        }
    }

    /** The text at a dotted path ({@code status.phase}), or null. */
    static String text(JsonNode node, String path) {
        JsonNode at = at(node, path);
        return at.isMissingNode() || at.isNull() ? null : at.asText();
    }

    static JsonNode at(JsonNode node, String path) {
        JsonNode at = node;
        for (String part : path.split("\\.")) {
            at = at.path(part);
        }
        return at;
    }

    /** A string map (labels, annotations, selectors), empty when absent. */
    static Map<String, String> stringMap(JsonNode node, String path) {
        Map<String, String> map = new LinkedHashMap<>();
        at(node, path).fields().forEachRemaining(e -> map.put(e.getKey(), e.getValue().asText()));
        return map;
    }
}
