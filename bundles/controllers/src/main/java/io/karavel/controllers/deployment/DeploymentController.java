package io.karavel.controllers.deployment;

import static io.karavel.controllers.deployment.Rollouts.PROGRESSING;
import static io.karavel.controllers.deployment.Rollouts.REVISION;
import static io.karavel.controllers.deployment.Rollouts.active;
import static io.karavel.controllers.deployment.Rollouts.availableReplicas;
import static io.karavel.controllers.deployment.Rollouts.condition;
import static io.karavel.controllers.deployment.Rollouts.hasProgressDeadline;
import static io.karavel.controllers.deployment.Rollouts.maxSurge;
import static io.karavel.controllers.deployment.Rollouts.maxUnavailable;
import static io.karavel.controllers.deployment.Rollouts.newCondition;
import static io.karavel.controllers.deployment.Rollouts.replicas;
import static io.karavel.controllers.deployment.Rollouts.setCondition;
import static io.karavel.controllers.deployment.Rollouts.statusReplicas;
import static io.karavel.controllers.deployment.Rollouts.sum;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentCondition;
import io.fabric8.kubernetes.api.model.apps.DeploymentConditionBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetCondition;
import io.karavel.api.client.ApiStatusException;
import io.karavel.api.client.PatchType;
import io.karavel.api.controller.Caches;
import io.karavel.api.controller.ControllerSpec;
import io.karavel.api.controller.EventRecorder;
import io.karavel.api.controller.ObjectKey;
import io.karavel.api.controller.ReconcileContext;
import io.karavel.api.controller.Reconciler;
import io.karavel.api.controller.Result;
import io.karavel.api.controller.Selectors;
import io.karavel.controllers.support.ControllerRefManager;
import io.karavel.controllers.support.Json;
import io.karavel.controllers.support.OwnerRefs;
import io.karavel.controllers.support.Times;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Deployment controller, after Kubernetes': rolls a Deployment's pod template out through
 * owned ReplicaSets named {@code <deployment>-<pod-template-hash>}, RollingUpdate (within
 * {@code maxSurge} and {@code maxUnavailable}) or Recreate; numbers revisions
 * ({@code deployment.kubernetes.io/revision}: a ReplicaSet whose template comes back, as after
 * {@code kubectl rollout undo}, becomes the new one again with the next revision); scales
 * proportionally; honours {@code paused}, {@code revisionHistoryLimit} and
 * {@code progressDeadlineSeconds}; reports the status {@code kubectl rollout status} waits for.
 */
@Component(name = DeploymentController.PID, configurationPid = DeploymentController.PID, service = Reconciler.class)
@Designate(ocd = DeploymentController.Config.class)
public final class DeploymentController implements Reconciler {
    static final String PID = "io.karavel.controllers.deployment";

    private static final Logger LOG = LoggerFactory.getLogger(DeploymentController.class);
    /** How soon to look again after losing a compare-and-swap to our own lagging cache. */
    static final Duration CONFLICT_RETRY = Duration.ofMillis(50);

    @ObjectClassDefinition(name = "Karavel Deployment controller", description = "Rolls Deployments out through ReplicaSets")
    public @interface Config {
        @AttributeDefinition(description = "Deployments reconciled in parallel (kube-controller-manager --concurrent-deployment-syncs)")
        int workers() default 5;
    }

    private final int workers;

    @Activate
    public DeploymentController(Config config) {
        this(config.workers());
    }

    /** For tests and embedding: the configuration as plain values. */
    public DeploymentController(int workers) {
        this.workers = Math.max(1, workers);
    }

    @Override
    public ControllerSpec spec() {
        return ControllerSpec.builder("deployment", Deployment.class)
                .owns(ReplicaSet.class)
                // an orphan ReplicaSet wakes the Deployments that could adopt it
                .watches(ReplicaSet.class, DeploymentController::deploymentsForOrphan)
                // Recreate waits for the old pods to be gone before it starts new ones
                .watches(Pod.class, DeploymentController::recreateDeploymentOfPod)
                .workers(workers)
                .build();
    }

    static Collection<ObjectKey> deploymentsForOrphan(HasMetadata rs, Caches caches) {
        if (OwnerRefs.controllerRef(rs).isPresent()) {
            return List.of();
        }
        List<ObjectKey> keys = new ArrayList<>();
        for (Deployment d : caches.of(Deployment.class).list(rs.getMetadata().getNamespace())) {
            if (Selectors.matches(d.getSpec().getSelector(), rs.getMetadata().getLabels())) {
                keys.add(ObjectKey.of(d));
            }
        }
        return keys;
    }

