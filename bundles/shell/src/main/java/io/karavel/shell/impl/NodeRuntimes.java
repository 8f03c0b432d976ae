package io.karavel.shell.impl;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * The runtime facts a node agent publishes on its Node, and the request the shell writes there.
 * The node agent owns the first two; {@code karavel:runtime-set} writes the third, and the agent
 * switches its pods to the requested runtime.
 */
final class NodeRuntimes {

    /** Label: the runtime the node's pods run on now. */
    static final String CURRENT_LABEL = "karavel.io/runtime";
    /** Annotation: the runtimes installed on the node, comma-separated. */
    static final String AVAILABLE_ANNOTATION = "karavel.io/available-runtimes";
    /** Annotation: the runtime an operator asked for. */
    static final String REQUEST_ANNOTATION = "karavel.io/runtime-request";

    private NodeRuntimes() {}

    static String current(JsonNode node) {
        return Json.stringMap(node, "metadata.labels").get(CURRENT_LABEL);
    }

    /** The published runtimes, or null when the node publishes none. */
    static List<String> available(JsonNode node) {
        String value = Json.stringMap(node, "metadata.annotations").get(AVAILABLE_ANNOTATION);
        if (value == null) {
            return null;
        }
        List<String> runtimes = new ArrayList<>();
        for (String runtime : value.split(",")) {
            if (!runtime.isBlank()) {
                runtimes.add(runtime.strip());
            }
        }
        return runtimes;
    }

    static String requested(JsonNode node) {
        return Json.stringMap(node, "metadata.annotations").get(REQUEST_ANNOTATION);
    }
}
