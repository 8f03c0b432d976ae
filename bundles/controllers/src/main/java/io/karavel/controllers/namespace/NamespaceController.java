package io.karavel.controllers.namespace;

import io.fabric8.kubernetes.api.model.DeleteOptions;
import io.fabric8.kubernetes.api.model.DeleteOptionsBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.NamespaceCondition;
import io.fabric8.kubernetes.api.model.NamespaceConditionBuilder;
import io.karavel.api.client.ApiResource;
import io.karavel.api.client.ApiStatusException;
import io.karavel.api.controller.ControllerSpec;
import io.karavel.api.controller.EventRecorder;
import io.karavel.api.controller.ObjectKey;
import io.karavel.api.controller.ReconcileContext;
import io.karavel.api.controller.Reconciler;
import io.karavel.api.controller.Result;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kubernetes' namespace controller: empties a namespace being deleted, over every served
 * namespaced resource (custom ones included), waits until nothing is left (pods terminate
 * gracefully through their node agent), then removes the {@code kubernetes} finalizer so that the
 * API server removes the namespace. Reports progress in the namespace's conditions as Kubernetes
 * does ({@code NamespaceContentRemaining}, {@code NamespaceDeletionContentFailure},
 * {@code NamespaceFinalizersRemaining}).
 */
@Component(name = NamespaceController.PID, configurationPid = NamespaceController.PID, service = Reconciler.class)
@Designate(ocd = NamespaceController.Config.class)
public final class NamespaceController implements Reconciler {
    public static final String PID = "io.karavel.controllers.namespace";

    static final String FINALIZER = "kubernetes";
    static final String CONTENT_REMAINING = "NamespaceContentRemaining";
    static final String CONTENT_FAILURE = "NamespaceDeletionContentFailure";
    static final String FINALIZERS_REMAINING = "NamespaceFinalizersRemaining";

    private static final Logger LOG = LoggerFactory.getLogger(NamespaceController.class);

    @ObjectClassDefinition(name = "Karavel namespace controller",
            description = "Deletes the content of namespaces being deleted, then finalizes them")
    public @interface Config {
        @AttributeDefinition(name = "recheck.millis",
                description = "How long to wait before looking again at a namespace whose content is still terminating")
        long recheck_millis() default 1000;

        @AttributeDefinition(name = "workers", description = "Namespaces reconciled in parallel")
        int workers() default 1;
    }

    private final Duration recheck;
    private final int workers;

    @Activate
    public NamespaceController(Config config) {
        this(Duration.ofMillis(config.recheck_millis()), config.workers());
    }

    public NamespaceController(Duration recheck, int workers) {
        this.recheck = recheck;
        this.workers = workers;
    }

    @Override
    public ControllerSpec spec() {
        return ControllerSpec.builder("namespace", Namespace.class).workers(workers).build();
    }

    /** What one pass over the namespace's content found. */
    private static final class Sweep {
        final Map<String, Integer> remaining = new TreeMap<>();
        final Map<String, Integer> withFinalizers = new TreeMap<>();
        final List<String> failures = new ArrayList<>();
        int deleted;
    }

    @Override
    public Result reconcile(ObjectKey key, ReconcileContext context) {
        Namespace namespace = context.caches().of(Namespace.class).get(null, key.name()).orElse(null);
        if (namespace == null || namespace.getMetadata().getDeletionTimestamp() == null) {
            return Result.done();
        }
        List<String> finalizers = namespace.getSpec() == null || namespace.getSpec().getFinalizers() == null
                ? List.of()
                : namespace.getSpec().getFinalizers();
        if (!finalizers.contains(FINALIZER)) {
            return Result.done();
        }
        String name = key.name();
        Sweep sweep = sweep(name, context);
        if (sweep.deleted > 0) {
            context.events().event(namespace, EventRecorder.NORMAL, "DeletingContent",
                    "Deleting " + sweep.deleted + " object(s) in namespace " + name);
        }
        if (!sweep.failures.isEmpty()) {
            context.events().event(namespace, EventRecorder.WARNING, "ContentDeletionFailed", String.join("; ", sweep.failures));
        }
        if (sweep.remaining.isEmpty() && sweep.failures.isEmpty()) {
            List<String> rest = new ArrayList<>(finalizers);
            rest.remove(FINALIZER);
            context.client().finalizeNamespace(new NamespaceBuilder(namespace).editOrNewSpec().withFinalizers(rest).endSpec().build());
            context.events().event(namespace, EventRecorder.NORMAL, "NamespaceFinalized",
                    "All content of namespace " + name + " deleted; finalizer " + FINALIZER + " removed");
            return Result.done();
        }
        writeConditions(namespace, sweep, context);
        return Result.requeueAfter(recheck);
    }

