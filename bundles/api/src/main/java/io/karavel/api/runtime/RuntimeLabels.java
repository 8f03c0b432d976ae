package io.karavel.api.runtime;

/** Labels the node agent puts on sandboxes and containers, the same keys the kubelet uses. */
public final class RuntimeLabels {
    public static final String POD_UID = "io.kubernetes.pod.uid";
    public static final String POD_NAME = "io.kubernetes.pod.name";
    public static final String POD_NAMESPACE = "io.kubernetes.pod.namespace";
    public static final String CONTAINER_NAME = "io.kubernetes.container.name";
    /** How many times this container (name) was started in this pod before: 0, 1, 2... */
    public static final String CONTAINER_ATTEMPT = "io.kubernetes.container.restartCount";

    private RuntimeLabels() {
    }
}