    static Collection<ObjectKey> recreateDeploymentOfPod(HasMetadata pod, Caches caches) {
        String namespace = pod.getMetadata().getNamespace();
        OwnerReference rsRef = OwnerRefs.controllerRef(pod).orElse(null);
        if (rsRef == null || !"ReplicaSet".equals(rsRef.getKind())) {
            return List.of();
        }
        ReplicaSet rs = caches.of(ReplicaSet.class).get(namespace, rsRef.getName()).orElse(null);
        OwnerReference dRef = rs == null ? null : OwnerRefs.controllerRef(rs).orElse(null);
        if (dRef == null || !"Deployment".equals(dRef.getKind())) {
            return List.of();
        }
        Deployment d = caches.of(Deployment.class).get(namespace, dRef.getName()).orElse(null);
        if (d == null || Rollouts.isRollingUpdate(d)) {
            return List.of();
        }
        return List.of(ObjectKey.of(d));
    }

    @Override
    public Result reconcile(ObjectKey key, ReconcileContext context) throws Exception {
        Deployment cached = context.caches().of(Deployment.class).get(key).orElse(null);
        if (cached == null) {
            return Result.done();
        }
        try {
            return new Sync(context, new DeploymentBuilder(cached).build()).run();
        } catch (ApiStatusException e) {
            if (!e.isConflict()) {
                throw e;
            }
            // Our cache is behind our own last write (usually a ReplicaSet we just scaled): it
            // catches up within milliseconds, so look again soon rather than report an error.
            LOG.debug("Deployment {}: {}; retrying", key, e.getMessage());
            return Result.requeueAfter(CONFLICT_RETRY);
        }
    }

    /** The new ReplicaSet (null when none matches the template yet) and all the others. */
    private record NewAndOld(ReplicaSet newRS, List<ReplicaSet> old) {
        List<ReplicaSet> all() {
            List<ReplicaSet> all = new ArrayList<>(old);
            if (newRS != null) {
                all.add(newRS);
            }
            return all;
        }
    }

    /**
     * One reconcile of one Deployment: {@code d} is a private copy whose status is built up and
     * written; {@code sets} holds the latest known version of each owned ReplicaSet, replaced
     * after every write so that later steps never write from a stale copy.
     */
    private static final class Sync {
        private final ReconcileContext context;
        private final Instant now;
        private Deployment d;
        private final List<ReplicaSet> sets = new ArrayList<>();
        private Duration requeue;

        Sync(ReconcileContext context, Deployment d) {
            this.context = context;
            this.now = context.clock().instant();
            this.d = d;
            if (d.getStatus() == null) {
                d.setStatus(new DeploymentStatus());
            }
            d.getStatus().setConditions(copyConditions(d.getStatus().getConditions()));
        }

        Result run() {
            LabelSelector selector = d.getSpec().getSelector();
            if (selector == null || (isEmpty(selector.getMatchLabels()) && isEmpty(selector.getMatchExpressions()))) {
                context.events().event(d, EventRecorder.WARNING, "SelectingAll",
                        "This deployment is selecting all pods. A non-empty selector is required.");
                if (Rollouts.nz(d.getStatus().getObservedGeneration()) < Rollouts.nz(d.getMetadata().getGeneration())) {
                    d.getStatus().setObservedGeneration(d.getMetadata().getGeneration());
                    writeStatus();
                }
                return Result.done();
            }
            claimReplicaSets();
            if (d.getMetadata().getDeletionTimestamp() != null) {
                NewAndOld rs = replicaSets(false);
                syncDeploymentStatus(rs.all(), rs.newRS());
            } else {
                checkPausedConditions();
                if (Rollouts.paused(d) || isScalingEvent()) {
                    sync();
                } else if (Rollouts.isRollingUpdate(d)) {
                    rolloutRolling();
                } else {
                    rolloutRecreate();
                }
            }
            return requeue == null ? Result.done() : Result.requeueAfter(requeue);
        }

        // ---- ReplicaSets ----------------------------------------------------------------------

        private void claimReplicaSets() {
            OwnerReference ref = OwnerRefs.newControllerRef(d, "apps/v1", "Deployment");
            Deployment owner = d;
            List<ReplicaSet> candidates = OwnerRefs.claimCandidates(context.caches().of(ReplicaSet.class), d, d.getSpec().getSelector());
            sets.addAll(new ControllerRefManager<>(context.client(), ReplicaSet.class, owner, Deployment.class, ref,
                            rs -> Selectors.matches(owner.getSpec().getSelector(), rs.getMetadata().getLabels()))
                    .claim(candidates));
        }

        private ReplicaSet latest(ReplicaSet rs) {
            if (rs == null) {
                return null;
            }
            for (ReplicaSet s : sets) {
                if (s.getMetadata().getUid().equals(rs.getMetadata().getUid())) {
                    return s;
                }
            }
            return rs;
        }

