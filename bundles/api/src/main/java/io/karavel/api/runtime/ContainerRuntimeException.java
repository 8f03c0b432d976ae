package io.karavel.api.runtime;

/** A runtime operation failed; the message says why in one line, for pod status messages. */
public class ContainerRuntimeException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ContainerRuntimeException(String message) {
        super(message);
    }

    public ContainerRuntimeException(String message, Throwable cause) {
        super(message, cause);
    }
}
