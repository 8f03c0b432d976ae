package io.karavel.apiserver.impl.strategy;

import java.util.regex.Pattern;

/** DNS-1123 name rules, with Kubernetes' error texts. */
public final class Names {
    private static final String LABEL_FMT = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
    private static final String SUBDOMAIN_FMT = LABEL_FMT + "(\\." + LABEL_FMT + ")*";
    private static final Pattern LABEL = Pattern.compile(LABEL_FMT);
    private static final Pattern SUBDOMAIN = Pattern.compile(SUBDOMAIN_FMT);
    private static final Pattern QUALIFIED_NAME_PART = Pattern.compile("([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]");

    private Names() {}

    /** Which DNS rule a kind's names follow. */
    public enum Rule {
        /** RFC 1123 subdomain: most kinds. */
        SUBDOMAIN,
        /** RFC 1123 label: Namespace, Service. */
        LABEL
    }

    /** Null when valid, else the detail text of the 422 cause. */
    public static String check(Rule rule, String name) {
        return rule == Rule.LABEL ? checkLabel(name) : checkSubdomain(name);
    }

    public static String checkSubdomain(String name) {
        if (name.length() > 253) {
            return "must be no more than 253 characters";
        }
        if (!SUBDOMAIN.matcher(name).matches()) {
            return "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters,"
                    + " '-' or '.', and must start and end with an alphanumeric character (e.g."
                    + " 'example.com', regex used for validation is '" + SUBDOMAIN_FMT + "')";
        }
        return null;
    }

    public static String checkLabel(String name) {
        if (name.length() > 63) {
            return "must be no more than 63 characters";
        }
        if (!LABEL.matcher(name).matches()) {
            return "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or"
                    + " '-', and must start and end with an alphanumeric character (e.g. 'my-name', "
                    + " or '123-abc', regex used for validation is '" + LABEL_FMT + "')";
        }
        return null;
    }

    /** Label keys: an optional DNS subdomain prefix and a name part of at most 63 characters. */
    public static String checkLabelKey(String key) {
        String name = key;
        int slash = key.indexOf('/');
        if (slash >= 0) {
            String prefix = key.substring(0, slash);
            name = key.substring(slash + 1);
            if (prefix.isEmpty() || checkSubdomain(prefix) != null) {
                return "prefix part " + (prefix.isEmpty() ? "must be non-empty" : checkSubdomain(prefix));
            }
        }
        if (name.isEmpty() || name.length() > 63 || !QUALIFIED_NAME_PART.matcher(name).matches()) {
            return "name part must consist of alphanumeric characters, '-', '_' or '.', and must start"
                    + " and end with an alphanumeric character, and be at most 63 characters";
        }
        return null;
    }

    public static String checkLabelValue(String value) {
        if (value.isEmpty()) {
            return null;
        }
        if (value.length() > 63 || !QUALIFIED_NAME_PART.matcher(value).matches()) {
            return "a valid label must be an empty string or consist of alphanumeric characters, '-',"
                    + " '_' or '.', and must start and end with an alphanumeric character, and be at"
                    + " most 63 characters";
        }
        return null;
    }
}
