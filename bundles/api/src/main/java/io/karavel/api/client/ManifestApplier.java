package io.karavel.api.client;

import java.util.List;
import java.util.Objects;
import org.osgi.annotation.versioning.ProviderType;

/**
 * Applies a manifest the way {@code kubectl apply -f} does, but on the server: every object of a
 * multi-document YAML or JSON text (a single object, a {@code List}, or {@code ---}-separated
 * documents) is created or updated to match, and each gets an outcome. The REST endpoint for
 * manifests and the shell's {@code karavel:apply} both use this service. Implemented by the API
 * server (master and all-in-one profiles). Thread-safe.
 *
 * @since 1.1
 */
@ProviderType
public interface ManifestApplier {

    /**
     * Applies {@code manifest}. Never throws for a bad object: its result is {@link Outcome#FAILED}
     * with the reason (the Kubernetes {@code Status} message); text that cannot be parsed at all
     * fails every object with one {@link Outcome#FAILED} result.
     */
    Report apply(String manifest, Options options);

    /**
     * @param defaultNamespace the namespace of namespaced objects that name none
     * @param atomic all or nothing: when one object fails, the objects already applied are
     *     rolled back (created ones deleted, changed ones restored) and reported
     *     {@link Outcome#ROLLED_BACK}, the rest {@link Outcome#SKIPPED}
     * @param dryRun check everything, store nothing (outcomes say what would happen)
     * @param fieldManager who applies (like kubectl's {@code --field-manager})
     */
    record Options(String defaultNamespace, boolean atomic, boolean dryRun, String fieldManager) {
        public Options {
            defaultNamespace = defaultNamespace == null || defaultNamespace.isEmpty() ? "default" : defaultNamespace;
            fieldManager = fieldManager == null || fieldManager.isEmpty() ? "karavel-apply" : fieldManager;
        }
    }

    /** What happened to one object. */
    enum Outcome {
        CREATED,
        CONFIGURED,
        UNCHANGED,
        FAILED,
        /** Applied, then undone because another object failed in an atomic apply. */
        ROLLED_BACK,
        /** Not attempted because an earlier object failed in an atomic apply. */
        SKIPPED
    }

    /**
     * One object's result, in manifest order.
     *
     * @param index the object's position in the manifest, from 0
     * @param kind e.g. {@code Deployment}; may be null when the document could not be read
     * @param namespace null for cluster-scoped objects
     * @param message the reason of a failure or a roll-back, or a note (what a dry run could not
     *     check, e.g. an object whose namespace the same manifest creates); else null
     * @param code the HTTP status of a failure (422, 404, 409, ...), else 0
     */
    record Result(int index, String apiVersion, String kind, String namespace, String name, Outcome outcome,
                  String message, int code) {
        public Result {
            Objects.requireNonNull(outcome, "outcome");
        }
    }

    /**
     * @param results one per object, in manifest order
     */
    record Report(List<Result> results) {
        public Report {
            results = List.copyOf(results);
        }

        /** Whether no object failed. */
        public boolean succeeded() {
            return results.stream().noneMatch(r -> r.outcome() == Outcome.FAILED);
        }
    }
}
