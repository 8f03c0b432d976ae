package io.karavel.kubelet.impl.pod;

/** A pod cannot be placed: the runtime it needs (its RuntimeClass's handler, or a default) is not on this node. */
final class RuntimeUnavailableException extends Exception {
    private static final long serialVersionUID = 1L;

    RuntimeUnavailableException(String message) {
        super(message);
    }
}
