package io.karavel.apiserver.impl.manifest;

/**
 * The manifest text is not YAML (nor JSON) at all: no object can be read from it. The REST
 * endpoint answers it with a 400 {@code Status}; {@link io.karavel.api.client.ManifestApplier}
 * callers get one failed result.
 */
public final class ManifestSyntaxException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int line;

    ManifestSyntaxException(String message, int line) {
        super(message);
        this.line = line;
    }

    /** The line (from 1) where parsing failed, or -1 when unknown. */
    public int line() {
        return line;
    }
}
