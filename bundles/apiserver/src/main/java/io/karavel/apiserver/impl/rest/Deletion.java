package io.karavel.apiserver.impl.rest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.karavel.apiserver.impl.registry.ResourceType;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * What a DELETE does to one stored object, the Kubernetes way:
 * <ul>
 *   <li>an object with {@code metadata.finalizers} is not removed: it gets a
 *       {@code deletionTimestamp} (and {@code deletionGracePeriodSeconds: 0}) and is removed when
 *       an update leaves its finalizers empty;</li>
 *   <li>kinds with graceful deletion (pods bound to a node) get {@code deletionTimestamp} = now +
 *       the grace period and stay until a DELETE with a grace period of 0 (the node agent's);</li>
 *   <li>{@code propagationPolicy} {@code Orphan} / {@code Foreground} (or the deprecated
 *       {@code orphanDependents}) is recorded as the {@code orphan} / {@code foregroundDeletion}
 *       finalizer for the garbage collector; {@code Background} deletes at once;</li>
 *   <li>a namespace turns {@code Terminating} and stays while {@code spec.finalizers} is not empty
 *       (the namespace controller empties it through {@code /finalize}).</li>
 * </ul>
 */
final class Deletion {
    static final String ORPHAN = "orphan";
    static final String FOREGROUND = "foregroundDeletion";

    private static final List<String> POLICIES = List.of("Foreground", "Background", "Orphan");

    private Deletion() {}

    /**
     * A DELETE's options, from its {@code DeleteOptions} body, else from its query.
     *
     * @param dryRun {@code dryRun: [All]}
     * @param gracePeriodSeconds null when not given; negative values count as 1, as in Kubernetes
     * @param propagationPolicy null when not given
     * @param orphanDependents the deprecated flag, null when not given
     */
    record Options(
            boolean dryRun,
            Long gracePeriodSeconds,
            String propagationPolicy,
            Boolean orphanDependents,
            String preconditionUid,
            String preconditionResourceVersion) {

        static Options parse(RestRequest req, ObjectNode body) {
            ObjectNode b = body == null ? Json.object() : body;
            boolean dryRun = DryRun.of(req, b.get("dryRun"), "DeleteOptions");
            Long grace = null;
            if (b.hasNonNull("gracePeriodSeconds")) {
                grace = b.get("gracePeriodSeconds").asLong();
            } else if (req.param("gracePeriodSeconds") != null && !req.param("gracePeriodSeconds").isEmpty()) {
                try {
                    grace = Long.parseLong(req.param("gracePeriodSeconds"));
                } catch (NumberFormatException e) {
                    throw ApiException.badRequest("invalid gracePeriodSeconds: " + req.param("gracePeriodSeconds"));
                }
            }
            if (grace != null && grace < 0) {
                grace = 1L;
            }
            String policy = b.hasNonNull("propagationPolicy") ? b.get("propagationPolicy").asText() : req.param("propagationPolicy");
            if (policy != null && policy.isEmpty()) {
                policy = null;
            }
            Boolean orphan = null;
            if (b.hasNonNull("orphanDependents")) {
                orphan = b.get("orphanDependents").asBoolean();
            } else if (req.param("orphanDependents") != null && !req.param("orphanDependents").isEmpty()) {
                orphan = Boolean.parseBoolean(req.param("orphanDependents"));
            }
            List<ApiException.Cause> causes = new ArrayList<>();
            if (policy != null && !POLICIES.contains(policy)) {
                causes.add(new ApiException.Cause("FieldValueNotSupported", "Unsupported value: \"" + policy
                        + "\": supported values: \"Foreground\", \"Background\", \"Orphan\"", "propagationPolicy"));
            }
            if (policy != null && orphan != null) {
                causes.add(new ApiException.Cause("FieldValueInvalid", "Invalid value: \"" + policy
                        + "\": orphanDependents and deletionPropagation cannot be both set", "propagationPolicy"));
            }
            if (!causes.isEmpty()) {
                throw DryRun.invalidOptions("DeleteOptions", causes);
            }
            return new Options(dryRun, grace, policy, orphan,
                    Json.text(b.path("preconditions"), "uid"), Json.text(b.path("preconditions"), "resourceVersion"));
        }
    }

    /** The result of a DELETE on one object. */
    sealed interface Outcome {}

    /** Remove the object from the store now. */
    record DeleteNow() implements Outcome {}

    /** Store this (deletion-marked) object instead of removing it. */
    record Update(ObjectNode object) implements Outcome {}

    /** Nothing to do: the deletion is already pending; answer the object as it is. */
    record Unchanged() implements Outcome {}

    /**
     * @param type the object's kind
     * @param decoded the object as its model class (for the strategy's graceful deletion rule)
     * @param object the stored object as served; not modified
     */
    static Outcome decide(ResourceType type, HasMetadata decoded, ObjectNode object, Options options, Instant now) {
        ObjectNode updated = object.deepCopy();
        ObjectNode meta = updated.with("metadata");
        boolean deleting = meta.hasNonNull("deletionTimestamp");

        if (isNamespace(type)) {
            if (deleting) {
                if (updated.path("spec").path("finalizers").size() > 0) {
                    throw ApiException.conflict("namespaces", "", meta.path("name").asText(),
                            "The system is ensuring all content is removed from this namespace.  Upon completion,"
                                    + " this namespace will automatically be purged by the system.");
                }
            } else {
                meta.put("deletionTimestamp", format(now));
                updated.with("status").put("phase", "Terminating");
                setFinalizers(meta, gcFinalizers(finalizers(meta), options));
                return new Update(updated);
            }
        }

        boolean graceful = false;
        Long period = type.strategy().gracefulDeletionPeriod(decoded, options.gracePeriodSeconds());
        if (period != null) {
            if (deleting) {
                long current = meta.path("deletionGracePeriodSeconds").asLong(0);
                if (current > 0) {
                    Long requested = options.gracePeriodSeconds();
                    if (requested == null || requested >= current) {
                        return new Unchanged();
                    }
                    // only a shorter grace period may be given: move the deadline accordingly
                    Instant start = Instant.parse(meta.path("deletionTimestamp").asText()).minusSeconds(current);
                    meta.put("deletionTimestamp", format(start.plusSeconds(requested)));
                    meta.put("deletionGracePeriodSeconds", requested);
                    graceful = true;
                }
            } else {
                meta.put("deletionTimestamp", format(now.plusSeconds(period)));
                meta.put("deletionGracePeriodSeconds", period);
                graceful = true;
            }
        }

        List<String> before = finalizers(meta);
        List<String> after = gcFinalizers(before, options);
        setFinalizers(meta, after);
        if (!after.isEmpty()) {
            if (!meta.hasNonNull("deletionTimestamp")) {
                meta.put("deletionTimestamp", format(now));
                meta.put("deletionGracePeriodSeconds", 0);
            }
            return updated.equals(object) ? new Unchanged() : new Update(updated);
        }
        if (graceful && meta.path("deletionGracePeriodSeconds").asLong(0) > 0) {
            return new Update(updated);
        }
        return new DeleteNow();
    }

    /**
     * Whether an update of an object being deleted completes its deletion: it leaves no finalizers
     * (and, for a namespace, no {@code spec.finalizers}), and no grace period is running.
     */
    static boolean completedByUpdate(ResourceType type, ObjectNode old, ObjectNode updated) {
        JsonNode oldMeta = old.path("metadata");
        JsonNode newMeta = updated.path("metadata");
        if (!oldMeta.hasNonNull("deletionTimestamp") || newMeta.path("finalizers").size() > 0) {
            return false;
        }
        if (oldMeta.path("deletionGracePeriodSeconds").asLong(0) > 0) {
            return false;
        }
        if (isNamespace(type)) {
            // as Kubernetes' ShouldDeleteNamespaceDuringUpdate: a terminating namespace goes once
            // /finalize has emptied spec.finalizers and no metadata finalizer is left
            return updated.path("spec").path("finalizers").isEmpty();
        }
        return oldMeta.path("finalizers").size() > 0;
    }

    /** The Forbidden detail for finalizers added to an object that is being deleted, or null. */
    static String newFinalizersWhileDeleting(List<String> newFinalizers, List<String> oldFinalizers) {
        List<String> extra = new ArrayList<>();
        for (String f : newFinalizers == null ? List.<String>of() : newFinalizers) {
            if ((oldFinalizers == null || !oldFinalizers.contains(f)) && !extra.contains(f)) {
                extra.add(f);
            }
        }
        if (extra.isEmpty()) {
            return null;
        }
        extra.sort(null);
        StringBuilder go = new StringBuilder("[]string{");
        for (int i = 0; i < extra.size(); i++) {
            go.append(i > 0 ? ", " : "").append('"').append(extra.get(i)).append('"');
        }
        go.append('}');
        return "no new finalizers can be added if the object is being deleted, found new finalizers " + go;
    }

    private static boolean isNamespace(ResourceType type) {
        return type.group().isEmpty() && type.kind().equals("Namespace");
    }

    /** The finalizers after applying the propagation policy: Orphan → orphan, Foreground → foregroundDeletion. */
    private static List<String> gcFinalizers(List<String> current, Options options) {
        boolean orphan;
        boolean foreground;
        if (options.orphanDependents() != null) {
            orphan = options.orphanDependents();
            foreground = false;
        } else if (options.propagationPolicy() != null) {
            orphan = options.propagationPolicy().equals("Orphan");
            foreground = options.propagationPolicy().equals("Foreground");
        } else {
            orphan = current.contains(ORPHAN);
            foreground = current.contains(FOREGROUND);
        }
        List<String> result = new ArrayList<>();
        for (String f : current) {
            if (!Set.of(ORPHAN, FOREGROUND).contains(f)) {
                result.add(f);
            }
        }
        if (orphan) {
            result.add(ORPHAN);
        }
        if (foreground) {
            result.add(FOREGROUND);
        }
        return result;
    }

    private static List<String> finalizers(JsonNode meta) {
        List<String> list = new ArrayList<>();
        meta.path("finalizers").forEach(f -> list.add(f.asText()));
        return list;
    }

    private static void setFinalizers(ObjectNode meta, List<String> finalizers) {
        if (finalizers.isEmpty()) {
            meta.remove("finalizers");
            return;
        }
        if (finalizers.equals(finalizers(meta))) {
            return;
        }
        ArrayNode array = meta.putArray("finalizers");
        finalizers.forEach(array::add);
    }

    static String format(Instant instant) {
        return DateTimeFormatter.ISO_INSTANT.format(instant.truncatedTo(ChronoUnit.SECONDS));
    }
}
