package io.karavel.controllers.support;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;

/** Pod state as the Kubernetes controllers judge it ({@code podutil} and {@code controller.ActivePods}). */
public final class Pods {
    private Pods() {}

    /** The pod's {@code Ready} condition, or null. */
    public static PodCondition readyCondition(Pod pod) {
        if (pod.getStatus() == null || pod.getStatus().getConditions() == null) {
            return null;
        }
        for (PodCondition c : pod.getStatus().getConditions()) {
            if ("Ready".equals(c.getType())) {
                return c;
            }
        }
        return null;
    }

    /** True when the {@code Ready} condition is {@code True}. */
    public static boolean isPodReady(Pod pod) {
        PodCondition c = readyCondition(pod);
        return c != null && "True".equals(c.getStatus());
    }

    /**
     * True when the pod is ready and has been for more than {@code minReadySeconds} at {@code now}
     * (any ready pod when it is 0), measured from the Ready condition's last transition.
     */
    public static boolean isPodAvailable(Pod pod, int minReadySeconds, Instant now) {
        if (!isPodReady(pod)) {
            return false;
        }
        if (minReadySeconds <= 0) {
            return true;
        }
        Instant since = Times.parse(readyCondition(pod).getLastTransitionTime());
        return since != null && since.plusSeconds(minReadySeconds).isBefore(now);
    }

    /**
     * How long until a ready but not yet available pod becomes available; null when the pod is
     * not ready, already available or has no transition time.
     */
    public static Duration untilAvailable(Pod pod, int minReadySeconds, Instant now) {
        if (minReadySeconds <= 0 || !isPodReady(pod) || isPodAvailable(pod, minReadySeconds, now)) {
            return null;
        }
        Instant since = Times.parse(readyCondition(pod).getLastTransitionTime());
        if (since == null) {
            return null;
        }
        // isPodAvailable wants "strictly after": one second more than the bare difference.
        Duration left = Duration.between(now, since.plusSeconds(minReadySeconds)).plusSeconds(1);
        return left.isNegative() ? Duration.ofSeconds(1) : left;
    }

    /** True once the pod is being deleted. */
    public static boolean isTerminating(Pod pod) {
        return pod.getMetadata().getDeletionTimestamp() != null;
    }

    /** True when the pod is not terminating and not finished ({@code Succeeded} or {@code Failed}). */
    public static boolean isActive(Pod pod) {
        String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
        return !"Succeeded".equals(phase) && !"Failed".equals(phase) && !isTerminating(pod);
    }

    /** {@code namespace/name}, the key expectations track deletions by. */
    public static String key(Pod pod) {
        return pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName();
    }

    /**
     * Kubernetes' {@code ActivePods} order: the pods a controller should delete first come first.
     * Unscheduled before scheduled; Pending before Unknown before Running; not ready before ready;
     * of two ready pods the one ready more recently; more container restarts first; newer
     * (or without creation time) before older; then by name, for a stable order.
     */
    public static final Comparator<Pod> DELETION_ORDER = Pods::compareForDeletion;

    private static int compareForDeletion(Pod a, Pod b) {
        String nodeA = nodeName(a);
        String nodeB = nodeName(b);
        if (!nodeA.equals(nodeB) && (nodeA.isEmpty() || nodeB.isEmpty())) {
            return nodeA.isEmpty() ? -1 : 1;
        }
        int phase = Integer.compare(phaseOrdinal(a), phaseOrdinal(b));
        if (phase != 0) {
            return phase;
        }
        boolean readyA = isPodReady(a);
        boolean readyB = isPodReady(b);
        if (readyA != readyB) {
            return readyA ? 1 : -1;
        }
        if (readyA) {
            int ready = newerOrZeroFirst(
                    Times.parse(readyCondition(a).getLastTransitionTime()),
                    Times.parse(readyCondition(b).getLastTransitionTime()));
            if (ready != 0) {
                return ready;
            }
        }
        int restarts = Integer.compare(maxRestarts(b), maxRestarts(a));
        if (restarts != 0) {
            return restarts;
        }
        int created = newerOrZeroFirst(
                Times.parse(a.getMetadata().getCreationTimestamp()), Times.parse(b.getMetadata().getCreationTimestamp()));
        if (created != 0) {
            return created;
        }
        return a.getMetadata().getName().compareTo(b.getMetadata().getName());
    }

    private static String nodeName(Pod pod) {
        String node = pod.getSpec() == null ? null : pod.getSpec().getNodeName();
        return node == null ? "" : node;
    }

    private static int phaseOrdinal(Pod pod) {
        String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
        if ("Running".equals(phase)) {
            return 2;
        }
        return "Unknown".equals(phase) ? 1 : 0;
    }

    /** Missing times first, then the later instant first. */
    private static int newerOrZeroFirst(Instant a, Instant b) {
        if (a == null || b == null) {
            return a == null && b == null ? 0 : (a == null ? -1 : 1);
        }
        return b.compareTo(a);
    }

    private static int maxRestarts(Pod pod) {
        if (pod.getStatus() == null || pod.getStatus().getContainerStatuses() == null) {
            return 0;
        }
        int max = 0;
        List<ContainerStatus> statuses = pod.getStatus().getContainerStatuses();
        for (ContainerStatus s : statuses) {
            if (s.getRestartCount() != null) {
                max = Math.max(max, s.getRestartCount());
            }
        }
        return max;
    }
}
