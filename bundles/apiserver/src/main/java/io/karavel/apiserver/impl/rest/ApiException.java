package io.karavel.apiserver.impl.rest;

import java.util.List;

/**
 * A request failure that becomes a Kubernetes {@code Status} response. Every error the API
 * server returns goes through this type so that clients always get a {@code Status} body.
 */
public final class ApiException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** One field-level problem, reported in {@code details.causes}. */
    public record Cause(String reason, String message, String field) {}

    private final int code;
    private final String reason;
    private final String detailName;
    private final String detailGroup;
    private final String detailKind;
    private final transient List<Cause> causes;

    public ApiException(int code, String reason, String message) {
        this(code, reason, message, null, null, null, List.of());
    }

    public ApiException(
            int code,
            String reason,
            String message,
            String detailName,
            String detailGroup,
            String detailKind,
            List<Cause> causes) {
        super(message);
        this.code = code;
        this.reason = reason;
        this.detailName = detailName;
        this.detailGroup = detailGroup;
        this.detailKind = detailKind;
        this.causes = List.copyOf(causes);
    }

    public int code() {
        return code;
    }

    public String reason() {
        return reason;
    }

    public String detailName() {
        return detailName;
    }

    public String detailGroup() {
        return detailGroup;
    }

    public String detailKind() {
        return detailKind;
    }

    public List<Cause> causes() {
        return causes;
    }

    public static ApiException badRequest(String message) {
        return new ApiException(400, "BadRequest", message);
    }

    /** 409 for a lost optimistic-concurrency race: the object changed since it was read. */
    public static ApiException modified(String qualifiedResource, String group, String name) {
        return conflict(qualifiedResource, group, name,
                "the object has been modified; please apply your changes to the latest version and try again");
    }

    /** 404 for a missing object: {@code pods "x" not found} (resource qualified by its group). */
    public static ApiException notFound(String qualifiedResource, String group, String name) {
        return new ApiException(
                404,
                "NotFound",
                qualifiedResource + " \"" + name + "\" not found",
                name,
                group,
                plainResource(qualifiedResource),
                List.of());
    }

    public static ApiException alreadyExists(String qualifiedResource, String group, String name) {
        return new ApiException(
                409,
                "AlreadyExists",
                qualifiedResource + " \"" + name + "\" already exists",
                name,
                group,
                plainResource(qualifiedResource),
                List.of());
    }

    public static ApiException conflict(
            String qualifiedResource, String group, String name, String why) {
        return new ApiException(
                409,
                "Conflict",
                "Operation cannot be fulfilled on " + qualifiedResource + " \"" + name + "\": " + why,
                name,
                group,
                plainResource(qualifiedResource),
                List.of());
    }

    /** 422 with the Kubernetes message format {@code Kind "name" is invalid: cause[, cause]}. */
    public static ApiException invalid(
            String qualifiedKind, String group, String kind, String name, List<Cause> causes) {
        StringBuilder text = new StringBuilder();
        for (Cause c : causes) {
            if (text.length() > 0) {
                text.append(", ");
            }
            text.append(c.field()).append(": ").append(c.message());
        }
        String joined = causes.size() > 1 ? "[" + text + "]" : text.toString();
        return new ApiException(
                422,
                "Invalid",
                qualifiedKind + " \"" + name + "\" is invalid: " + joined,
                name,
                group,
                kind,
                causes);
    }

    public static ApiException methodNotAllowed(String message) {
        return new ApiException(405, "MethodNotAllowed", message);
    }

    public static ApiException unsupportedMediaType(String contentType) {
        return new ApiException(
                415,
                "UnsupportedMediaType",
                "the body of the request was in an unknown format - accepted media types include:"
                        + " application/json, application/vnd.kubernetes.protobuf (got " + contentType + ")");
    }

    public static ApiException expired(String message) {
        return new ApiException(410, "Expired", message);
    }

    public static ApiException unavailable(String message) {
        return new ApiException(503, "ServiceUnavailable", message);
    }

    public static ApiException internal(String message) {
        return new ApiException(500, "InternalError", message);
    }

    private static String plainResource(String qualifiedResource) {
        int dot = qualifiedResource.indexOf('.');
        return dot < 0 ? qualifiedResource : qualifiedResource.substring(0, dot);
    }
}
