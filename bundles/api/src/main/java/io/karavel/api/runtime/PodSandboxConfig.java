package io.karavel.api.runtime;

import java.util.Map;
import java.util.Objects;

/**
 * What a pod's sandbox needs.
 *
 * @param uid the pod's {@code metadata.uid}: the sandbox's identity (idempotence key)
 * @param namespace the pod's namespace
 * @param name the pod's name
 * @param hostname the hostname its containers see (the pod name, or {@code spec.hostname})
 * @param labels labels to keep on the sandbox (at least {@link RuntimeLabels}); returned by
 *     {@link ContainerRuntime#listPodSandboxes()}
 * @param annotations free-form values the node agent keeps with the sandbox
 * @param dns the resolver the pod's containers use; null: the runtime's default (the host's)
 */
public record PodSandboxConfig(String uid, String namespace, String name, String hostname,
                               Map<String, String> labels, Map<String, String> annotations, DnsConfig dns) {
    public PodSandboxConfig {
        Objects.requireNonNull(uid, "uid");
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(name, "name");
        hostname = hostname == null ? name : hostname;
        labels = Map.copyOf(labels);
        annotations = Map.copyOf(annotations);
    }

    /** A sandbox with the runtime's default resolver (the 1.1 signature). */
    public PodSandboxConfig(String uid, String namespace, String name, String hostname,
                            Map<String, String> labels, Map<String, String> annotations) {
        this(uid, namespace, name, hostname, labels, annotations, null);
    }
}
