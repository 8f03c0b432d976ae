package io.karavel.testing.controller;

import io.fabric8.kubernetes.api.model.HasMetadata;

/**
 * One write a {@link FakeCluster} received, recorded whether it succeeded or not (as the
 * Kubernetes fake clientset does), so that a reconciler test can assert exactly what was written.
 *
 * @param verb {@code create}, {@code update}, {@code updateStatus}, {@code patch},
 *     {@code patchStatus}, {@code delete}, {@code bind} or {@code finalize}
 * @param kind the object's kind, e.g. {@code Pod}
 * @param namespace null for cluster-scoped objects
 * @param name the object's name (for a create with {@code generateName}, the assigned name when
 *     the create succeeded, else null)
 * @param object what was sent: the object for create/update, the patched result for a patch, the
 *     {@code Binding} for bind, null for delete
 */
public record Action(String verb, String kind, String namespace, String name, HasMetadata object) {

    /** Whether this is {@code verb} on {@code kind}. */
    public boolean is(String verb, String kind) {
        return this.verb.equals(verb) && this.kind.equals(kind);
    }

    @Override
    public String toString() {
        return verb + " " + kind + " " + (namespace == null ? "" : namespace + "/") + name;
    }
}
