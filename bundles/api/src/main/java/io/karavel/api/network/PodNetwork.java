package io.karavel.api.network;

/** Where a pod's network lives, which decides the addresses it reaches Services at. */
public enum PodNetwork {
    /**
     * The host's network namespace: host processes, pods of the process runtime, pods with
     * {@code hostNetwork: true}. They reach Services at their ClusterIPs (loopback by default).
     */
    HOST,
    /**
     * A network namespace of the pod's own on a container bridge (podman pods). A loopback
     * ClusterIP would be the pod's own loopback there, so they reach Services at the addresses
     * the proxy serves on the bridge side of the node.
     */
    BRIDGE
}
