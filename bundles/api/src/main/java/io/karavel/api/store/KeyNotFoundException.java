package io.karavel.api.store;

/** An update or delete found no such key (404 NotFound). */
public class KeyNotFoundException extends StoreException {
    private static final long serialVersionUID = 1L;

    public KeyNotFoundException(String message) {
        super(message);
    }

    public KeyNotFoundException(String message, Throwable cause) {
        super(message, cause);
    }
}
