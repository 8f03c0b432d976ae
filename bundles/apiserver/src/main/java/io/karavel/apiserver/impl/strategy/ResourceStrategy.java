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