    /** Deletes what is left in the namespace and counts what is still there. */
    private static Sweep sweep(String namespace, ReconcileContext context) {
        Sweep sweep = new Sweep();
        DeleteOptions background = new DeleteOptionsBuilder().withPropagationPolicy("Background").build();
        for (ApiResource resource : context.client().resources()) {
            if (!resource.namespaced() || !resource.supports("list") || !resource.supports("delete")) {
                continue;
            }
            String label = resource.plural() + (resource.group().isEmpty() ? "" : "." + resource.group());
            List<GenericKubernetesResource> objects;
            try {
                objects = context.client().list(resource, namespace);
            } catch (RuntimeException e) {
                sweep.failures.add("failed to list " + label + ": " + e.getMessage());
                continue;
            }
            int deletedHere = 0;
            for (GenericKubernetesResource object : objects) {
                String objectName = object.getMetadata().getName();
                if (object.getMetadata().getDeletionTimestamp() != null) {
                    continue;
                }
                try {
                    if (context.client().delete(resource, namespace, objectName, background)) {
                        deletedHere++;
                    }
                } catch (ApiStatusException e) {
                    if (!e.isNotFound()) {
                        sweep.failures.add("failed to delete " + label + " " + objectName + ": " + e.getMessage());
                        LOG.debug("namespace {}: cannot delete {} {}", namespace, label, objectName, e);
                    }
                }
            }
            sweep.deleted += deletedHere;
            if (deletedHere > 0) {
                // What is left once the deletions took effect: objects without finalizers or
                // grace period are gone already, the others are terminating.
                try {
                    objects = context.client().list(resource, namespace);
                } catch (RuntimeException e) {
                    sweep.failures.add("failed to list " + label + ": " + e.getMessage());
                    continue;
                }
            }
            for (GenericKubernetesResource object : objects) {
                sweep.remaining.merge(label, 1, Integer::sum);
                List<String> objectFinalizers = object.getMetadata().getFinalizers();
                if (objectFinalizers != null) {
                    for (String f : objectFinalizers) {
                        sweep.withFinalizers.merge(f, 1, Integer::sum);
                    }
                }
            }
        }
        return sweep;
    }

    /** Kubernetes' deletion conditions, written only when they changed. */
    private static void writeConditions(Namespace namespace, Sweep sweep, ReconcileContext context) {
        String now = context.clock().instant().truncatedTo(ChronoUnit.SECONDS).toString();
        List<NamespaceCondition> wanted = new ArrayList<>();
        if (sweep.remaining.isEmpty()) {
            wanted.add(condition(CONTENT_REMAINING, "False", "ContentRemoved", "All content successfully removed", now));
        } else {
            StringBuilder message = new StringBuilder("Some resources are remaining: ");
            sweep.remaining.forEach((label, n) -> message.append(label).append(" has ").append(n).append(" resource instances, "));
            wanted.add(condition(CONTENT_REMAINING, "True", "SomeResourcesRemain", trimComma(message), now));
        }
        if (sweep.failures.isEmpty()) {
            wanted.add(condition(CONTENT_FAILURE, "False", "ContentDeleted",
                    "All content successfully deleted, may be waiting on finalization", now));
        } else {
            wanted.add(condition(CONTENT_FAILURE, "True", "ContentDeletionFailed", String.join("; ", sweep.failures), now));
        }
        if (sweep.withFinalizers.isEmpty()) {
            wanted.add(condition(FINALIZERS_REMAINING, "False", "ContentHasNoFinalizers", "All content-preserving finalizers finished", now));
        } else {
            StringBuilder message = new StringBuilder("Some content in the namespace has finalizers remaining: ");
            sweep.withFinalizers.forEach((f, n) -> message.append(f).append(" in ").append(n).append(" resource instances, "));
            wanted.add(condition(FINALIZERS_REMAINING, "True", "SomeFinalizersRemain", trimComma(message), now));
        }
        List<NamespaceCondition> current = namespace.getStatus() == null || namespace.getStatus().getConditions() == null
                ? List.of()
                : namespace.getStatus().getConditions();
        List<NamespaceCondition> merged = new ArrayList<>();
        boolean changed = false;
        for (NamespaceCondition want : wanted) {
            NamespaceCondition have = current.stream().filter(c -> want.getType().equals(c.getType())).findFirst().orElse(null);
            if (have != null && Objects.equals(have.getStatus(), want.getStatus())
                    && Objects.equals(have.getReason(), want.getReason()) && Objects.equals(have.getMessage(), want.getMessage())) {
                merged.add(have);
            } else {
                changed = true;
                merged.add(have != null && Objects.equals(have.getStatus(), want.getStatus())
                        ? new NamespaceConditionBuilder(want).withLastTransitionTime(have.getLastTransitionTime()).build()
                        : want);
            }
        }
        for (NamespaceCondition c : current) {
            if (wanted.stream().noneMatch(w -> w.getType().equals(c.getType()))) {
                merged.add(c);
            }
        }
        if (changed) {
            try {
                context.client().updateStatus(new NamespaceBuilder(namespace).editOrNewStatus().withConditions(merged).endStatus().build());
            } catch (ApiStatusException e) {
                // Conditions are informative: a conflict is retried on the next pass anyway.
                if (!e.isConflict() && !e.isNotFound()) {
                    throw e;
                }
            }
        }
    }

    private static NamespaceCondition condition(String type, String status, String reason, String message, String now) {
        return new NamespaceConditionBuilder()
                .withType(type).withStatus(status).withReason(reason).withMessage(message).withLastTransitionTime(now)
                .build();
    }

    private static String trimComma(StringBuilder message) {
        int end = message.length();
        while (end > 0 && (message.charAt(end - 1) == ' ' || message.charAt(end - 1) == ',')) {
            end--;
        }
        return message.substring(0, end);
    }
}