        private List<ReplicaSet> latest(List<ReplicaSet> list) {
            List<ReplicaSet> out = new ArrayList<>();
            for (ReplicaSet rs : list) {
                ReplicaSet current = latest(rs);
                if (sets.contains(current)) {
                    out.add(current);
                }
            }
            return out;
        }

        private NewAndOld latest(NewAndOld rs) {
            return new NewAndOld(latest(rs.newRS()), latest(rs.old()));
        }

        private ReplicaSet updateReplicaSet(ReplicaSet copy) {
            ReplicaSet updated = context.client().update(copy);
            sets.replaceAll(s -> s.getMetadata().getUid().equals(updated.getMetadata().getUid()) ? updated : s);
            return updated;
        }

        /** {@code getAllReplicaSetsAndSyncRevision}: finds (or creates) the new ReplicaSet and syncs revisions. */
        private NewAndOld replicaSets(boolean createIfMissing) {
            List<ReplicaSet> byAge = new ArrayList<>(sets);
            byAge.sort(Rollouts.BY_CREATION);
            ReplicaSet existing = null;
            for (ReplicaSet rs : byAge) {
                if (PodTemplates.equalIgnoreHash(rs.getSpec().getTemplate(), d.getSpec().getTemplate())) {
                    existing = rs;
                    break;
                }
            }
            List<ReplicaSet> old = new ArrayList<>();
            for (ReplicaSet rs : byAge) {
                if (rs != existing) {
                    old.add(rs);
                }
            }
            return new NewAndOld(newReplicaSet(existing, old, createIfMissing), old);
        }

        private ReplicaSet newReplicaSet(ReplicaSet existing, List<ReplicaSet> old, boolean createIfMissing) {
            int maxOldRevision = 0;
            for (ReplicaSet rs : old) {
                maxOldRevision = Math.max(maxOldRevision, Rollouts.revision(rs));
            }
            int newRevision = maxOldRevision + 1;
            if (existing != null) {
                ReplicaSet copy = new ReplicaSetBuilder(existing).build();
                boolean annotationsChanged = Rollouts.setNewReplicaSetAnnotations(d, copy, newRevision, true);
                boolean minReadyChanged =
                        Rollouts.nz(copy.getSpec().getMinReadySeconds()) != Rollouts.minReadySeconds(d);
                ReplicaSet current = existing;
                if (annotationsChanged || minReadyChanged) {
                    copy.getSpec().setMinReadySeconds(Rollouts.minReadySeconds(d));
                    current = updateReplicaSet(copy);
                }
                setDeploymentRevision(Rollouts.annotation(current.getMetadata().getAnnotations(), REVISION));
                if (hasProgressDeadline(d) && condition(d.getStatus(), PROGRESSING) == null) {
                    setCondition(d.getStatus(), newCondition(PROGRESSING, "True", "FoundNewReplicaSet",
                            "Found new replica set \"" + current.getMetadata().getName() + "\"", now));
                    writeStatus();
                }
                return current;
            }
            if (!createIfMissing) {
                return null;
            }
            return createReplicaSet(old, newRevision);
        }

