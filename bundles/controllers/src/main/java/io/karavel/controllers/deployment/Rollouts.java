package io.karavel.controllers.deployment;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentCondition;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.RollingUpdateDeployment;
import io.karavel.controllers.support.Times;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** Kubernetes' {@code deploymentutil}: the arithmetic of rollouts, without I/O. */
final class Rollouts {
    static final String REVISION = "deployment.kubernetes.io/revision";
    static final String REVISION_HISTORY = "deployment.kubernetes.io/revision-history";
    static final String DESIRED_REPLICAS = "deployment.kubernetes.io/desired-replicas";
    static final String MAX_REPLICAS = "deployment.kubernetes.io/max-replicas";
    static final String CHANGE_CAUSE = "kubernetes.io/change-cause";
    /** Annotations of the Deployment that are not copied onto its ReplicaSets. */
    static final List<String> NOT_COPIED = List.of(
            "kubectl.kubernetes.io/last-applied-configuration", REVISION, REVISION_HISTORY, DESIRED_REPLICAS,
            MAX_REPLICAS, "deprecated.deployment.rollback.to");
    /** As kube-controller-manager: the revision history annotation stays below this length. */
    static final int MAX_REVISION_HISTORY_CHARS = 2000;

    static final String AVAILABLE = "Available";
    static final String PROGRESSING = "Progressing";
    static final String REPLICA_FAILURE = "ReplicaFailure";

    private Rollouts() {}

    static int replicas(Deployment d) {
        return d.getSpec().getReplicas() == null ? 1 : d.getSpec().getReplicas();
    }

    static int replicas(ReplicaSet rs) {
        return rs == null || rs.getSpec().getReplicas() == null ? 0 : rs.getSpec().getReplicas();
    }

    static int statusReplicas(ReplicaSet rs) {
        return rs == null || rs.getStatus() == null || rs.getStatus().getReplicas() == null ? 0 : rs.getStatus().getReplicas();
    }

    static int readyReplicas(ReplicaSet rs) {
        return rs == null || rs.getStatus() == null || rs.getStatus().getReadyReplicas() == null ? 0 : rs.getStatus().getReadyReplicas();
    }

    static int availableReplicas(ReplicaSet rs) {
        return rs == null || rs.getStatus() == null || rs.getStatus().getAvailableReplicas() == null
                ? 0 : rs.getStatus().getAvailableReplicas();
    }

    static int sum(List<ReplicaSet> sets, java.util.function.ToIntFunction<ReplicaSet> field) {
        int total = 0;
        for (ReplicaSet rs : sets) {
            if (rs != null) {
                total += field.applyAsInt(rs);
            }
        }
        return total;
    }

    static boolean isRollingUpdate(Deployment d) {
        return d.getSpec().getStrategy() == null || !"Recreate".equals(d.getSpec().getStrategy().getType());
    }

    static boolean paused(Deployment d) {
        return Boolean.TRUE.equals(d.getSpec().getPaused());
    }

    static int minReadySeconds(Deployment d) {
        return d.getSpec().getMinReadySeconds() == null ? 0 : d.getSpec().getMinReadySeconds();
    }

    /** {@code progressDeadlineSeconds}, 600 when unset; null when disabled (MaxInt32). */
    static Integer progressDeadlineSeconds(Deployment d) {
        Integer seconds = d.getSpec().getProgressDeadlineSeconds();
        if (seconds == null) {
            return 600;
        }
        return seconds == Integer.MAX_VALUE ? null : seconds;
    }

    static boolean hasProgressDeadline(Deployment d) {
        return progressDeadlineSeconds(d) != null;
    }

    /** {@code revisionHistoryLimit}, 10 when unset; null when unlimited (MaxInt32). */
    static Integer revisionHistoryLimit(Deployment d) {
        Integer limit = d.getSpec().getRevisionHistoryLimit();
        if (limit == null) {
            return 10;
        }
        return limit == Integer.MAX_VALUE ? null : limit;
    }

    /** {@code intstr.GetScaledValueFromIntOrPercent}: an int, or a percentage of {@code total}. */
    static int scaled(IntOrString value, String fallback, int total, boolean roundUp) {
        String text;
        if (value == null) {
            text = fallback;
        } else if (value.getIntVal() != null) {
            return value.getIntVal();
        } else {
            text = value.getStrVal();
        }
        if (text == null) {
            text = fallback;
        }
        if (text.endsWith("%")) {
            int percent = Integer.parseInt(text.substring(0, text.length() - 1).trim());
            double exact = (double) percent * total / 100;
            return (int) (roundUp ? Math.ceil(exact) : Math.floor(exact));
        }
        return Integer.parseInt(text.trim());
    }

    /** {@code ResolveFenceposts}: maxSurge rounds up, maxUnavailable down; never both 0. */
    static int[] fenceposts(Deployment d) {
        RollingUpdateDeployment rolling = d.getSpec().getStrategy() == null ? null : d.getSpec().getStrategy().getRollingUpdate();
        int desired = replicas(d);
        int surge = scaled(rolling == null ? null : rolling.getMaxSurge(), "25%", desired, true);
        int unavailable = scaled(rolling == null ? null : rolling.getMaxUnavailable(), "25%", desired, false);
        if (surge == 0 && unavailable == 0) {
            unavailable = 1;
        }
        return new int[] {surge, unavailable};
    }

