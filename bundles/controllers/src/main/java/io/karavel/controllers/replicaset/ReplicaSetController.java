package io.karavel.controllers.replicaset;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodSpecBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetCondition;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetConditionBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetStatus;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetStatusBuilder;
import io.karavel.api.client.ApiStatusException;
import io.karavel.api.controller.Caches;
import io.karavel.api.controller.ControllerSpec;
import io.karavel.api.controller.EventRecorder;
import io.karavel.api.controller.Expectations;
import io.karavel.api.controller.ObjectKey;
import io.karavel.api.controller.ReconcileContext;
import io.karavel.api.controller.Reconciler;
import io.karavel.api.controller.Result;
import io.karavel.api.controller.Selectors;
import io.karavel.controllers.support.ControllerRefManager;
import io.karavel.controllers.support.Json;
import io.karavel.controllers.support.OwnerRefs;
import io.karavel.controllers.support.Pods;
import io.karavel.controllers.support.Times;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ReplicaSet controller, after kube-controller-manager's: keeps {@code spec.replicas} active
 * pods that match the selector, creating them from the template and deleting the surplus in
 * {@link Pods#DELETION_ORDER}; adopts matching orphans and releases owned pods that stopped
 * matching; reports {@code status} (replicas, fully labeled, ready, available after
 * {@code minReadySeconds}, the {@code ReplicaFailure} condition).
 */
@Component(name = ReplicaSetController.PID, configurationPid = ReplicaSetController.PID, service = Reconciler.class)
@Designate(ocd = ReplicaSetController.Config.class)
public final class ReplicaSetController implements Reconciler {
    static final String PID = "io.karavel.controllers.replicaset";

    private static final Logger LOG = LoggerFactory.getLogger(ReplicaSetController.class);
    /** How soon to look again after losing a compare-and-swap to our own lagging cache. */
    static final Duration CONFLICT_RETRY = Duration.ofMillis(50);

    @ObjectClassDefinition(name = "Karavel ReplicaSet controller", description = "Keeps the desired number of pods of each ReplicaSet")
    public @interface Config {
        @AttributeDefinition(description = "ReplicaSets reconciled in parallel (kube-controller-manager --concurrent-replicaset-syncs)")
        int workers() default 5;

        @AttributeDefinition(description = "Most pods created or deleted by one reconcile of one ReplicaSet (Kubernetes' burstReplicas)")
        int burstReplicas() default 500;

        @AttributeDefinition(name = "write.parallelism",
                description = "Pod creates or deletes of one batch in flight at once (Kubernetes sends a batch in parallel);"
                        + " concurrent writes share the store's group commits. 1 writes one after the other.")
        int write_parallelism() default 16;
    }

    private final int workers;
    private final int burstReplicas;
    /** Null when writes go one after the other (write.parallelism 1, as the unit tests use). */
    private final ExecutorService writes;

    @Activate
    public ReplicaSetController(Config config) {
        this(config.workers(), config.burstReplicas(), config.write_parallelism());
    }

    /** For tests and embedding: the configuration as plain values, writes one after the other. */
    public ReplicaSetController(int workers, int burstReplicas) {
        this(workers, burstReplicas, 1);
    }

    /** For tests and embedding: the configuration as plain values. */
    public ReplicaSetController(int workers, int burstReplicas, int writeParallelism) {
        this.workers = Math.max(1, workers);
        this.burstReplicas = Math.max(1, burstReplicas);
        if (writeParallelism > 1) {
            ThreadPoolExecutor pool = new ThreadPoolExecutor(writeParallelism, writeParallelism, 30, TimeUnit.SECONDS,
                    new LinkedBlockingQueue<>(), daemonThreads("replicaset-writes-"));
            pool.allowCoreThreadTimeOut(true);
            this.writes = pool;
        } else {
            this.writes = null;
        }
    }

    @Deactivate
    void close() {
        if (writes != null) {
            writes.shutdown();
        }
    }

    private static ThreadFactory daemonThreads(String prefix) {
        AtomicInteger count = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + count.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /**
     * Runs {@code count} writes, up to write.parallelism at once; returns how many succeeded.
     * Each write returns null, or the failure it already reported.
     */
    private int runBatch(int count, IntFunction<RuntimeException> write, RuntimeException[] firstError) {
        int succeeded = 0;
        if (writes == null) {
            for (int i = 0; i < count; i++) {
                RuntimeException e = write.apply(i);
                if (e == null) {
                    succeeded++;
                } else if (firstError[0] == null) {
                    firstError[0] = e;
                }
            }
            return succeeded;
        }
        List<Future<RuntimeException>> results = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            int index = i;
            results.add(writes.submit(() -> write.apply(index)));
        }
        for (Future<RuntimeException> result : results) {
            RuntimeException e;
            try {
                e = result.get();
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
                e = new IllegalStateException("interrupted while writing pods", interrupted);
            } catch (ExecutionException failed) {
                e = failed.getCause() instanceof RuntimeException r ? r : new IllegalStateException(failed.getCause());
            }
            if (e == null) {
                succeeded++;
            } else if (firstError[0] == null) {
                firstError[0] = e;
            }
        }
        return succeeded;
    }

    @Override
    public ControllerSpec spec() {
        return ControllerSpec.builder("replicaset", ReplicaSet.class)
                .owns(Pod.class)
                // an orphan pod wakes the ReplicaSets that could adopt it
                .watches(Pod.class, ReplicaSetController::replicaSetsForOrphan)
                .workers(workers)
                .build();
    }

    static Collection<ObjectKey> replicaSetsForOrphan(HasMetadata pod, Caches caches) {
        if (OwnerRefs.controllerRef(pod).isPresent()) {
            return List.of();
        }
        List<ObjectKey> keys = new ArrayList<>();
        for (ReplicaSet rs : caches.of(ReplicaSet.class).list(pod.getMetadata().getNamespace())) {
            if (Selectors.matches(rs.getSpec().getSelector(), pod.getMetadata().getLabels())) {
                keys.add(ObjectKey.of(rs));
            }
        }
        return keys;
    }

    @Override
    public Result reconcile(ObjectKey key, ReconcileContext context) throws Exception {
        try {
            return sync(key, context);
        } catch (ApiStatusException e) {
            if (!e.isConflict()) {
                throw e;
            }
            // An adoption patch lost to our lagging cache (the pod changed since it was cached):
            // the cache catches up within milliseconds, so look again soon rather than report an error.
            LOG.debug("ReplicaSet {}: {}; retrying", key, e.getMessage());
            return Result.requeueAfter(CONFLICT_RETRY);
        }
    }

    private Result sync(ObjectKey key, ReconcileContext context) {
        ReplicaSet rs = context.caches().of(ReplicaSet.class).get(key).orElse(null);
        if (rs == null) {
            context.expectations().delete(key);
            return Result.done();
        }
        boolean needsSync = context.expectations().satisfied(key);
        Instant now = context.clock().instant();

        List<Pod> active = new ArrayList<>();
        for (Pod pod : OwnerRefs.claimCandidates(context.caches().of(Pod.class), rs, rs.getSpec().getSelector())) {
            if (Pods.isActive(pod)) {
                active.add(pod);
            }
        }
        OwnerReference ref = OwnerRefs.newControllerRef(rs, "apps/v1", "ReplicaSet");
        List<Pod> owned = new ControllerRefManager<>(context.client(), Pod.class, rs, ReplicaSet.class, ref,
                        pod -> Selectors.matches(rs.getSpec().getSelector(), pod.getMetadata().getLabels()))
                .claim(active);

        ManageFailure failure = null;
        if (needsSync && rs.getMetadata().getDeletionTimestamp() == null) {
            failure = manageReplicas(key, rs, owned, ref, context);
        }

        int minReadySeconds = rs.getSpec().getMinReadySeconds() == null ? 0 : rs.getSpec().getMinReadySeconds();
        ReplicaSetStatus status = calculateStatus(rs, owned, failure, minReadySeconds, now);
        writeStatus(rs, status, context);

        if (failure != null) {
            throw failure.error();
        }
        Duration wait = null;
        for (Pod pod : owned) {
            Duration d = Pods.untilAvailable(pod, minReadySeconds, now);
            if (d != null && (wait == null || d.compareTo(wait) < 0)) {
                wait = d;
            }
        }
        return wait == null ? Result.done() : Result.requeueAfter(wait);
    }

    /** A create or delete that failed, and whether it was a create (for the condition's reason). */
    private record ManageFailure(RuntimeException error, boolean creating) {}

    private ManageFailure manageReplicas(ObjectKey key, ReplicaSet rs, List<Pod> owned, OwnerReference ref,
            ReconcileContext context) {
        int desired = rs.getSpec().getReplicas() == null ? 1 : rs.getSpec().getReplicas();
        int diff = owned.size() - desired;
        Expectations expectations = context.expectations();
        EventRecorder events = context.events();
        if (diff < 0) {
            int toCreate = Math.min(-diff, burstReplicas);
            // Expect them all before the first create: its watch event may arrive before we return.
            expectations.expectCreations(key, toCreate);
            int created = 0;
            RuntimeException[] firstError = new RuntimeException[1];
            // Slow start (1, 2, 4, ...): when every create fails, as under a quota, fail after one.
            // Each batch is written in parallel.
            for (int batch = Math.min(toCreate, 1); batch > 0 && firstError[0] == null;
                    batch = Math.min(2 * batch, toCreate - created)) {
                created += runBatch(batch, i -> {
                    try {
                        Pod pod = context.client().create(podFromTemplate(rs, ref));
                        events.event(rs, EventRecorder.NORMAL, "SuccessfulCreate", "Created pod: " + pod.getMetadata().getName());
                        return null;
                    } catch (RuntimeException e) {
                        events.event(rs, EventRecorder.WARNING, "FailedCreate", "Error creating: " + e.getMessage());
                        return e;
                    }
                }, firstError);
            }
            RuntimeException error = firstError[0];
            // The failed create and the ones never attempted will not show up in the cache.
            for (int i = created; i < toCreate; i++) {
                expectations.creationObserved(key);
            }
            return error == null ? null : new ManageFailure(error, true);
        }
        if (diff > 0) {
            int toDelete = Math.min(diff, burstReplicas);
            List<Pod> victims = new ArrayList<>(owned);
            victims.sort(Pods.DELETION_ORDER);
            victims = victims.subList(0, toDelete);
            expectations.expectDeletions(key, victims.stream().map(Pods::key).toList());
            List<Pod> doomed = victims;
            RuntimeException[] firstError = new RuntimeException[1];
            runBatch(doomed.size(), i -> {
                Pod pod = doomed.get(i);
                try {
                    boolean existed = context.client().delete(Pod.class, pod.getMetadata().getNamespace(), pod.getMetadata().getName(), null);
                    if (existed) {
                        events.event(rs, EventRecorder.NORMAL, "SuccessfulDelete", "Deleted pod: " + pod.getMetadata().getName());
                    } else {
                        expectations.deletionObserved(key, Pods.key(pod));
                    }
                    return null;
                } catch (RuntimeException e) {
                    expectations.deletionObserved(key, Pods.key(pod));
                    if (e instanceof ApiStatusException api && api.isNotFound()) {
                        return null;
                    }
                    events.event(rs, EventRecorder.WARNING, "FailedDelete", "Error deleting: " + e.getMessage());
                    return e;
                }
            }, firstError);
            RuntimeException error = firstError[0];
            return error == null ? null : new ManageFailure(error, false);
        }
        return null;
    }

    static Pod podFromTemplate(ReplicaSet rs, OwnerReference ref) {
        PodTemplateSpec template = rs.getSpec().getTemplate();
        ObjectMetaBuilder meta = new ObjectMetaBuilder()
                .withNamespace(rs.getMetadata().getNamespace())
                .withGenerateName(rs.getMetadata().getName() + "-")
                .withOwnerReferences(ref);
        if (template.getMetadata() != null) {
            if (template.getMetadata().getLabels() != null) {
                meta.withLabels(new HashMap<>(template.getMetadata().getLabels()));
            }
            if (template.getMetadata().getAnnotations() != null) {
                meta.withAnnotations(new HashMap<>(template.getMetadata().getAnnotations()));
            }
            if (template.getMetadata().getFinalizers() != null && !template.getMetadata().getFinalizers().isEmpty()) {
                meta.withFinalizers(new ArrayList<>(template.getMetadata().getFinalizers()));
            }
        }
        return new PodBuilder()
                .withMetadata(meta.build())
                .withSpec(template.getSpec() == null ? null : new PodSpecBuilder(template.getSpec()).build())
                .build();
    }

    static ReplicaSetStatus calculateStatus(ReplicaSet rs, List<Pod> owned, ManageFailure failure,
            int minReadySeconds, Instant now) {
        Map<String, String> templateLabels = rs.getSpec().getTemplate() == null
                        || rs.getSpec().getTemplate().getMetadata() == null
                        || rs.getSpec().getTemplate().getMetadata().getLabels() == null
                ? Map.of()
                : rs.getSpec().getTemplate().getMetadata().getLabels();
        int fullyLabeled = 0;
        int ready = 0;
        int available = 0;
        for (Pod pod : owned) {
            if (Selectors.matches(templateLabels, pod.getMetadata().getLabels())) {
                fullyLabeled++;
            }
            if (Pods.isPodReady(pod)) {
                ready++;
                if (Pods.isPodAvailable(pod, minReadySeconds, now)) {
                    available++;
                }
            }
        }
        ReplicaSetStatus old = rs.getStatus() == null ? new ReplicaSetStatus() : rs.getStatus();
        List<ReplicaSetCondition> conditions = new ArrayList<>();
        ReplicaSetCondition failureCondition = null;
        if (old.getConditions() != null) {
            for (ReplicaSetCondition c : old.getConditions()) {
                if ("ReplicaFailure".equals(c.getType())) {
                    failureCondition = c;
                } else {
                    conditions.add(c);
                }
            }
        }
        if (failure != null && failureCondition == null) {
            conditions.add(new ReplicaSetConditionBuilder()
                    .withType("ReplicaFailure")
                    .withStatus("True")
                    .withReason(failure.creating() ? "FailedCreate" : "FailedDelete")
                    .withMessage(failure.error().getMessage())
                    .withLastTransitionTime(Times.format(now))
                    .build());
        } else if (failure != null) {
            conditions.add(failureCondition);
        }
        return new ReplicaSetStatusBuilder()
                .withReplicas(owned.size())
                .withFullyLabeledReplicas(fullyLabeled)
                .withReadyReplicas(ready)
                .withAvailableReplicas(available)
                .withObservedGeneration(rs.getMetadata().getGeneration())
                .withConditions(conditions.isEmpty() ? null : conditions)
                .build();
    }

    private static void writeStatus(ReplicaSet rs, ReplicaSetStatus status, ReconcileContext context) {
        if (Json.sameIgnoringDefaults(rs.getStatus(), status)) {
            return;
        }
        ReplicaSet copy = new ReplicaSetBuilder(rs).withStatus(status).build();
        try {
            context.client().updateStatus(copy);
        } catch (ApiStatusException e) {
            if (e.isNotFound()) {
                return;
            }
            if (!e.isConflict()) {
                throw e;
            }
            // Our cached copy lags (often behind our own last status write): retry once on the latest.
            ReplicaSet fresh = context.client().get(ReplicaSet.class, rs.getMetadata().getNamespace(), rs.getMetadata().getName()).orElse(null);
            if (fresh == null || !Objects.equals(fresh.getMetadata().getUid(), rs.getMetadata().getUid())) {
                return;
            }
            context.client().updateStatus(new ReplicaSetBuilder(fresh).withStatus(status).build());
        }
        LOG.debug("ReplicaSet {}/{} status: {} replicas, {} ready, {} available", rs.getMetadata().getNamespace(),
                rs.getMetadata().getName(), status.getReplicas(), status.getReadyReplicas(), status.getAvailableReplicas());
    }
}
