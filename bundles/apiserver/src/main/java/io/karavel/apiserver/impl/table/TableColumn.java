package io.karavel.apiserver.impl.table;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.function.Function;

/**
 * One column of a kind's table ({@code kubectl get} output).
 *
 * @param name header, e.g. {@code Ready}
 * @param type {@code string}, {@code integer}, {@code date}...
 * @param description shown by {@code kubectl explain}-like tools
 * @param priority 0 for default output, 1 for {@code -o wide} only
 * @param cell computes the cell from the served object (a String, a Number or a Boolean)
 */
public record TableColumn(String name, String type, String description, int priority, Function<JsonNode, Object> cell) {

    public static TableColumn of(String name, Function<JsonNode, Object> cell) {
        return new TableColumn(name, "string", name, 0, cell);
    }

    public static TableColumn wide(String name, Function<JsonNode, Object> cell) {
        return new TableColumn(name, "string", name, 1, cell);
    }
}
