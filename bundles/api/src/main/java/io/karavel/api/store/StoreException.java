package io.karavel.api.store;

/** Base of the store's failures. Each subclass maps to one Kubernetes API status. */
public class StoreException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public StoreException(String message) {
        super(message);
    }

    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
