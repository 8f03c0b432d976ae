package io.karavel.api.controller;

import java.util.Collection;

/**
 * Creations and deletions a controller made that its cache has not shown yet (Kubernetes'
 * {@code ControllerExpectations}). A reconcile that finds its expectations unsatisfied must not
 * create or delete again. The runtime observes objects of {@link ControllerSpec.Builder#owns
 * owned} kinds for the owner's key; expectations expire after five minutes, so a lost event
 * cannot wedge a controller.
 */
@org.osgi.annotation.versioning.ProviderType
public interface Expectations {
    /** True when no creation or deletion is pending for {@code key} (or they expired). */
    boolean satisfied(ObjectKey key);

    /** Records that {@code count} objects are about to be created for {@code key}. */
    void expectCreations(ObjectKey key, int count);

    /**
     * Records that these objects (their "namespace/name") are about to be deleted for {@code key}.
     */
    void expectDeletions(ObjectKey key, Collection<String> objectKeys);

    /** A create failed: do not wait for it. */
    void creationObserved(ObjectKey key);

    /** A delete failed or found nothing: do not wait for it. */
    void deletionObserved(ObjectKey key, String objectKey);

    /** Forgets {@code key}'s expectations (its primary object is gone). */
    void delete(ObjectKey key);
}
