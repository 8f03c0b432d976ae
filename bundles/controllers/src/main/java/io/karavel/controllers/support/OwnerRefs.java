package io.karavel.controllers.support;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.karavel.api.controller.Cache;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
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
     * What an owner with this selector may claim: the objects in its namespace carrying its
     * {@code matchLabels} (orphans to adopt, owned ones to keep) plus every object it owns (some
     * may have to be released), without listing the whole namespace.
     */
    public static <T extends HasMetadata> List<T> claimCandidates(
            Cache<T> cache, HasMetadata owner, LabelSelector selector) {
        Map<String, String> labels = selector == null || selector.getMatchLabels() == null ? Map.of() : selector.getMatchLabels();
        Map<String, T> byUid = new LinkedHashMap<>();
        for (T object : cache.list(owner.getMetadata().getNamespace(), labels)) {
            byUid.put(object.getMetadata().getUid(), object);
        }
        for (T object : cache.ownedBy(owner.getMetadata().getUid())) {
            if (Objects.equals(object.getMetadata().getNamespace(), owner.getMetadata().getNamespace())) {
                byUid.putIfAbsent(object.getMetadata().getUid(), object);
            }
        }
        return new ArrayList<>(byUid.values());
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
