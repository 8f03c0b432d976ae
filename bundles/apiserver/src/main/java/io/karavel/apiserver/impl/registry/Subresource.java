package io.karavel.apiserver.impl.registry;

import java.util.List;

/**
 * A subresource as discovery lists it ({@code pods/status}, {@code deployments/scale}).
 *
 * @param name the subresource name, e.g. {@code status}
 * @param group group of the subresource's kind when it differs from the parent's (e.g.
 *     {@code autoscaling} for {@code Scale}); null for the parent's group
 * @param version version of that kind; null for the parent's
 * @param kind the kind sent and received on this path
 * @param verbs the verbs discovery lists
 */
public record Subresource(String name, String group, String version, String kind, List<String> verbs) {
    public Subresource {
        verbs = List.copyOf(verbs);
    }

    /** {@code <parent>/status}: get, patch, update of the parent kind. */
    public static Subresource status(String parentKind) {
        return new Subresource("status", null, null, parentKind, List.of("get", "patch", "update"));
    }

    /** {@code <parent>/scale} with the {@code autoscaling/v1 Scale} kind. */
    public static Subresource scale() {
        return new Subresource("scale", "autoscaling", "v1", "Scale", List.of("get", "patch", "update"));
    }
}