        private ReplicaSet createReplicaSet(List<ReplicaSet> old, int newRevision) {
            String hash = PodTemplates.hash(d.getSpec().getTemplate(), d.getStatus().getCollisionCount());
            PodTemplateSpec template = new PodTemplateSpecBuilder(d.getSpec().getTemplate()).build();
            if (template.getMetadata() == null) {
                template.setMetadata(new ObjectMetaBuilder().build());
            }
            Map<String, String> labels = template.getMetadata().getLabels() == null
                    ? new LinkedHashMap<>() : new LinkedHashMap<>(template.getMetadata().getLabels());
            labels.put(PodTemplates.HASH_LABEL, hash);
            template.getMetadata().setLabels(labels);
            LabelSelector selector = new LabelSelectorBuilder(d.getSpec().getSelector())
                    .addToMatchLabels(PodTemplates.HASH_LABEL, hash)
                    .build();
            String name = d.getMetadata().getName() + "-" + hash;
            ReplicaSet rs = new ReplicaSetBuilder()
                    .withNewMetadata()
                    .withName(name)
                    .withNamespace(d.getMetadata().getNamespace())
                    .withLabels(new LinkedHashMap<>(labels))
                    .withOwnerReferences(OwnerRefs.newControllerRef(d, "apps/v1", "Deployment"))
                    .endMetadata()
                    .withNewSpec()
                    .withReplicas(0)
                    .withMinReadySeconds(Rollouts.minReadySeconds(d))
                    .withSelector(selector)
                    .withTemplate(template)
                    .endSpec()
                    .build();
            List<ReplicaSet> all = new ArrayList<>(old);
            all.add(rs);
            int newReplicas = Rollouts.newRSNewReplicas(d, all, rs);
            rs.getSpec().setReplicas(newReplicas);
            Rollouts.setNewReplicaSetAnnotations(d, rs, newRevision, false);

            ReplicaSet created;
            boolean alreadyExists = false;
            try {
                created = context.client().create(rs);
            } catch (ApiStatusException e) {
                if (e.isAlreadyExists()) {
                    ReplicaSet found = context.client()
                            .get(ReplicaSet.class, d.getMetadata().getNamespace(), name)
                            .orElse(null);
                    if (found != null && OwnerRefs.isControlledBy(found, d.getMetadata().getUid())
                            && PodTemplates.equalIgnoreHash(d.getSpec().getTemplate(), found.getSpec().getTemplate())) {
                        created = found;
                        alreadyExists = true;
                    } else {
                        // A different ReplicaSet has our name: hash again with a higher collision count.
                        d.getStatus().setCollisionCount(Rollouts.nz(d.getStatus().getCollisionCount()) + 1);
                        writeStatus();
                        throw e;
                    }
                } else {
                    String message = "Failed to create new replica set \"" + name + "\": " + e.getMessage();
                    if (hasProgressDeadline(d)) {
                        setCondition(d.getStatus(), newCondition(PROGRESSING, "False", "ReplicaSetCreateError", message, now));
                        writeStatus();
                    }
                    context.events().event(d, EventRecorder.WARNING, "FailedCreate", message);
                    throw e;
                }
            }
            if (!alreadyExists && newReplicas > 0) {
                scalingEvent("up", created, newReplicas);
            }
            sets.add(created);
            setDeploymentRevision(String.valueOf(newRevision));
            if (!alreadyExists && hasProgressDeadline(d)) {
                setCondition(d.getStatus(), newCondition(PROGRESSING, "True", "NewReplicaSetCreated",
                        "Created new replica set \"" + name + "\"", now));
                writeStatus();
            }
            return created;
        }

        private void scalingEvent(String direction, ReplicaSet rs, int to) {
            context.events().event(d, EventRecorder.NORMAL, "ScalingReplicaSet",
                    "Scaled " + direction + " replica set " + rs.getMetadata().getName() + " to " + to);
        }

        private boolean scaleAndRecord(ReplicaSet rs, int newScale) {
            if (replicas(rs) == newScale) {
                return false;
            }
            return scaleReplicaSet(rs, newScale, replicas(rs) < newScale ? "up" : "down");
        }

        private boolean scaleReplicaSet(ReplicaSet rs, int newScale, String direction) {
            boolean sizeChanges = replicas(rs) != newScale;
            int desired = replicas(d);
            int max = desired + maxSurge(d);
            if (!sizeChanges && !Rollouts.replicasAnnotationsNeedUpdate(rs, desired, max)) {
                return false;
            }
            ReplicaSet copy = new ReplicaSetBuilder(rs).build();
            copy.getSpec().setReplicas(newScale);
            Rollouts.setReplicasAnnotations(copy, desired, max);
            ReplicaSet updated = updateReplicaSet(copy);
            if (sizeChanges) {
                scalingEvent(direction, updated, newScale);
            }
            return sizeChanges;
        }

        // ---- the Deployment's own writes ------------------------------------------------------

        /** The revision annotation is metadata: a status write would drop it, so it is patched. */
        private void setDeploymentRevision(String revision) {
            if (revision == null || revision.equals(Rollouts.annotation(d.getMetadata().getAnnotations(), REVISION))) {
                return;
            }
            ObjectNode patch = Json.MAPPER.createObjectNode();
            patch.putObject("metadata").putObject("annotations").put(REVISION, revision);
            Deployment patched = context.client().patch(Deployment.class, d.getMetadata().getNamespace(),
                    d.getMetadata().getName(), PatchType.MERGE, patch.toString());
            d.getMetadata().setAnnotations(patched.getMetadata().getAnnotations());
            d.getMetadata().setResourceVersion(patched.getMetadata().getResourceVersion());
        }

        private void writeStatus() {
            Deployment written;
            try {
                written = context.client().updateStatus(d);
            } catch (ApiStatusException e) {
                if (e.isNotFound()) {
                    return;
                }
                if (!e.isConflict()) {
                    throw e;
                }
                // The cached copy lags our own last write: retry once on the latest version.
                Deployment fresh = context.client()
                        .get(Deployment.class, d.getMetadata().getNamespace(), d.getMetadata().getName())
                        .orElse(null);
                if (fresh == null || !Objects.equals(fresh.getMetadata().getUid(), d.getMetadata().getUid())) {
                    return;
                }
                d.getMetadata().setResourceVersion(fresh.getMetadata().getResourceVersion());
                written = context.client().updateStatus(d);
            }
            d.getMetadata().setResourceVersion(written.getMetadata().getResourceVersion());
        }

