package io.karavel.apiserver.impl.selector;

import io.karavel.apiserver.impl.strategy.Names;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * A label selector: requirements joined by AND. Parses the query-string syntax of Kubernetes'
 * {@code labels.Parse} ({@code app=web,tier!=db,tier==web,env in (a,b),env notin (c),legacy,!legacy,
 * replicas>1,replicas<5}; keys and values are checked as label keys and values) and converts the
 * structured form of {@code spec.selector}.
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
                case GREATER_THAN, LESS_THAN -> compare(actual, values.iterator().next());
            };
        }

        /** {@code key>n}, {@code key<n}: the label is present and an integer beyond the bound. */
        private boolean compare(String actual, String bound) {
            if (actual == null) {
                return false;
            }
            try {
                long value = Long.parseLong(actual);
                long limit = Long.parseLong(bound);
                return operator == Operator.GREATER_THAN ? value > limit : value < limit;
            } catch (NumberFormatException e) {
                return false;
            }
        }
    }

    /** Selector operators. */
    public enum Operator {
        EQUALS,
        NOT_EQUALS,
        IN,
        NOT_IN,
        EXISTS,
        DOES_NOT_EXIST,
        /** {@code key>n} (query syntax only, as in Kubernetes) */
        GREATER_THAN,
        /** {@code key<n} */
        LESS_THAN
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
            String[] list = t.substring(paren + 1, t.length() - 1).split(",", -1);
            if (list.length == 1 && list[0].isBlank()) {
                throw new IllegalArgumentException(
                        "unable to parse requirement: for 'in', 'notin' operators, values set can't be empty");
            }
            for (int i = 0; i < list.length; i++) {
                values.add(checkValue(list[i].trim(), i));
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
            return new Requirement(checkKey(t.substring(0, neq).trim()), Operator.NOT_EQUALS,
                    Set.of(checkValue(t.substring(neq + 2).trim(), 0)));
        }
        int eq2 = t.indexOf("==");
        if (eq2 > 0) {
            return new Requirement(checkKey(t.substring(0, eq2).trim()), Operator.EQUALS,
                    Set.of(checkValue(t.substring(eq2 + 2).trim(), 0)));
        }
        int eq = t.indexOf('=');
        if (eq > 0) {
            return new Requirement(checkKey(t.substring(0, eq).trim()), Operator.EQUALS,
                    Set.of(checkValue(t.substring(eq + 1).trim(), 0)));
        }
        for (char c : new char[] {'>', '<'}) {
            int at = t.indexOf(c);
            if (at > 0) {
                String bound = t.substring(at + 1).trim();
                try {
                    Long.parseLong(bound);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException(
                            "unable to parse requirement: for 'Gt', 'Lt' operators, the value must be an integer");
                }
                return new Requirement(checkKey(t.substring(0, at).trim()),
                        c == '>' ? Operator.GREATER_THAN : Operator.LESS_THAN, Set.of(bound));
            }
        }
        return new Requirement(checkKey(t), Operator.EXISTS, Set.of());
    }

    private static String checkKey(String key) {
        String bad = key.isEmpty() ? "name part must be non-empty" : Names.checkLabelKey(key);
        if (bad != null) {
            throw new IllegalArgumentException("unable to parse requirement: key: Invalid value: \"" + key + "\": " + bad);
        }
        return key;
    }

    private static String checkValue(String value, int index) {
        String bad = Names.checkLabelValue(value);
        if (bad != null) {
            throw new IllegalArgumentException("unable to parse requirement: values[" + index + "]: Invalid value: \""
                    + value + "\": " + bad);
        }
        return value;
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
