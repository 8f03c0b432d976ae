package io.karavel.apiserver.impl.strategy;

import io.karavel.apiserver.impl.rest.ApiException;
import java.util.ArrayList;
import java.util.List;

/** Collects validation failures with Kubernetes' wording, to be answered as one 422 Invalid. */
public final class FieldErrors {
    private final List<ApiException.Cause> causes = new ArrayList<>();

    public FieldErrors required(String field) {
        causes.add(new ApiException.Cause("FieldValueRequired", "Required value", field));
        return this;
    }

    public FieldErrors required(String field, String detail) {
        causes.add(new ApiException.Cause("FieldValueRequired", "Required value: " + detail, field));
        return this;
    }

    public FieldErrors invalid(String field, Object value, String detail) {
        causes.add(
                new ApiException.Cause(
                        "FieldValueInvalid", "Invalid value: " + quote(value) + ": " + detail, field));
        return this;
    }

    /** Like {@link #invalid} for a value already rendered the Go way (e.g. {@code map[string]string{...}}): not quoted. */
    public FieldErrors invalidRendered(String field, String rendered, String detail) {
        causes.add(new ApiException.Cause("FieldValueInvalid", "Invalid value: " + rendered + ": " + detail, field));
        return this;
    }

    public FieldErrors duplicate(String field, Object value) {
        causes.add(new ApiException.Cause("FieldValueDuplicate", "Duplicate value: " + quote(value), field));
        return this;
    }

    public FieldErrors notSupported(String field, Object value, List<String> supported) {
        StringBuilder s = new StringBuilder();
        for (String v : supported) {
            if (s.length() > 0) {
                s.append(", ");
            }
            s.append('"').append(v).append('"');
        }
        causes.add(
                new ApiException.Cause(
                        "FieldValueNotSupported",
                        "Unsupported value: " + quote(value) + ": supported values: " + s,
                        field));
        return this;
    }

    /** A string longer than allowed ({@code Too long: may not be more than 5 bytes}). */
    public FieldErrors tooLong(String field, long maxLength) {
        causes.add(new ApiException.Cause("FieldValueTooLong",
                "Too long: may not be more than " + maxLength + (maxLength == 1 ? " byte" : " bytes"), field));
        return this;
    }

    /** A list or map with too many entries ({@code Too many: 3: must have at most 2 items}). */
    public FieldErrors tooMany(String field, long actual, long max) {
        causes.add(new ApiException.Cause("FieldValueTooMany",
                "Too many: " + actual + ": must have at most " + max + " items", field));
        return this;
    }

    public FieldErrors forbidden(String field, String detail) {
        causes.add(new ApiException.Cause("FieldValueForbidden", "Forbidden: " + detail, field));
        return this;
    }

    public boolean isEmpty() {
        return causes.isEmpty();
    }

    public List<ApiException.Cause> causes() {
        return List.copyOf(causes);
    }

    private static String quote(Object value) {
        return value instanceof String s ? "\"" + s + "\"" : String.valueOf(value);
    }
}
