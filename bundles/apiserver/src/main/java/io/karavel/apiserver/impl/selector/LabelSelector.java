package io.karavel.apiserver.impl.selector;

import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * A label selector: requirements joined by AND. Parses the query-string syntax
 * ({@code app=web,tier!=db,env in (a,b),!legacy}) and converts the structured form of
 * {@code spec.selector}.
 */
public final class LabelSelector implements Predicate<Map<String, String>> {

    /** One requirement on one label key. */
    public record Requirement(String key, Operator operator, Set<String> values) {
        boolean matches(Map<String, String> labels) {
            String actual = labels == null ? null : labels.get(key);
            return switch (operator) {
                case EQUALS, IN -> actual != null && values.contains(actual);
                case NOT_EQUALS, NOT_IN -> actual == null || !values.contains(actual);
                case EXISTS -> actual != null;
                case DOES_NOT_EXIST -> actual == null;
            };
        }
    }

    /** Selector operators. */
    public enum Operator {
        EQUALS,
        NOT_EQUALS,
        IN,
        NOT_IN,
        EXISTS,
        DOES_NOT_EXIST
    }

    /** Matches everything. */
    public static final LabelSelector EVERYTHING = new LabelSelector(List.of());

    private final List<Requirement> requirements;

    private LabelSelector(List<Requirement> requirements) {
        this.requirements = List.copyOf(requirements);
    }

    public List<Requirement> requirements() {
        return requirements;
    }

    public boolean isEmpty() {
        return requirements.isEmpty();
    }

    @Override
    public boolean test(Map<String, String> labels) {
        for (Requirement r : requirements) {
            if (!r.matches(labels)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Parses the {@code labelSelector} query parameter.
     *
     * @throws IllegalArgumentException with a message for a 400 response
     */
    public static LabelSelector parse(String text) {
        if (text == null || text.isBlank()) {
            return EVERYTHING;
        }
        List<Requirement> result = new ArrayList<>();
        for (String term : splitTopLevel(text)) {
            String t = term.trim();
            if (t.isEmpty()) {
                throw new IllegalArgumentException("unable to parse requirement: found '', expected: identifier");
            }
            result.add(parseTerm(t));
        }
        return new LabelSelector(result);
    }

    /** The structured {@code matchLabels}/{@code matchExpressions} form; null selects nothing. */
    public static LabelSelector fromModel(io.fabric8.kubernetes.api.model.LabelSelector model) {
        List<Requirement> result = new ArrayList<>();
        if (model.getMatchLabels() != null) {
            model.getMatchLabels().forEach((k, v) -> result.add(new Requirement(k, Operator.EQUALS, Set.of(v))));
        }
        if (model.getMatchExpressions() != null) {
            for (LabelSelectorRequirement e : model.getMatchExpressions()) {
                Set<String> values = e.getValues() == null ? Set.of() : Set.copyOf(e.getValues());
                Operator op =
                        switch (e.getOperator()) {
                            case "In" -> Operator.IN;
                            case "NotIn" -> Operator.NOT_IN;
                            case "Exists" -> Operator.EXISTS;
                            case "DoesNotExist" -> Operator.DOES_NOT_EXIST;
                            default -> throw new IllegalArgumentException(
                                    "\"" + e.getOperator() + "\" is not a valid label selector operator");
                        };
                result.add(new Requirement(e.getKey(), op, values));
            }
        }
        return new LabelSelector(result);
    }

    private static Requirement parseTerm(String t) {
        if (t.startsWith("!")) {
            return new Requirement(checkKey(t.substring(1).trim()), Operator.DOES_NOT_EXIST, Set.of());
        }
        int paren = t.indexOf('(');
        if (paren > 0) {
            String head = t.substring(0, paren).trim();
            if (!t.endsWith(")")) {
                throw new IllegalArgumentException("unable to parse requirement: found '" + t + "', expected: ')'");
            }
            Set<String> values = new java.util.LinkedHashSet<>();
            for (String v : t.substring(paren + 1, t.length() - 1).split(",")) {
                values.add(v.trim());
            }
            String[] words = head.split("\\s+");
            if (words.length == 2 && words[1].equals("in")) {
                return new Requirement(checkKey(words[0]), Operator.IN, values);
            }
            if (words.length == 2 && words[1].equals("notin")) {
                return new Requirement(checkKey(words[0]), Operator.NOT_IN, values);
            }
            throw new IllegalArgumentException("unable to parse requirement: " + t);
        }
        int neq = t.indexOf("!=");
        if (neq > 0) {
            return new Requirement(checkKey(t.substring(0, neq).trim()), Operator.NOT_EQUALS, Set.of(t.substring(neq + 2).trim()));
        }
        int eq2 = t.indexOf("==");
        if (eq2 > 0) {
            return new Requirement(checkKey(t.substring(0, eq2).trim()), Operator.EQUALS, Set.of(t.substring(eq2 + 2).trim()));
        }
        int eq = t.indexOf('=');
        if (eq > 0) {
            return new Requirement(checkKey(t.substring(0, eq).trim()), Operator.EQUALS, Set.of(t.substring(eq + 1).trim()));
        }
        return new Requirement(checkKey(t), Operator.EXISTS, Set.of());
    }

    private static String checkKey(String key) {
        if (key.isEmpty() || key.contains(" ") || key.contains("=") || key.contains("!")) {
            throw new IllegalArgumentException("unable to parse requirement: invalid label key \"" + key + "\"");
        }
        return key;
    }

    /** Splits on commas that are not inside parentheses. */
    private static List<String> splitTopLevel(String text) {
        List<String> parts = new ArrayList<>();
        int depth = 0;
        int start = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '(') {
                depth++;
            } else if (c == ')') {
                depth--;
            } else if (c == ',' && depth == 0) {
                parts.add(text.substring(start, i));
                start = i + 1;
            }
        }
        parts.add(text.substring(start));
        return parts;
    }
}
