package io.karavel.shell.impl;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * A label selector as {@code kubectl -l} takes it: comma-separated requirements, each
 * {@code key=value}, {@code key==value}, {@code key!=value}, {@code key in (a,b)},
 * {@code key notin (a,b)}, {@code key} (exists) or {@code !key} (does not exist); all must hold.
 */
final class LabelSelector implements Predicate<Map<String, String>> {

    private final List<Predicate<Map<String, String>>> requirements;

    private LabelSelector(List<Predicate<Map<String, String>>> requirements) {
        this.requirements = requirements;
    }

    /** Matches everything. */
    static final LabelSelector EVERYTHING = new LabelSelector(List.of());

    /** @throws IllegalArgumentException with a message naming the bad requirement */
    static LabelSelector parse(String text) {
        if (text == null || text.isBlank()) {
            return EVERYTHING;
        }
        List<Predicate<Map<String, String>>> requirements = new ArrayList<>();
        for (String requirement : split(text)) {
            requirements.add(requirement(requirement.strip()));
        }
        return new LabelSelector(List.copyOf(requirements));
    }

    /** Splits on commas outside parentheses. */
    private static List<String> split(String text) {
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

    private static Predicate<Map<String, String>> requirement(String text) {
        String[] setBased = text.split("\\s+(?=(in|notin)\\s*\\()", 2);
        if (setBased.length == 2) {
            String key = key(setBased[0].strip(), text);
            String rest = setBased[1].strip();
            boolean in = rest.startsWith("in");
            String list = rest.substring(in ? 2 : 5).strip();
            if (!list.startsWith("(") || !list.endsWith(")")) {
                throw bad(text);
            }
            Set<String> values = Set.copyOf(List.of(list.substring(1, list.length() - 1).strip().split("\\s*,\\s*")));
            return in ? labels -> values.contains(labels.get(key)) : labels -> !values.contains(labels.get(key));
        }
        int notEquals = text.indexOf("!=");
        if (notEquals > 0) {
            String key = key(text.substring(0, notEquals).strip(), text);
            String value = text.substring(notEquals + 2).strip();
            return labels -> !value.equals(labels.get(key));
        }
        int equals = text.indexOf('=');
        if (equals > 0) {
            String key = key(text.substring(0, equals).strip(), text);
            String value = text.substring(text.startsWith("==", equals) ? equals + 2 : equals + 1).strip();
            return labels -> value.equals(labels.get(key));
        }
        if (text.startsWith("!")) {
            String key = key(text.substring(1).strip(), text);
            return labels -> !labels.containsKey(key);
        }
        String key = key(text, text);
        return labels -> labels.containsKey(key);
    }

    private static String key(String key, String requirement) {
        if (key.isEmpty() || !key.matches("[A-Za-z0-9._/-]+")) {
            throw bad(requirement);
        }
        return key;
    }

    private static IllegalArgumentException bad(String requirement) {
        return new IllegalArgumentException("unable to parse requirement: \"" + requirement + "\"");
    }

    @Override
    public boolean test(Map<String, String> labels) {
        Map<String, String> safe = labels == null ? Map.of() : labels;
        for (Predicate<Map<String, String>> requirement : requirements) {
            if (!requirement.test(safe)) {
                return false;
            }
        }
        return true;
    }
}
