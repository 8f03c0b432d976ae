package io.karavel.apiserver.impl.rest;

/** The {@code fieldValidation} query parameter: what to do with fields the schema does not know. */
public enum FieldValidation {
    /** Drop unknown fields silently. */
    IGNORE,
    /** Drop unknown fields and report each in a {@code Warning} response header (the Kubernetes default). */
    WARN,
    /** Reject the request with 400 {@code strict decoding error}. kubectl sends this. */
    STRICT;

    public static FieldValidation parse(String value) {
        if (value == null || value.isEmpty()) {
            return WARN;
        }
        return switch (value) {
            case "Ignore" -> IGNORE;
            case "Warn" -> WARN;
            case "Strict" -> STRICT;
            default -> throw ApiException.badRequest(
                    "fieldValidation must be one of \"Ignore\", \"Warn\", or \"Strict\", got \"" + value + "\"");
        };
    }
}