        // ---- paused, scaling ------------------------------------------------------------------

        private void checkPausedConditions() {
            if (!hasProgressDeadline(d)) {
                return;
            }
            DeploymentCondition c = condition(d.getStatus(), PROGRESSING);
            if (c != null && "ProgressDeadlineExceeded".equals(c.getReason())) {
                return;
            }
            boolean pausedConditionExists = c != null && "DeploymentPaused".equals(c.getReason());
            if (Rollouts.paused(d) && !pausedConditionExists) {
                setCondition(d.getStatus(), newCondition(PROGRESSING, "Unknown", "DeploymentPaused", "Deployment is paused", now));
                writeStatus();
            } else if (!Rollouts.paused(d) && pausedConditionExists) {
                setCondition(d.getStatus(), newCondition(PROGRESSING, "Unknown", "DeploymentResumed", "Deployment is resumed", now));
                writeStatus();
            }
        }

        /** True when an active ReplicaSet was sized for another {@code spec.replicas}. */
        private boolean isScalingEvent() {
            NewAndOld rs = replicaSets(false);
            for (ReplicaSet s : active(rs.all())) {
                Integer desired = Rollouts.desiredReplicasAnnotation(s);
                if (desired != null && desired != replicas(d)) {
                    return true;
                }
            }
            return false;
        }

        /** Scaling only, no rollout progress (paused, or {@code spec.replicas} changed). */
        private void sync() {
            NewAndOld rs = replicaSets(false);
            scale(rs.newRS(), rs.old());
            rs = latest(rs);
            if (Rollouts.paused(d)) {
                cleanupDeployment(rs.old());
            }
            syncDeploymentStatus(latest(rs).all(), latest(rs.newRS()));
        }

        private void scale(ReplicaSet newRS, List<ReplicaSet> old) {
            ReplicaSet activeOrLatest = activeOrLatest(newRS, old);
            if (activeOrLatest != null) {
                if (replicas(activeOrLatest) != replicas(d)) {
                    scaleAndRecord(activeOrLatest, replicas(d));
                }
                return;
            }
            if (saturated(newRS)) {
                for (ReplicaSet rs : active(old)) {
                    scaleAndRecord(rs, 0);
                }
                return;
            }
            if (!Rollouts.isRollingUpdate(d)) {
                return;
            }
            // Proportional scaling: spread the change over the active ReplicaSets by their size.
            List<ReplicaSet> all = new ArrayList<>(old);
            if (newRS != null) {
                all.add(newRS);
            }
            all = new ArrayList<>(active(all));
            int allowed = replicas(d) > 0 ? replicas(d) + maxSurge(d) : 0;
            int toAdd = allowed - sum(all, Rollouts::replicas);
            String direction = null;
            if (toAdd > 0) {
                all.sort(Comparator.comparingInt((ReplicaSet s) -> replicas(s)).reversed().thenComparing(Rollouts.BY_CREATION.reversed()));
                direction = "up";
            } else if (toAdd < 0) {
                all.sort(Comparator.comparingInt((ReplicaSet s) -> replicas(s)).reversed().thenComparing(Rollouts.BY_CREATION));
                direction = "down";
            }
            int added = 0;
            Map<String, Integer> sizes = new HashMap<>();
            for (ReplicaSet rs : all) {
                if (toAdd != 0) {
                    int proportion = proportion(rs, toAdd, added);
                    sizes.put(rs.getMetadata().getName(), replicas(rs) + proportion);
                    added += proportion;
                } else {
                    sizes.put(rs.getMetadata().getName(), replicas(rs));
                }
            }
            for (int i = 0; i < all.size(); i++) {
                ReplicaSet rs = all.get(i);
                String name = rs.getMetadata().getName();
                if (i == 0 && toAdd != 0) {
                    sizes.put(name, Math.max(0, sizes.get(name) + toAdd - added));
                }
                scaleReplicaSet(rs, sizes.get(name), direction == null ? "up" : direction);
            }
        }

