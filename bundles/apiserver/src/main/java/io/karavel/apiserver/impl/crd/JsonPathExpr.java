package io.karavel.apiserver.impl.crd;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * The JSONPath subset printer columns use: {@code .spec.replicas}, {@code .items[0]},
 * {@code ['dotted.key']}, {@code [*]} and filters {@code [?(@.type=="Ready")]}.
 */
final class JsonPathExpr {
    private sealed interface Step permits Field, Index, All, Filter {}

    private record Field(String name) implements Step {}

    private record Index(int index) implements Step {}

    private record All() implements Step {}

    private record Filter(List<String> path, String value) implements Step {}

    private final List<Step> steps;

    private JsonPathExpr(List<Step> steps) {
        this.steps = steps;
    }

    /** @throws IllegalArgumentException for syntax this subset does not support */
    static JsonPathExpr parse(String text) {
        String s = text.trim();
        if (s.startsWith("{") && s.endsWith("}")) {
            s = s.substring(1, s.length() - 1);
        }
        if (s.startsWith("$")) {
            s = s.substring(1);
        }
        List<Step> steps = new ArrayList<>();
        int i = 0;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (c == '.') {
                int end = i + 1;
                while (end < s.length() && s.charAt(end) != '.' && s.charAt(end) != '[') {
                    end++;
                }
                if (end == i + 1) {
                    throw new IllegalArgumentException("empty field name at " + i);
                }
                steps.add(new Field(s.substring(i + 1, end)));
                i = end;
            } else if (c == '[') {
                int end = s.indexOf(']', i);
                if (s.startsWith("[?(", i)) {
                    end = s.indexOf(")]", i) + 1;
                }
                if (end <= i) {
                    throw new IllegalArgumentException("unclosed [ at " + i);
                }
                steps.add(bracket(s.substring(i + 1, end)));
                i = end + 1;
            } else {
                throw new IllegalArgumentException("unexpected '" + c + "' at " + i);
            }
        }
        return new JsonPathExpr(List.copyOf(steps));
    }

    private static Step bracket(String inner) {
        String t = inner.trim();
        if (t.equals("*")) {
            return new All();
        }
        if (t.startsWith("'") && t.endsWith("'") && t.length() >= 2) {
            return new Field(t.substring(1, t.length() - 1));
        }
        if (t.startsWith("?(") && t.endsWith(")")) {
            String cond = t.substring(2, t.length() - 1).trim();
            int eq = cond.indexOf("==");
            if (!cond.startsWith("@.") || eq < 0) {
                throw new IllegalArgumentException("unsupported filter: " + cond);
            }
            String value = cond.substring(eq + 2).trim();
            if ((value.startsWith("\"") && value.endsWith("\"")) || (value.startsWith("'") && value.endsWith("'"))) {
                value = value.substring(1, value.length() - 1);
            }
            return new Filter(List.of(cond.substring(2, eq).trim().split("\\.")), value);
        }
        try {
            return new Index(Integer.parseInt(t));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("unsupported subscript: [" + inner + "]");
        }
    }

    /** Every node the path reaches (empty when none). */
    List<JsonNode> find(JsonNode root) {
        List<JsonNode> current = List.of(root);
        for (Step step : steps) {
            List<JsonNode> next = new ArrayList<>();
            for (JsonNode n : current) {
                if (step instanceof Field f) {
                    if (n.has(f.name())) {
                        next.add(n.get(f.name()));
                    }
                } else if (step instanceof Index ix) {
                    int index = ix.index() < 0 ? n.size() + ix.index() : ix.index();
                    if (n.isArray() && index >= 0 && index < n.size()) {
                        next.add(n.get(index));
                    }
                } else if (step instanceof All) {
                    n.elements().forEachRemaining(next::add);
                } else if (step instanceof Filter f) {
                    n.elements().forEachRemaining(e -> {
                        JsonNode v = e;
                        for (String part : f.path()) {
                            v = v.path(part);
                        }
                        if (v.isValueNode() && v.asText().equals(f.value())) {
                            next.add(e);
                        }
                    });
                }
            }
            current = next;
        }
        return current;
    }
}
