package io.karavel.controllers.gc;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.DeleteOptions;
import io.fabric8.kubernetes.api.model.DeleteOptionsBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.karavel.controllers.support.Json;
import io.karavel.api.client.ApiResource;
import io.karavel.api.client.ApiStatusException;
import io.karavel.api.client.PatchType;
import io.karavel.api.controller.Caches;
import io.karavel.api.controller.ControllerSpec;
import io.karavel.api.controller.EventRecorder;
import io.karavel.api.controller.ObjectKey;
import io.karavel.api.controller.ReconcileContext;
import io.karavel.api.controller.Reconciler;
import io.karavel.api.controller.Result;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kubernetes' garbage collector over {@code metadata.ownerReferences}, for every served kind:
 * deletes dependents whose owners are all gone (background propagation), removes references to
 * owners that are gone while others remain, deletes the dependents of owners deleted in the
 * foreground and then releases them ({@code foregroundDeletion} finalizer), and orphans the
 * dependents of owners deleted with {@code orphan}. Keys are object uids ({@code
 * ObjectKey(null, uid)}); an owner's absence is confirmed against the API server, not only the
 * cache, so that a lagging cache never deletes a live object's dependents.
 */
@Component(name = GarbageCollector.PID, configurationPid = GarbageCollector.PID, service = Reconciler.class)
@Designate(ocd = GarbageCollector.Config.class)
public final class GarbageCollector implements Reconciler {
    public static final String PID = "io.karavel.controllers.gc";

    static final String ORPHAN = "orphan";
    static final String FOREGROUND = "foregroundDeletion";

    private static final Logger LOG = LoggerFactory.getLogger(GarbageCollector.class);

    @ObjectClassDefinition(name = "Karavel garbage collector",
            description = "Deletes objects whose owners are gone; carries out foreground and orphan deletion")
    public @interface Config {
        @AttributeDefinition(name = "workers", description = "Objects examined in parallel")
        int workers() default 4;
    }

    private final int workers;

    @Activate
    public GarbageCollector(Config config) {
        this(config.workers());
    }

    public GarbageCollector(int workers) {
        this.workers = workers;
    }

    @Override
    public ControllerSpec spec() {
        return ControllerSpec.builder("garbagecollector", null).watchesAll(GarbageCollector::keys).workers(workers).build();
    }

    /** The key of an object: its uid. */
    public static ObjectKey key(String uid) {
        return new ObjectKey(null, uid);
    }

    /**
     * What an event makes worth examining: the object itself; its dependents when it is gone (the
     * cache applied the deletion before mappers run) or being deleted; its owners that wait in
     * foreground deletion for dependents like it.
     */
    static Collection<ObjectKey> keys(HasMetadata object, Caches caches) {
        String uid = object.getMetadata().getUid();
        if (uid == null) {
            return List.of();
        }
        Set<ObjectKey> keys = new LinkedHashSet<>();
        keys.add(key(uid));
        boolean gone = caches.byUid(uid).isEmpty();
        if (gone || object.getMetadata().getDeletionTimestamp() != null) {
            for (HasMetadata dependent : caches.dependentsOf(uid)) {
                keys.add(key(dependent.getMetadata().getUid()));
            }
        }
        for (OwnerReference ref : ownerReferences(object)) {
            caches.byUid(ref.getUid())
                    .filter(owner -> hasFinalizer(owner, FOREGROUND))
                    .ifPresent(owner -> keys.add(key(ref.getUid())));
        }
        return keys;
    }

    @Override
    public Result reconcile(ObjectKey key, ReconcileContext context) {
        HasMetadata object = context.caches().byUid(key.name()).orElse(null);
        if (object == null) {
            return Result.done();
        }
        ApiResource resource = context.client().resource(object.getApiVersion(), object.getKind()).orElse(null);
        if (resource == null) {
            return Result.done(); // no longer served: nothing can be written anyway
        }
        if (object.getMetadata().getDeletionTimestamp() != null) {
            if (hasFinalizer(object, ORPHAN)) {
                orphanDependents(object, context);
            } else if (hasFinalizer(object, FOREGROUND)) {
                deleteDependents(object, context);
            }
            return Result.done();
        }
        if (!ownerReferences(object).isEmpty()) {
            checkOwners(object, context);
        }
        return Result.done();
    }

    // ---- owner deleted with propagationPolicy=Orphan