        private int proportion(ReplicaSet rs, int toAdd, int added) {
            if (replicas(rs) == 0 || toAdd == 0 || toAdd == added) {
                return 0;
            }
            int fraction;
            if (replicas(d) == 0) {
                fraction = -replicas(rs);
            } else {
                int deploymentReplicas = replicas(d) + maxSurge(d);
                Integer annotated = Rollouts.maxReplicasAnnotation(rs);
                int base = annotated != null ? annotated : Rollouts.nz(d.getStatus().getReplicas());
                if (base == 0) {
                    return 0;
                }
                fraction = (int) Math.round((double) replicas(rs) * deploymentReplicas / base) - replicas(rs);
            }
            int allowed = toAdd - added;
            return toAdd > 0 ? Math.min(fraction, allowed) : Math.max(fraction, allowed);
        }

        private ReplicaSet activeOrLatest(ReplicaSet newRS, List<ReplicaSet> old) {
            if (newRS == null && old.isEmpty()) {
                return null;
            }
            List<ReplicaSet> newestFirst = new ArrayList<>(old);
            newestFirst.sort(Rollouts.BY_CREATION.reversed());
            List<ReplicaSet> all = new ArrayList<>(newestFirst);
            if (newRS != null) {
                all.add(newRS);
            }
            List<ReplicaSet> activeSets = active(all);
            if (activeSets.isEmpty()) {
                return newRS != null ? newRS : newestFirst.get(0);
            }
            return activeSets.size() == 1 ? activeSets.get(0) : null;
        }

        private boolean saturated(ReplicaSet rs) {
            if (rs == null) {
                return false;
            }
            Integer desired = Rollouts.desiredReplicasAnnotation(rs);
            return desired != null && desired == replicas(d) && replicas(rs) == replicas(d)
                    && availableReplicas(rs) == replicas(d);
        }

        // ---- rollouts -------------------------------------------------------------------------

        private void rolloutRolling() {
            NewAndOld rs = replicaSets(true);
            if (reconcileNewReplicaSet(rs.all(), rs.newRS())) {
                syncRolloutStatus(latest(rs));
                return;
            }
            rs = latest(rs);
            if (reconcileOldReplicaSets(rs.all(), active(rs.old()), rs.newRS())) {
                syncRolloutStatus(latest(rs));
                return;
            }
            if (Rollouts.complete(d, d.getStatus())) {
                cleanupDeployment(rs.old());
            }
            syncRolloutStatus(latest(rs));
        }

        private boolean reconcileNewReplicaSet(List<ReplicaSet> all, ReplicaSet newRS) {
            if (replicas(newRS) == replicas(d)) {
                return false;
            }
            if (replicas(newRS) > replicas(d)) {
                return scaleAndRecord(newRS, replicas(d));
            }
            return scaleAndRecord(newRS, Rollouts.newRSNewReplicas(d, all, newRS));
        }

        private boolean reconcileOldReplicaSets(List<ReplicaSet> all, List<ReplicaSet> old, ReplicaSet newRS) {
            if (sum(old, Rollouts::replicas) == 0) {
                return false;
            }
            int minAvailable = replicas(d) - maxUnavailable(d);
            int newUnavailable = replicas(newRS) - availableReplicas(newRS);
            int maxScaledDown = sum(all, Rollouts::replicas) - minAvailable - newUnavailable;
            if (maxScaledDown <= 0) {
                return false;
            }
            int cleaned = cleanupUnhealthyReplicas(old, maxScaledDown);
            List<ReplicaSet> currentOld = latest(old);
            List<ReplicaSet> currentAll = new ArrayList<>(currentOld);
            currentAll.add(latest(newRS));
            int scaledDown = scaleDownOldReplicaSets(currentAll, currentOld);
            return cleaned + scaledDown > 0;
        }

        /** Scales down old ReplicaSets' unavailable pods first: they cost no availability. */
        private int cleanupUnhealthyReplicas(List<ReplicaSet> old, int max) {
            List<ReplicaSet> sorted = new ArrayList<>(old);
            sorted.sort(Rollouts.BY_CREATION);
            int total = 0;
            for (ReplicaSet rs : sorted) {
                if (total >= max) {
                    break;
                }
                int unhealthy = replicas(rs) - availableReplicas(rs);
                if (replicas(rs) == 0 || unhealthy <= 0) {
                    continue;
                }
                int count = Math.min(max - total, unhealthy);
                scaleAndRecord(rs, replicas(rs) - count);
                total += count;
            }
            return total;
        }

        private int scaleDownOldReplicaSets(List<ReplicaSet> all, List<ReplicaSet> old) {
            int minAvailable = replicas(d) - maxUnavailable(d);
            int available = sum(all, Rollouts::availableReplicas);
            if (available <= minAvailable) {
                return 0;
            }
            List<ReplicaSet> sorted = new ArrayList<>(old);
            sorted.sort(Rollouts.BY_CREATION);
            int toScaleDown = available - minAvailable;
            int total = 0;
            for (ReplicaSet rs : sorted) {
                if (total >= toScaleDown) {
                    break;
                }
                if (replicas(rs) == 0) {
                    continue;
                }
                int count = Math.min(replicas(rs), toScaleDown - total);
                scaleAndRecord(rs, replicas(rs) - count);
                total += count;
            }
            return total;
        }

