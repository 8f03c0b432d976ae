package io.karavel.apiserver.impl.strategy;

import io.fabric8.kubernetes.api.model.HasMetadata;

/**
 * The kind-specific rules of one resource type (Kubernetes' "REST strategy"): defaults and
 * validation. The REST layer owns what is common to all kinds (names, namespaces, uid,
 * resourceVersion, generation); a strategy only adds what is particular to its kind.
 * Implementations are stateless and thread-safe.
 */
public interface ResourceStrategy {

    /** A strategy with no kind-specific rules (ConfigMap, Lease, ...). */
    ResourceStrategy DEFAULT = new ResourceStrategy() {};

    /** How object names are checked. */
    default Names.Rule nameRule() {
        return Names.Rule.SUBDOMAIN;
    }

    /**
     * Whether a create drops the {@code status} the client sent (most kinds with a status:
     * clients may not set it); Nodes keep it.
     */
    default boolean resetStatusOnCreate() {
        return true;
    }

    /** Whether the kind has a {@code spec} whose changes bump {@code metadata.generation}. */
    default boolean hasSpec() {
        return true;
    }

    /**
     * The fields a {@code fieldSelector} may use for this kind (JSON paths from the object root).
     * Every kind supports {@code metadata.name} and {@code metadata.namespace}.
     */
    default java.util.Set<String> selectableFields() {
        return io.karavel.apiserver.impl.selector.FieldSelector.COMMON_FIELDS;
    }

    /** The kind's columns in {@code kubectl get} tables, besides Name and Age (added by Tables). */
    default java.util.List<io.karavel.apiserver.impl.table.TableColumn> tableColumns() {
        return java.util.List.of();
    }

    /**
     * Whether tables get the Age column after the kind's default columns (custom resources that
     * declare printer columns do not, as in Kubernetes).
     */
    default boolean tableAgeColumn() {
        return true;
    }

    /**
     * Whether {@code application/strategic-merge-patch+json} is accepted: custom resources have
     * no merge keys, so Kubernetes answers 415 for them.
     */
    default boolean strategicMergePatch() {
        return true;
    }

    /**
     * Removes the fields a schema-driven kind does not know from a request body (and fills in
     * the schema's defaults), before it is decoded; returns the removed fields' paths
     * ({@code spec.foo}) for {@code fieldValidation}. Typed kinds find unknown fields in the model
     * instead and return nothing here.
     */
    default java.util.List<String> pruneUnknownFields(com.fasterxml.jackson.databind.node.ObjectNode object) {
        return java.util.List.of();
    }

    /**
     * Whether a body of another version of the same kind is accepted (and served as the URL's
     * version): custom resources whose versions convert with {@code None}.
     */
    default boolean acceptsApiVersion(String apiVersion) {
        return false;
    }

    /** Where {@code /scale} reads and writes replicas and the selector. */
    default io.karavel.apiserver.impl.rest.Scales.Paths scalePaths() {
        return io.karavel.apiserver.impl.rest.Scales.WORKLOAD;
    }

    /** Fills in defaults; called on every create and update, on the decoded object. */
    default void applyDefaults(HasMetadata object) {}

    /** Called on create only, after defaults (e.g. initial status). */
    default void prepareForCreate(HasMetadata object) {}

    /** Checks a new or updated object; errors use JSON paths like {@code spec.replicas}. */
    default void validate(HasMetadata object, FieldErrors errors) {}

    /** Extra checks on update (immutable fields); called after {@link #validate}. */
    default void validateUpdate(HasMetadata object, HasMetadata old, FieldErrors errors) {}

    /**
     * Graceful deletion (Kubernetes' {@code CheckGracefulDelete}): the grace period a DELETE gives
     * this object, 0 to delete at once, or null for kinds without graceful deletion (the default).
     *
     * @param requested the DeleteOptions' {@code gracePeriodSeconds}, null when not given
     */
    default Long gracefulDeletionPeriod(HasMetadata object, Long requested) {
        return null;
    }
}
