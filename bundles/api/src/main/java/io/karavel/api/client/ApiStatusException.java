package io.karavel.api.client;

import io.fabric8.kubernetes.api.model.Status;

/**
 * The API server refused a request; {@link #status()} is the Kubernetes {@code Status} a REST
 * client would have received.
 */
public class ApiStatusException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final transient Status status;

    public ApiStatusException(Status status) {
        super(status.getMessage());
        this.status = status;
    }

    public Status status() {
        return status;
    }

    /** HTTP status code: 404, 409, 422, ... */
    public int code() {
        return status.getCode() == null ? 500 : status.getCode();
    }

    /** e.g. {@code NotFound}, {@code AlreadyExists}, {@code Conflict}, {@code Invalid}. */
    public String reason() {
        return status.getReason();
    }

    public boolean isNotFound() {
        return code() == 404;
    }

    public boolean isAlreadyExists() {
        return code() == 409 && "AlreadyExists".equals(reason());
    }

    /** A compare-and-swap lost: the object changed since it was read. Re-read and retry. */
    public boolean isConflict() {
        return code() == 409 && !"AlreadyExists".equals(reason());
    }
}
