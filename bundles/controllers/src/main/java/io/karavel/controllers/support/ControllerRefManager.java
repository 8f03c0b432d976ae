package io.karavel.controllers.support;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.karavel.api.client.ApiStatusException;
import io.karavel.api.client.ObjectClient;
import io.karavel.api.client.PatchType;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Adopts and releases the objects of one owner, as Kubernetes' {@code ControllerRefManager}:
 * orphans the owner's selector matches are adopted (a controller reference is added), owned
 * objects it no longer matches are released (the reference is removed), objects controlled by
 * someone else are left alone.
 *
 * <p>Writes are JSON patches (RFC 6902) that also set {@code metadata.resourceVersion}, which
 * makes them compare-and-swap: a patch computed from a stale cached object fails with a
 * conflict instead of touching the wrong list entry.
 *
 * @param <T> the owned kind
 */
public final class ControllerRefManager<T extends HasMetadata> {

    private final ObjectClient client;
    private final Class<T> kind;
    private final HasMetadata owner;
    private final OwnerReference controllerRef;
    private final Predicate<T> matches;
    private final Class<? extends HasMetadata> ownerKind;
    private Boolean canAdopt;

    /**
     * @param ownerKind the owner's model class, to re-read it from the API before the first
     *     adoption (a cached owner may already be deleted or replaced under the same name)
     * @param controllerRef the reference to add on adoption
     * @param matches whether the owner selects an object
     */
    public ControllerRefManager(ObjectClient client, Class<T> kind, HasMetadata owner,
            Class<? extends HasMetadata> ownerKind, OwnerReference controllerRef, Predicate<T> matches) {
        this.client = client;
        this.kind = kind;
        this.owner = owner;
        this.ownerKind = ownerKind;
        this.controllerRef = controllerRef;
        this.matches = matches;
    }

    /**
     * The candidates this owner controls after adopting and releasing: each is either already
     * controlled and matching, or a matching orphan now adopted (as patched).
     *
     * @throws ApiStatusException a patch failed other than with "not found" (retry later)
     */
    public List<T> claim(List<T> candidates) {
        List<T> claimed = new ArrayList<>();
        boolean ownerDeleting = owner.getMetadata().getDeletionTimestamp() != null;
        String ownerUid = owner.getMetadata().getUid();
        for (T object : candidates) {
            Optional<OwnerReference> ref = OwnerRefs.controllerRef(object);
            if (ref.isPresent()) {
                if (!ownerUid.equals(ref.get().getUid())) {
                    continue;
                }
                if (matches.test(object)) {
                    claimed.add(object);
                } else if (!ownerDeleting) {
                    release(object);
                }
                continue;
            }
            if (ownerDeleting || !matches.test(object) || object.getMetadata().getDeletionTimestamp() != null) {
                continue;
            }
            if (!Objects.equals(owner.getMetadata().getNamespace(), object.getMetadata().getNamespace())) {
                continue;
            }
            if (!canAdopt()) {
                continue;
            }
            T adopted = adopt(object);
            if (adopted != null) {
                claimed.add(adopted);
            }
        }
        return claimed;
    }

    /** Whether the owner, read from the API rather than the cache, still exists and is not being deleted. */
    private boolean canAdopt() {
        if (canAdopt == null) {
            Optional<? extends HasMetadata> fresh =
                    client.get(ownerKind, owner.getMetadata().getNamespace(), owner.getMetadata().getName());
            canAdopt = fresh.isPresent()
                    && owner.getMetadata().getUid().equals(fresh.get().getMetadata().getUid())
                    && fresh.get().getMetadata().getDeletionTimestamp() == null;
        }
        return canAdopt;
    }

    private T adopt(T object) {
        ArrayNode patch = casPatch(object);
        List<OwnerReference> refs = object.getMetadata().getOwnerReferences();
        ObjectNode add = patch.addObject().put("op", "add");
        if (refs == null || refs.isEmpty()) {
            add.put("path", "/metadata/ownerReferences").putArray("value").add(Json.MAPPER.valueToTree(controllerRef));
        } else {
            add.put("path", "/metadata/ownerReferences/-").set("value", Json.MAPPER.valueToTree(controllerRef));
        }
        return apply(object, patch);
    }

    private void release(T object) {
        List<OwnerReference> refs = object.getMetadata().getOwnerReferences();
        ArrayNode patch = casPatch(object);
        for (int i = refs.size() - 1; i >= 0; i--) {
            if (owner.getMetadata().getUid().equals(refs.get(i).getUid())) {
                patch.addObject().put("op", "remove").put("path", "/metadata/ownerReferences/" + i);
            }
        }
        apply(object, patch);
    }

    private static ArrayNode casPatch(HasMetadata object) {
        ArrayNode patch = Json.MAPPER.createArrayNode();
        patch.addObject()
                .put("op", "test")
                .put("path", "/metadata/uid")
                .put("value", object.getMetadata().getUid());
        patch.addObject()
                .put("op", "replace")
                .put("path", "/metadata/resourceVersion")
                .put("value", object.getMetadata().getResourceVersion());
        return patch;
    }

    private T apply(T object, ArrayNode patch) {
        try {
            return client.patch(kind, object.getMetadata().getNamespace(), object.getMetadata().getName(),
                    PatchType.JSON, patch.toString());
        } catch (ApiStatusException e) {
            // Gone, or replaced by another object of the same name (the uid test failed): nothing to claim.
            if (e.isNotFound() || e.code() == 422) {
                return null;
            }
            throw e;
        }
    }
}