    static int maxSurge(Deployment d) {
        return isRollingUpdate(d) ? fenceposts(d)[0] : 0;
    }

    static int maxUnavailable(Deployment d) {
        if (!isRollingUpdate(d) || replicas(d) == 0) {
            return 0;
        }
        return Math.min(fenceposts(d)[1], replicas(d));
    }

    /** How many replicas the new ReplicaSet should have now ({@code NewRSNewReplicas}). */
    static int newRSNewReplicas(Deployment d, List<ReplicaSet> all, ReplicaSet newRS) {
        if (!isRollingUpdate(d)) {
            return replicas(d);
        }
        int maxTotal = replicas(d) + maxSurge(d);
        int current = sum(all, Rollouts::replicas);
        if (current >= maxTotal) {
            return replicas(newRS);
        }
        int scaleUp = Math.min(maxTotal - current, replicas(d) - replicas(newRS));
        return replicas(newRS) + scaleUp;
    }

    static int revision(ReplicaSet rs) {
        String value = annotation(rs.getMetadata().getAnnotations(), REVISION);
        if (value == null) {
            return 0;
        }
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    static String annotation(Map<String, String> annotations, String name) {
        return annotations == null ? null : annotations.get(name);
    }

    static Integer desiredReplicasAnnotation(ReplicaSet rs) {
        String value = annotation(rs.getMetadata().getAnnotations(), DESIRED_REPLICAS);
        try {
            return value == null ? null : Integer.valueOf(value);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    static Integer maxReplicasAnnotation(ReplicaSet rs) {
        String value = annotation(rs.getMetadata().getAnnotations(), MAX_REPLICAS);
        try {
            return value == null ? null : Integer.valueOf(value);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** Sets the desired/max replicas annotations on a (mutable copy of a) ReplicaSet; true if changed. */
    static boolean setReplicasAnnotations(ReplicaSet rs, int desired, int max) {
        Map<String, String> annotations = mutableAnnotations(rs);
        boolean changed = !String.valueOf(desired).equals(annotations.get(DESIRED_REPLICAS))
                || !String.valueOf(max).equals(annotations.get(MAX_REPLICAS));
        annotations.put(DESIRED_REPLICAS, String.valueOf(desired));
        annotations.put(MAX_REPLICAS, String.valueOf(max));
        return changed;
    }

    static boolean replicasAnnotationsNeedUpdate(ReplicaSet rs, int desired, int max) {
        Map<String, String> annotations = rs.getMetadata().getAnnotations();
        return annotations == null
                || !String.valueOf(desired).equals(annotations.get(DESIRED_REPLICAS))
                || !String.valueOf(max).equals(annotations.get(MAX_REPLICAS));
    }

    static Map<String, String> mutableAnnotations(ReplicaSet rs) {
        if (rs.getMetadata().getAnnotations() == null) {
            rs.getMetadata().setAnnotations(new java.util.LinkedHashMap<>());
        } else {
            rs.getMetadata().setAnnotations(new java.util.LinkedHashMap<>(rs.getMetadata().getAnnotations()));
        }
        return rs.getMetadata().getAnnotations();
    }

    /**
     * {@code SetNewReplicaSetAnnotations}: copies the Deployment's annotations, raises the
     * revision to {@code newRevision} (remembering the old one in the revision history, which is
     * what a rollback to this ReplicaSet leaves behind), and on a new ReplicaSet the replicas
     * annotations. Works on a mutable copy; true if anything changed.
     */
    static boolean setNewReplicaSetAnnotations(Deployment d, ReplicaSet rs, int newRevision, boolean exists) {
        boolean changed = false;
        Map<String, String> annotations = mutableAnnotations(rs);
        if (d.getMetadata().getAnnotations() != null) {
            for (Map.Entry<String, String> e : d.getMetadata().getAnnotations().entrySet()) {
                if (NOT_COPIED.contains(e.getKey()) || e.getValue().equals(annotations.get(e.getKey()))) {
                    continue;
                }
                annotations.put(e.getKey(), e.getValue());
                changed = true;
            }
        }
        String oldRevision = annotations.get(REVISION);
        int oldRevisionInt = 0;
        if (oldRevision != null) {
            try {
                oldRevisionInt = Integer.parseInt(oldRevision);
            } catch (NumberFormatException e) {
                oldRevisionInt = 0;
            }
        }
        if (oldRevisionInt < newRevision) {
            annotations.put(REVISION, String.valueOf(newRevision));
            changed = true;
            if (oldRevision != null && !oldRevision.isEmpty()) {
                String history = annotations.get(REVISION_HISTORY);
                if (history == null || history.isEmpty()) {
                    annotations.put(REVISION_HISTORY, oldRevision);
                } else {
                    List<String> revisions = new ArrayList<>(List.of(history.split(",")));
                    int total = history.length() + oldRevision.length() + 1;
                    while (total > MAX_REVISION_HISTORY_CHARS && !revisions.isEmpty()) {
                        total -= revisions.remove(0).length() + 1;
                    }
                    revisions.add(oldRevision);
                    annotations.put(REVISION_HISTORY, String.join(",", revisions));
                }
            }
        }
        if (!exists && setReplicasAnnotations(rs, replicas(d), replicas(d) + maxSurge(d))) {
            changed = true;
        }
        return changed;
    }

    /** Oldest first, then by name ({@code ReplicaSetsByCreationTimestamp}). */
    static final Comparator<ReplicaSet> BY_CREATION = Comparator
            .comparing((ReplicaSet rs) -> created(rs), Comparator.nullsFirst(Comparator.naturalOrder()))
            .thenComparing(rs -> rs.getMetadata().getName());

    /** Lowest revision first, then oldest ({@code ReplicaSetsByRevision}). */
    static final Comparator<ReplicaSet> BY_REVISION =
            Comparator.comparingInt(Rollouts::revision).thenComparing(BY_CREATION);

    static Instant created(ReplicaSet rs) {
        return Times.parse(rs.getMetadata().getCreationTimestamp());
    }

    static List<ReplicaSet> active(List<ReplicaSet> sets) {
        return sets.stream().filter(rs -> rs != null && replicas(rs) > 0).toList();
    }

    // ---- conditions --------------------------------------------------------------------------

    static DeploymentCondition condition(DeploymentStatus status, String type) {
        if (status == null || status.getConditions() == null) {
            return null;
        }
        for (DeploymentCondition c : status.getConditions()) {
            if (type.equals(c.getType())) {
                return c;
            }
        }
        return null;
    }

    static DeploymentCondition newCondition(String type, String status, String reason, String message, Instant now) {
        String time = Times.format(now);
        return new io.fabric8.kubernetes.api.model.apps.DeploymentConditionBuilder()
                .withType(type)
                .withStatus(status)
                .withReason(reason)
                .withMessage(message)
                .withLastUpdateTime(time)
                .withLastTransitionTime(time)
                .build();
    }

    /**
     * {@code SetDeploymentCondition}: a condition with the same status and reason is kept as it
     * is; with the same status its transition time is kept.
     */
    static void setCondition(DeploymentStatus status, DeploymentCondition condition) {
        DeploymentCondition current = condition(status, condition.getType());
        if (current != null && Objects.equals(current.getStatus(), condition.getStatus())
                && Objects.equals(current.getReason(), condition.getReason())) {
            return;
        }
        if (current != null && Objects.equals(current.getStatus(), condition.getStatus())) {
            condition.setLastTransitionTime(current.getLastTransitionTime());
        }
        removeCondition(status, condition.getType());
        status.getConditions().add(condition);
    }

    static void removeCondition(DeploymentStatus status, String type) {
        List<DeploymentCondition> kept = new ArrayList<>();
        if (status.getConditions() != null) {
            for (DeploymentCondition c : status.getConditions()) {
                if (!type.equals(c.getType())) {
                    kept.add(c);
                }
            }
        }
        status.setConditions(kept);
    }

    static int nz(Integer value) {
        return value == null ? 0 : value;
    }

    static long nz(Long value) {
        return value == null ? 0 : value;
    }

    /** Every replica updated and available, and the newest spec observed ({@code DeploymentComplete}). */
    static boolean complete(Deployment d, DeploymentStatus status) {
        int desired = replicas(d);
        return nz(status.getUpdatedReplicas()) == desired
                && nz(status.getReplicas()) == desired
                && nz(status.getAvailableReplicas()) == desired
                && nz(status.getObservedGeneration()) >= nz(d.getMetadata().getGeneration());
    }

    /** Any sign of progress between the stored status and {@code next} ({@code DeploymentProgressing}). */
    static boolean progressing(Deployment d, DeploymentStatus next) {
        DeploymentStatus old = d.getStatus() == null ? new DeploymentStatus() : d.getStatus();
        int oldOld = nz(old.getReplicas()) - nz(old.getUpdatedReplicas());
        int newOld = nz(next.getReplicas()) - nz(next.getUpdatedReplicas());
        return nz(next.getUpdatedReplicas()) > nz(old.getUpdatedReplicas())
                || newOld < oldOld
                || nz(next.getReadyReplicas()) > nz(old.getReadyReplicas())
                || nz(next.getAvailableReplicas()) > nz(old.getAvailableReplicas());
    }

    /** The Progressing condition has not been updated within the deadline ({@code DeploymentTimedOut}). */
    static boolean timedOut(Deployment d, DeploymentStatus status, Instant now) {
        Integer deadline = progressDeadlineSeconds(d);
        DeploymentCondition c = condition(status, PROGRESSING);
        if (deadline == null || c == null || "NewReplicaSetAvailable".equals(c.getReason())) {
            return false;
        }
        if ("ProgressDeadlineExceeded".equals(c.getReason())) {
            return true;
        }
        Instant from = Times.parse(c.getLastUpdateTime());
        return from != null && from.plusSeconds(deadline).isBefore(now);
    }
}