        private void rolloutRecreate() {
            // No new ReplicaSet yet: it is created only once the old pods are gone.
            NewAndOld rs = replicaSets(false);
            boolean scaledDown = false;
            for (ReplicaSet old : active(rs.old())) {
                scaledDown |= scaleAndRecord(old, 0);
            }
            rs = latest(rs);
            if (scaledDown || oldPodsRunning(rs.newRS(), rs.old())) {
                syncRolloutStatus(rs);
                return;
            }
            if (rs.newRS() == null) {
                rs = replicaSets(true);
            }
            scaleAndRecord(rs.newRS(), replicas(d));
            rs = latest(rs);
            if (Rollouts.complete(d, d.getStatus())) {
                cleanupDeployment(rs.old());
            }
            syncRolloutStatus(latest(rs));
        }

        private boolean oldPodsRunning(ReplicaSet newRS, List<ReplicaSet> old) {
            if (sum(old, Rollouts::statusReplicas) > 0) {
                return true;
            }
            Set<String> oldUids = new HashSet<>();
            for (ReplicaSet rs : old) {
                oldUids.add(rs.getMetadata().getUid());
            }
            for (Pod pod : context.caches().of(Pod.class).list(d.getMetadata().getNamespace())) {
                String owner = OwnerRefs.controllerRef(pod).map(OwnerReference::getUid).orElse(null);
                if (owner == null || !oldUids.contains(owner)
                        || !Selectors.matches(d.getSpec().getSelector(), pod.getMetadata().getLabels())) {
                    continue;
                }
                String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
                if (!"Succeeded".equals(phase) && !"Failed".equals(phase)) {
                    return true;
                }
            }
            return false;
        }

        /** Deletes the oldest ReplicaSets beyond {@code revisionHistoryLimit} that have no pods left. */
        private void cleanupDeployment(List<ReplicaSet> old) {
            Integer limit = Rollouts.revisionHistoryLimit(d);
            if (limit == null) {
                return;
            }
            List<ReplicaSet> cleanable = new ArrayList<>();
            for (ReplicaSet rs : old) {
                if (rs.getMetadata().getDeletionTimestamp() == null) {
                    cleanable.add(rs);
                }
            }
            int diff = cleanable.size() - limit;
            if (diff <= 0) {
                return;
            }
            cleanable.sort(Rollouts.BY_REVISION);
            for (int i = 0; i < diff; i++) {
                ReplicaSet rs = cleanable.get(i);
                long observed = rs.getStatus() == null ? 0 : Rollouts.nz(rs.getStatus().getObservedGeneration());
                if (statusReplicas(rs) != 0 || replicas(rs) != 0 || Rollouts.nz(rs.getMetadata().getGeneration()) > observed) {
                    continue;
                }
                context.client().delete(ReplicaSet.class, rs.getMetadata().getNamespace(), rs.getMetadata().getName(), null);
                sets.remove(rs);
            }
        }

        // ---- status ---------------------------------------------------------------------------

        private DeploymentStatus calculateStatus(List<ReplicaSet> all, ReplicaSet newRS) {
            int available = sum(all, Rollouts::availableReplicas);
            int total = sum(all, Rollouts::replicas);
            DeploymentStatus status = new DeploymentStatus();
            status.setObservedGeneration(d.getMetadata().getGeneration());
            status.setReplicas(sum(all, Rollouts::statusReplicas));
            status.setUpdatedReplicas(statusReplicas(newRS));
            status.setReadyReplicas(sum(all, Rollouts::readyReplicas));
            status.setAvailableReplicas(available);
            status.setUnavailableReplicas(Math.max(0, total - available));
            status.setCollisionCount(d.getStatus().getCollisionCount());
            status.setConditions(copyConditions(d.getStatus().getConditions()));
            if (available >= replicas(d) - maxUnavailable(d)) {
                setCondition(status, newCondition(Rollouts.AVAILABLE, "True", "MinimumReplicasAvailable",
                        "Deployment has minimum availability.", now));
            } else {
                setCondition(status, newCondition(Rollouts.AVAILABLE, "False", "MinimumReplicasUnavailable",
                        "Deployment does not have minimum availability.", now));
            }
            return status;
        }

        private void syncDeploymentStatus(List<ReplicaSet> all, ReplicaSet newRS) {
            DeploymentStatus next = calculateStatus(all, newRS);
            if (!Json.sameIgnoringDefaults(d.getStatus(), next)) {
                d.setStatus(next);
                writeStatus();
            }
        }

