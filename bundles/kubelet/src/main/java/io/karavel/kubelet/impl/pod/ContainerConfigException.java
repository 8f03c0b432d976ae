package io.karavel.kubelet.impl.pod;

/**
 * A container cannot be configured yet (a missing ConfigMap key, an unsupported volume); the
 * container waits with reason {@link #reason()} and the pod worker tries again on its next sync.
 */
final class ContainerConfigException extends Exception {
    private static final long serialVersionUID = 1L;
    private final String reason;

    ContainerConfigException(String reason, String message) {
        super(message);
        this.reason = reason;
    }

    String reason() {
        return reason;
    }
}
