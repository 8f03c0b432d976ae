package io.karavel.controllers.support;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import java.util.Optional;

/** Controller owner references ({@code metav1.GetControllerOf}, {@code NewControllerRef}). */
public final class OwnerRefs {
    private OwnerRefs() {}

    /** The owner reference with {@code controller: true}, if any. */
    public static Optional<OwnerReference> controllerRef(HasMetadata object) {
        if (object.getMetadata().getOwnerReferences() == null) {
            return Optional.empty();
        }
        return object.getMetadata().getOwnerReferences().stream()
                .filter(ref -> Boolean.TRUE.equals(ref.getController()))
                .findFirst();
    }

    /** True when {@code object}'s controller reference names the owner with this uid. */
    public static boolean isControlledBy(HasMetadata object, String ownerUid) {
        return controllerRef(object).map(ref -> ownerUid.equals(ref.getUid())).orElse(false);
    }

    /**
     * A controller reference to {@code owner} ({@code controller} and {@code blockOwnerDeletion}
     * true), as controllers put on the objects they create or adopt.
     */
    public static OwnerReference newControllerRef(HasMetadata owner, String apiVersion, String kind) {
        return new OwnerReferenceBuilder()
                .withApiVersion(apiVersion)
                .withKind(kind)
                .withName(owner.getMetadata().getName())
                .withUid(owner.getMetadata().getUid())
                .withController(true)
                .withBlockOwnerDeletion(true)
                .build();
    }
}