        /** Status plus the Progressing condition: complete, progressing, or past its deadline. */
        private void syncRolloutStatus(NewAndOld rs) {
            ReplicaSet newRS = rs.newRS();
            DeploymentStatus next = calculateStatus(rs.all(), newRS);
            if (!hasProgressDeadline(d)) {
                Rollouts.removeCondition(next, PROGRESSING);
            }
            DeploymentCondition current = condition(d.getStatus(), PROGRESSING);
            boolean alreadyComplete = Rollouts.nz(next.getReplicas()) == Rollouts.nz(next.getUpdatedReplicas())
                    && current != null && "NewReplicaSetAvailable".equals(current.getReason());
            String subject = newRS != null
                    ? "ReplicaSet \"" + newRS.getMetadata().getName() + "\""
                    : "Deployment \"" + d.getMetadata().getName() + "\"";
            if (hasProgressDeadline(d) && !alreadyComplete) {
                if (Rollouts.complete(d, next)) {
                    setCondition(next, newCondition(PROGRESSING, "True", "NewReplicaSetAvailable",
                            subject + " has successfully progressed.", now));
                } else if (Rollouts.progressing(d, next)) {
                    DeploymentCondition c = newCondition(PROGRESSING, "True", "ReplicaSetUpdated",
                            subject + " is progressing.", now);
                    // progress refreshes lastUpdateTime even when the reason stays the same
                    if (current != null) {
                        if ("True".equals(current.getStatus())) {
                            c.setLastTransitionTime(current.getLastTransitionTime());
                        }
                        Rollouts.removeCondition(next, PROGRESSING);
                    }
                    setCondition(next, c);
                } else if (Rollouts.timedOut(d, next, now)) {
                    setCondition(next, newCondition(PROGRESSING, "False", "ProgressDeadlineExceeded",
                            subject + " has timed out progressing.", now));
                }
            }
            DeploymentCondition failure = replicaFailure(rs.all(), newRS);
            if (failure != null) {
                setCondition(next, failure);
            } else {
                Rollouts.removeCondition(next, Rollouts.REPLICA_FAILURE);
            }
            if (!Json.sameIgnoringDefaults(d.getStatus(), next)) {
                d.setStatus(next);
                writeStatus();
            }
            requeueIfStuck();
        }

        /** Looks again when the progress deadline would pass without any event. */
        private void requeueIfStuck() {
            DeploymentCondition current = condition(d.getStatus(), PROGRESSING);
            Integer deadline = Rollouts.progressDeadlineSeconds(d);
            if (deadline == null || current == null || Rollouts.complete(d, d.getStatus())
                    || "ProgressDeadlineExceeded".equals(current.getReason())) {
                return;
            }
            Instant lastUpdate = Times.parse(current.getLastUpdateTime());
            if (lastUpdate == null) {
                return;
            }
            Duration after = Duration.between(now, lastUpdate.plusSeconds(deadline));
            requeue = after.compareTo(Duration.ofSeconds(1)) < 0 ? Duration.ofSeconds(1) : after.plusSeconds(1);
        }

        /** The new ReplicaSet's ReplicaFailure condition, else any old one's, as a Deployment condition. */
        private DeploymentCondition replicaFailure(List<ReplicaSet> all, ReplicaSet newRS) {
            List<ReplicaSet> order = new ArrayList<>();
            if (newRS != null) {
                order.add(newRS);
            }
            order.addAll(all);
            for (ReplicaSet rs : order) {
                if (rs.getStatus() == null || rs.getStatus().getConditions() == null) {
                    continue;
                }
                for (ReplicaSetCondition c : rs.getStatus().getConditions()) {
                    if (Rollouts.REPLICA_FAILURE.equals(c.getType())) {
                        return new DeploymentConditionBuilder()
                                .withType(c.getType())
                                .withStatus(c.getStatus())
                                .withReason(c.getReason())
                                .withMessage(c.getMessage())
                                .withLastTransitionTime(c.getLastTransitionTime())
                                .withLastUpdateTime(c.getLastTransitionTime())
                                .build();
                    }
                }
            }
            return null;
        }
    }

    private static List<DeploymentCondition> copyConditions(List<DeploymentCondition> conditions) {
        List<DeploymentCondition> copy = new ArrayList<>();
        if (conditions != null) {
            for (DeploymentCondition c : conditions) {
                copy.add(new DeploymentConditionBuilder(c).build());
            }
        }
        return copy;
    }

    private static boolean isEmpty(Map<?, ?> map) {
        return map == null || map.isEmpty();
    }

    private static boolean isEmpty(List<?> list) {
        return list == null || list.isEmpty();
    }
}