    private static void orphanDependents(HasMetadata owner, ReconcileContext context) {
        String uid = owner.getMetadata().getUid();
        List<HasMetadata> dependents = context.caches().dependentsOf(uid);
        for (HasMetadata dependent : dependents) {
            List<OwnerReference> kept = ownerReferences(dependent).stream().filter(r -> !uid.equals(r.getUid())).toList();
            if (patchOwnerReferences(dependent, kept, context)) {
                context.events().event(dependent, EventRecorder.NORMAL, "OwnerReferenceRemoved",
                        "Orphaned: owner " + describe(owner) + " was deleted with propagationPolicy Orphan");
            }
        }
        removeFinalizer(owner, ORPHAN, context);
        context.events().event(owner, EventRecorder.NORMAL, "DependentsOrphaned",
                "Removed the owner reference to " + describe(owner) + " from " + dependents.size() + " dependent(s)");
    }

    // ---- owner deleted with propagationPolicy=Foreground

    private static void deleteDependents(HasMetadata owner, ReconcileContext context) {
        String uid = owner.getMetadata().getUid();
        List<HasMetadata> dependents = context.caches().dependentsOf(uid);
        boolean blocked = false;
        for (HasMetadata dependent : dependents) {
            if (dependent.getMetadata().getDeletionTimestamp() == null) {
                deleteObject(dependent, true, context, "ForegroundDeletion",
                        "Deleting: owner " + describe(owner) + " is being deleted in the foreground");
            }
            blocked |= ownerReferences(dependent).stream()
                    .anyMatch(r -> uid.equals(r.getUid()) && Boolean.TRUE.equals(r.getBlockOwnerDeletion()));
        }
        if (!blocked) {
            // Dependents that do not block their owner may still be terminating: they do not hold it.
            removeFinalizer(owner, FOREGROUND, context);
            context.events().event(owner, EventRecorder.NORMAL, "DependentsDeleted",
                    "All dependents blocking the deletion of " + describe(owner) + " are gone");
        }
    }

    // ---- dependents of owners that are gone

    private enum OwnerState { SOLID, WAITING_FOR_DEPENDENTS, ABSENT }

    private static void checkOwners(HasMetadata object, ReconcileContext context) {
        List<OwnerReference> refs = ownerReferences(object);
        List<OwnerReference> solid = new ArrayList<>();
        List<OwnerReference> waiting = new ArrayList<>();
        List<OwnerReference> absent = new ArrayList<>();
        for (OwnerReference ref : refs) {
            switch (ownerState(ref, object.getMetadata().getNamespace(), context)) {
                case SOLID -> solid.add(ref);
                case WAITING_FOR_DEPENDENTS -> waiting.add(ref);
                case ABSENT -> absent.add(ref);
            }
        }
        if (!solid.isEmpty()) {
            if (!absent.isEmpty()) {
                List<OwnerReference> kept = refs.stream().filter(r -> !absent.contains(r)).toList();
                if (patchOwnerReferences(object, kept, context)) {
                    context.events().event(object, EventRecorder.NORMAL, "OwnerReferenceRemoved",
                            "Removed reference(s) to deleted owner(s) " + names(absent));
                }
            }
            return;
        }
        if (!waiting.isEmpty()) {
            deleteObject(object, true, context, "ForegroundDeletion",
                    "Deleting: owner(s) " + names(waiting) + " are being deleted in the foreground");
            return;
        }
        deleteObject(object, false, context, "OwnerDeleted", "Deleting: all owners " + names(absent) + " are gone");
    }

    /**
     * Whether the owner exists: the cache first, then, before calling it absent, the API server
     * (by kind, namespace and name, comparing the uid: a new object of the same name is not the
     * owner). An owner of a kind that is not served counts as present: it cannot be checked.
     */
    private static OwnerState ownerState(OwnerReference ref, String dependentNamespace, ReconcileContext context) {
        Optional<HasMetadata> cached = context.caches().byUid(ref.getUid());
        if (cached.isPresent()) {
            return hasFinalizer(cached.get(), FOREGROUND) ? OwnerState.WAITING_FOR_DEPENDENTS : OwnerState.SOLID;
        }
        ApiResource ownerResource = context.client().resource(ref.getApiVersion(), ref.getKind()).orElse(null);
        if (ownerResource == null) {
            LOG.debug("owner kind {} {} is not served: keeping its dependents", ref.getApiVersion(), ref.getKind());
            return OwnerState.SOLID;
        }
        if (ownerResource.namespaced() && dependentNamespace == null) {
            return OwnerState.ABSENT; // a cluster-scoped object cannot be owned by a namespaced one
        }
        String ns = ownerResource.namespaced() ? dependentNamespace : null;
        Optional<GenericKubernetesResource> live = context.client().get(ownerResource, ns, ref.getName());
        if (live.isEmpty() || !ref.getUid().equals(live.get().getMetadata().getUid())) {
            return OwnerState.ABSENT;
        }
        return hasFinalizer(live.get(), FOREGROUND) ? OwnerState.WAITING_FOR_DEPENDENTS : OwnerState.SOLID;
    }

