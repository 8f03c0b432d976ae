package io.karavel.apiserver.impl.protobuf;

/** A protobuf body that cannot be read: malformed, or of a kind or encoding not supported. */
public final class ProtobufException extends RuntimeException {

    /** True for a well-formed body this server cannot decode (HTTP 415), false for a malformed one (400). */
    private final boolean unsupported;

    private ProtobufException(String message, boolean unsupported) {
        super(message);
        this.unsupported = unsupported;
    }

    static ProtobufException malformed(String message) {
        return new ProtobufException(message, false);
    }

    static ProtobufException unsupported(String message) {
        return new ProtobufException(message, true);
    }

    public boolean unsupported() {
        return unsupported;
    }
}
