package io.karavel.api.controller;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import io.fabric8.kubernetes.api.model.NodeSelectorRequirement;
import io.fabric8.kubernetes.api.model.NodeSelectorTerm;
import java.util.List;
import java.util.Map;

/**
 * Label selector matching with Kubernetes semantics, shared by controllers and the scheduler so
 * that there is one implementation.
 */
public final class Selectors {
    private Selectors() {}

    /**
     * Whether {@code labels} satisfy a {@code metav1.LabelSelector}. A null selector matches
     * nothing and an empty one matches everything, as in {@code LabelSelectorAsSelector}.
     *
     * @throws IllegalArgumentException an unknown operator
     */
    public static boolean matches(LabelSelector selector, Map<String, String> labels) {
        if (selector == null) {
            return false;
        }
        Map<String, String> have = labels == null ? Map.of() : labels;
        if (selector.getMatchLabels() != null) {
            for (Map.Entry<String, String> e : selector.getMatchLabels().entrySet()) {
                if (!e.getValue().equals(have.get(e.getKey()))) {
                    return false;
                }
            }
        }
        if (selector.getMatchExpressions() != null) {
            for (LabelSelectorRequirement r : selector.getMatchExpressions()) {
                if (!matches(r.getKey(), r.getOperator(), r.getValues(), have)) {
                    return false;
                }
            }
        }
        return true;
    }

    /** Whether {@code labels} contain every pair of {@code selector} (a Service's or node selector). */
    public static boolean matches(Map<String, String> selector, Map<String, String> labels) {
        Map<String, String> have = labels == null ? Map.of() : labels;
        for (Map.Entry<String, String> e : selector.entrySet()) {
            if (!e.getValue().equals(have.get(e.getKey()))) {
                return false;
            }
        }
        return true;
    }

    /**
     * Whether a node's labels satisfy a node selector term (all its {@code matchExpressions};
     * {@code matchFields} only know {@code metadata.name}). An empty term matches nothing.
     */
    public static boolean matches(NodeSelectorTerm term, String nodeName, Map<String, String> nodeLabels) {
        boolean any = false;
        Map<String, String> have = nodeLabels == null ? Map.of() : nodeLabels;
        if (term.getMatchExpressions() != null) {
            for (NodeSelectorRequirement r : term.getMatchExpressions()) {
                any = true;
                if (!matches(r.getKey(), r.getOperator(), r.getValues(), have)) {
                    return false;
                }
            }
        }
        if (term.getMatchFields() != null) {
            for (NodeSelectorRequirement r : term.getMatchFields()) {
                any = true;
                if (!"metadata.name".equals(r.getKey())
                        || !matches(r.getKey(), r.getOperator(), r.getValues(), Map.of("metadata.name", nodeName))) {
                    return false;
                }
            }
        }
        return any;
    }

    /** One requirement: In, NotIn, Exists, DoesNotExist, and (node selectors) Gt, Lt. */
    public static boolean matches(String key, String operator, List<String> values, Map<String, String> labels) {
        String value = labels.get(key);
        List<String> vs = values == null ? List.of() : values;
        return switch (operator) {
            case "In" -> value != null && vs.contains(value);
            case "NotIn" -> value == null || !vs.contains(value);
            case "Exists" -> labels.containsKey(key);
            case "DoesNotExist" -> !labels.containsKey(key);
            case "Gt", "Lt" -> {
                if (value == null || vs.size() != 1) {
                    yield false;
                }
                try {
                    long have = Long.parseLong(value);
                    long want = Long.parseLong(vs.get(0));
                    yield operator.equals("Gt") ? have > want : have < want;
                } catch (NumberFormatException e) {
                    yield false;
                }
            }
            default -> throw new IllegalArgumentException("unknown selector operator " + operator);
        };
    }

    /** The selector as kubectl prints it and {@code labelSelector=} accepts, e.g. {@code app=web,tier in (a,b)}. */
    public static String toString(LabelSelector selector) {
        StringBuilder out = new StringBuilder();
        if (selector == null) {
            return "";
        }
        if (selector.getMatchLabels() != null) {
            new java.util.TreeMap<>(selector.getMatchLabels()).forEach((k, v) -> append(out, k + "=" + v));
        }
        if (selector.getMatchExpressions() != null) {
            for (LabelSelectorRequirement r : selector.getMatchExpressions()) {
                String values = r.getValues() == null ? "" : String.join(",", r.getValues());
                append(out, switch (r.getOperator()) {
                    case "In" -> r.getKey() + " in (" + values + ")";
                    case "NotIn" -> r.getKey() + " notin (" + values + ")";
                    case "Exists" -> r.getKey();
                    case "DoesNotExist" -> "!" + r.getKey();
                    default -> r.getKey() + " " + r.getOperator() + " (" + values + ")";
                });
            }
        }
        return out.toString();
    }

    private static void append(StringBuilder out, String part) {
        if (out.length() > 0) {
            out.append(',');
        }
        out.append(part);
    }
}
