package io.karavel.apiserver.impl.selector;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

/**
 * A field selector ({@code metadata.name=web,metadata.namespace!=kube-system}): terms joined by
 * AND over a fixed set of fields. Which fields are supported is per kind; this issue supports
 * {@code metadata.name} and {@code metadata.namespace} for every kind.
 */
public final class FieldSelector implements Predicate<JsonNode> {

    /** One {@code field=value} or {@code field!=value} term. */
    public record Term(String field, boolean equals, String value) {}

    public static final FieldSelector EVERYTHING = new FieldSelector(List.of());

    /** Fields every kind supports. */
    public static final Set<String> COMMON_FIELDS = Set.of("metadata.name", "metadata.namespace");

    /** {@link #COMMON_FIELDS} plus a kind's own fields. */
    public static Set<String> withCommon(String... fields) {
        java.util.Set<String> all = new java.util.HashSet<>(COMMON_FIELDS);
        all.addAll(List.of(fields));
        return Set.copyOf(all);
    }

    /** Selector names that are not the JSON path (Kubernetes' field label conversions). */
    private static final java.util.Map<String, String> PATH_ALIASES = java.util.Map.of("source", "source.component");

    /** Booleans that compare as {@code "false"} when absent, as Go's zero value does. */
    private static final Set<String> BOOLEAN_FIELDS = Set.of("spec.unschedulable", "spec.hostNetwork");

    private final List<Term> terms;

    private FieldSelector(List<Term> terms) {
        this.terms = List.copyOf(terms);
    }

    public List<Term> terms() {
        return terms;
    }

    /**
     * @param supported the field paths allowed for the kind
     * @throws IllegalArgumentException {@code field label not supported: X} or a syntax error
     */
    public static FieldSelector parse(String text, Set<String> supported) {
        if (text == null || text.isBlank()) {
            return EVERYTHING;
        }
        List<Term> terms = new ArrayList<>();
        for (String raw : text.split(",")) {
            String t = raw.trim();
            String field;
            String value;
            boolean equals;
            int neq = t.indexOf("!=");
            int eq2 = t.indexOf("==");
            int eq = t.indexOf('=');
            if (neq > 0) {
                field = t.substring(0, neq);
                value = t.substring(neq + 2);
                equals = false;
            } else if (eq2 > 0) {
                field = t.substring(0, eq2);
                value = t.substring(eq2 + 2);
                equals = true;
            } else if (eq > 0) {
                field = t.substring(0, eq);
                value = t.substring(eq + 1);
                equals = true;
            } else {
                throw new IllegalArgumentException("invalid selector: '" + text + "'; can't understand '" + t + "'");
            }
            field = field.trim();
            if (!supported.contains(field)) {
                throw new IllegalArgumentException("field label not supported: " + field);
            }
            terms.add(new Term(field, equals, value.trim()));
        }
        return new FieldSelector(terms);
    }

    public boolean isEmpty() {
        return terms.isEmpty();
    }

    /** The single {@code metadata.name=X} value, if the selector pins one name (lets a get replace a list). */
    public String pinnedName() {
        for (Term t : terms) {
            if (t.equals() && t.field().equals("metadata.name")) {
                return t.value();
            }
        }
        return null;
    }

    @Override
    public boolean test(JsonNode object) {
        for (Term t : terms) {
            JsonNode node = object;
            for (String part : PATH_ALIASES.getOrDefault(t.field(), t.field()).split("\\.")) {
                node = node == null ? null : node.get(part);
            }
            String actual = node == null || node.isNull()
                    ? (BOOLEAN_FIELDS.contains(t.field()) ? "false" : "")
                    : node.asText();
            if (actual.equals(t.value()) != t.equals()) {
                return false;
            }
        }
        return true;
    }
}