    // ---- writes

    /**
     * Deletes an object, only if it still has the uid it was found by, in the background. For an
     * owner waiting in the foreground, a dependent that has dependents of its own is deleted in
     * the foreground too, so that the whole chain goes before the owner is released (as
     * Kubernetes' {@code attemptToDeleteItem}).
     */
    private static void deleteObject(HasMetadata object, boolean forOwnerInForeground, ReconcileContext context,
                                     String reason, String message) {
        ApiResource resource = context.client().resource(object.getApiVersion(), object.getKind()).orElse(null);
        if (resource == null) {
            return;
        }
        ObjectMeta meta = object.getMetadata();
        String policy = forOwnerInForeground && !context.caches().dependentsOf(meta.getUid()).isEmpty()
                ? "Foreground"
                : "Background";
        DeleteOptions options = new DeleteOptionsBuilder()
                .withPropagationPolicy(policy)
                .withNewPreconditions().withUid(meta.getUid()).endPreconditions()
                .build();
        try {
            if (context.client().delete(resource, meta.getNamespace(), meta.getName(), options)) {
                context.events().event(object, EventRecorder.NORMAL, reason, message);
            }
        } catch (ApiStatusException e) {
            // Not found: already gone. Conflict: the uid precondition failed, the name now belongs
            // to another object, which is not ours to delete.
            if (!e.isNotFound() && !e.isConflict()) {
                throw e;
            }
        }
    }

    /** Replaces the object's owner references (compare-and-swap on its resourceVersion); false when it is gone. */
    private static boolean patchOwnerReferences(HasMetadata object, List<OwnerReference> refs, ReconcileContext context) {
        ObjectNode metadata = Json.MAPPER.createObjectNode();
        metadata.put("resourceVersion", object.getMetadata().getResourceVersion());
        if (refs.isEmpty()) {
            metadata.putNull("ownerReferences");
        } else {
            metadata.set("ownerReferences", Json.MAPPER.valueToTree(refs));
        }
        return patchMetadata(object, metadata, context);
    }

    private static void removeFinalizer(HasMetadata object, String finalizer, ReconcileContext context) {
        List<String> rest = object.getMetadata().getFinalizers().stream().filter(f -> !finalizer.equals(f)).toList();
        ObjectNode metadata = Json.MAPPER.createObjectNode();
        metadata.put("resourceVersion", object.getMetadata().getResourceVersion());
        if (rest.isEmpty()) {
            metadata.putNull("finalizers");
        } else {
            metadata.set("finalizers", Json.MAPPER.valueToTree(rest));
        }
        patchMetadata(object, metadata, context);
    }

    private static boolean patchMetadata(HasMetadata object, ObjectNode metadata, ReconcileContext context) {
        ApiResource resource = context.client().resource(object.getApiVersion(), object.getKind()).orElse(null);
        if (resource == null) {
            return false;
        }
        ObjectNode patch = Json.MAPPER.createObjectNode();
        patch.set("metadata", metadata);
        try {
            context.client().patch(resource, object.getMetadata().getNamespace(), object.getMetadata().getName(),
                    PatchType.MERGE, patch.toString());
            return true;
        } catch (ApiStatusException e) {
            if (e.isNotFound()) {
                return false;
            }
            throw e; // a conflict: the cache lags, retried with back-off on a fresher copy
        }
    }

    // ---- helpers

    private static List<OwnerReference> ownerReferences(HasMetadata object) {
        List<OwnerReference> refs = object.getMetadata().getOwnerReferences();
        return refs == null ? List.of() : refs;
    }

    private static boolean hasFinalizer(HasMetadata object, String finalizer) {
        List<String> finalizers = object.getMetadata().getFinalizers();
        return finalizers != null && finalizers.contains(finalizer);
    }

    private static String describe(HasMetadata object) {
        ObjectMeta meta = object.getMetadata();
        return object.getKind() + " " + (meta.getNamespace() == null ? "" : meta.getNamespace() + "/") + meta.getName();
    }

    private static String names(List<OwnerReference> refs) {
        return refs.stream().map(r -> r.getKind() + " " + r.getName()).collect(Collectors.joining(", "));
    }
}
