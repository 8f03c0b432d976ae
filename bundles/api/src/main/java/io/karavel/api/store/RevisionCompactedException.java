package io.karavel.api.store;

/** The revision asked for is older than the history kept (410 Expired). */
public class RevisionCompactedException extends StoreException {
    private static final long serialVersionUID = 1L;

    public RevisionCompactedException(String message) {
        super(message);
    }

    public RevisionCompactedException(String message, Throwable cause) {
        super(message, cause);
    }
}
