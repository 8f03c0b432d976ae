package io.karavel.controllers.nodelifecycle;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.NodeConditionBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.TaintBuilder;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.karavel.api.client.ApiStatusException;
import io.karavel.api.controller.Caches;
import io.karavel.api.controller.ControllerSpec;
import io.karavel.api.controller.EventRecorder;
import io.karavel.api.controller.ObjectKey;
import io.karavel.api.controller.ReconcileContext;
import io.karavel.api.controller.Reconciler;
import io.karavel.api.controller.Result;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kubernetes' node lifecycle controller: tells live nodes from dead ones by their Lease in
 * {@code kube-node-lease}, marks dead ones Unknown, taints nodes that are unreachable, not ready
 * or cordoned, marks the pods of failing nodes not ready and evicts them once their toleration of
 * the {@code NoExecute} taint runs out (the taint manager). Waits for deadlines by requeueing the
 * node at the next one, never by polling.
 */
@Component(name = NodeLifecycleController.PID, configurationPid = NodeLifecycleController.PID, service = Reconciler.class)
@Designate(ocd = NodeLifecycleController.Config.class)
public final class NodeLifecycleController implements Reconciler {
    public static final String PID = "io.karavel.controllers.nodelifecycle";

    static final String LEASE_NAMESPACE = "kube-node-lease";
    static final String UNREACHABLE = "node.kubernetes.io/unreachable";
    static final String NOT_READY = "node.kubernetes.io/not-ready";
    static final String UNSCHEDULABLE = "node.kubernetes.io/unschedulable";
    /** The taints this controller owns; others (set by users) are left as they are. */
    private static final Set<String> MANAGED_KEYS = Set.of(UNREACHABLE, NOT_READY, UNSCHEDULABLE);
    /** Conditions the kubelet posts: they are only true while it posts them. */
    private static final List<String> KUBELET_CONDITIONS = List.of("Ready", "MemoryPressure", "DiskPressure", "PIDPressure");

    private static final Logger LOG = LoggerFactory.getLogger(NodeLifecycleController.class);

    @ObjectClassDefinition(name = "Karavel node lifecycle controller",
            description = "Marks nodes whose Lease is not renewed Unknown, taints failing and cordoned nodes, evicts their pods")
    public @interface Config {
        @AttributeDefinition(name = "node.monitor.grace.period.seconds",
                description = "How long a node's Lease may go unrenewed before the node is considered unreachable")
        long node_monitor_grace_period_seconds() default 40;

        @AttributeDefinition(name = "default.toleration.seconds",
                description = "How long pods without a toleration for the not-ready/unreachable NoExecute taints stay on such a node before eviction")
        long default_toleration_seconds() default 300;

        @AttributeDefinition(name = "workers", description = "Nodes reconciled in parallel")
        int workers() default 2;
    }

    private final Duration gracePeriod;
    private final Duration defaultToleration;
    private final int workers;

    @Activate
    public NodeLifecycleController(Config config) {
        this(Duration.ofSeconds(config.node_monitor_grace_period_seconds()),
                Duration.ofSeconds(config.default_toleration_seconds()), config.workers());
    }

    public NodeLifecycleController(Duration gracePeriod, Duration defaultToleration, int workers) {
        this.gracePeriod = gracePeriod;
        this.defaultToleration = defaultToleration;
        this.workers = workers;
    }

    @Override
    public ControllerSpec spec() {
        return ControllerSpec.builder("nodelifecycle", Node.class)
                .watches(Lease.class, (lease, caches) -> LEASE_NAMESPACE.equals(lease.getMetadata().getNamespace())
                        ? List.of(ObjectKey.cluster(lease.getMetadata().getName()))
                        : List.of())
                .watches(Pod.class, NodeLifecycleController::nodeOfPodOnTaintedNode)
                .workers(workers)
                .build();
    }

    /**
     * A pod matters only while its node has a NoExecute taint (it may have to be evicted); other
     * pod changes would just wake the node's reconcile for nothing.
     */
    private static List<ObjectKey> nodeOfPodOnTaintedNode(HasMetadata object, Caches caches) {
        String nodeName = ((Pod) object).getSpec() == null ? null : ((Pod) object).getSpec().getNodeName();
        if (nodeName == null || nodeName.isEmpty()) {
            return List.of();
        }
        return caches.of(Node.class).get(null, nodeName)
                .filter(node -> taints(node).stream().anyMatch(t -> Taints.NO_EXECUTE.equals(t.getEffect())))
                .map(node -> List.of(ObjectKey.cluster(nodeName)))
                .orElse(List.of());
    }

    @Override
    public Result reconcile(ObjectKey key, ReconcileContext context) {
        Node node = context.caches().of(Node.class).get(null, key.name()).orElse(null);
        if (node == null) {
            return Result.done();
        }
        Instant now = context.clock().instant();
        Lease lease = context.caches().of(Lease.class).get(LEASE_NAMESPACE, key.name()).orElse(null);
        Instant heartbeat = lastHeartbeat(node, lease);
        Instant expiry = heartbeat.plus(gracePeriod);
        boolean unreachable = !now.isBefore(expiry);
        NodeCondition ready = condition(node, "Ready");
        // A renewed Lease with Ready still Unknown (written by us while the kubelet was away) is a
        // live node whose kubelet has not reposted yet: not a not-ready one.
        boolean notReady = !unreachable && ready != null && "False".equals(ready.getStatus());
        EventRecorder events = context.events();

        Node current = node;
        if (unreachable) {
            Node marked = markUnknown(node, now);
            if (marked != null) {
                current = context.client().updateStatus(marked);
                if (ready == null || !"Unknown".equals(ready.getStatus())) {
                    events.event(node, EventRecorder.NORMAL, "NodeNotReady", "Node " + key.name() + " status is now: NodeNotReady");
                }
            }
        }

        List<Taint> wanted = wantedTaints(current, unreachable, notReady, now);
        if (!wanted.equals(taints(current))) {
            boolean wasFailing = hasFailureTaint(taints(current));
            boolean nowFailing = hasFailureTaint(wanted);
            Node tainted = new NodeBuilder(current).editOrNewSpec().withTaints(wanted).endSpec().build();
            current = context.client().update(tainted);
            if (nowFailing && !wasFailing && notReady) {
                events.event(node, EventRecorder.NORMAL, "NodeNotReady", "Node " + key.name() + " status is now: NodeNotReady");
            } else if (wasFailing && !nowFailing) {
                events.event(node, EventRecorder.NORMAL, "NodeReady", "Node " + key.name() + " status is now: NodeReady");
            }
        }

        Instant next = unreachable ? null : expiry;
        List<Taint> noExecute = wanted.stream().filter(t -> Taints.NO_EXECUTE.equals(t.getEffect())).toList();
        if (!noExecute.isEmpty()) {
            Instant eviction = handlePods(key.name(), noExecute, unreachable || notReady, now, context);
            next = earliest(next, eviction);
        }
        return next == null ? Result.done() : Result.requeueAfter(Duration.between(now, next));
    }

    /**
     * Marks the node's pods not ready (when the node fails) and evicts those whose toleration ran
     * out.
     *
     * @return the next eviction deadline, null if none
     */
    private Instant handlePods(String nodeName, List<Taint> noExecute, boolean failing, Instant now, ReconcileContext context) {
        Instant next = null;
        RuntimeException failure = null;
        for (Pod pod : context.caches().of(Pod.class).list(null)) {
            if (pod.getSpec() == null || !nodeName.equals(pod.getSpec().getNodeName())
                    || pod.getMetadata().getDeletionTimestamp() != null) {
                continue;
            }
            try {
                Instant deadline = evictionDeadline(pod, noExecute, now);
                if (deadline != null && !deadline.isAfter(now)) {
                    evict(pod, context);
                    continue;
                }
                next = earliest(next, deadline);
                if (failing) {
                    markNotReady(pod, now, context);
                }
            } catch (RuntimeException e) {
                // One pod's conflict must not starve the others: finish the pass, then retry.
                LOG.debug("node {}: pod {}/{} not handled yet: {}", nodeName, pod.getMetadata().getNamespace(),
                        pod.getMetadata().getName(), e.toString());
                if (failure == null) {
                    failure = e;
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
        return next;
    }

    /**
     * When the pod must leave: the earliest of, over the node's NoExecute taints, the taint's
     * {@code timeAdded} plus the pod's shortest matching {@code tolerationSeconds}; a taint
     * tolerated without {@code tolerationSeconds} never evicts; an untolerated not-ready or
     * unreachable taint gets the default toleration (Kubernetes' DefaultTolerationSeconds
     * admission), any other untolerated one evicts at once.
     *
     * @return null when the pod tolerates every taint forever
     */
    Instant evictionDeadline(Pod pod, List<Taint> noExecute, Instant now) {
        Instant deadline = null;
        List<Toleration> tolerations = pod.getSpec().getTolerations();
        for (Taint taint : noExecute) {
            Instant start = Taints.parse(taint.getTimeAdded());
            if (start == null) {
                start = now;
            }
            List<Toleration> matching = Taints.matching(tolerations, taint);
            Duration allowed;
            if (matching.isEmpty()) {
                allowed = UNREACHABLE.equals(taint.getKey()) || NOT_READY.equals(taint.getKey()) ? defaultToleration : Duration.ZERO;
            } else if (matching.stream().anyMatch(t -> t.getTolerationSeconds() == null)) {
                continue;
            } else {
                long seconds = matching.stream().mapToLong(Toleration::getTolerationSeconds).min().orElse(0);
                allowed = Duration.ofSeconds(Math.max(0, seconds));
            }
            deadline = earliest(deadline, start.plus(allowed));
        }
        return deadline;
    }

    private static void evict(Pod pod, ReconcileContext context) {
        String ns = pod.getMetadata().getNamespace();
        String name = pod.getMetadata().getName();
        try {
            // Graceful: the node agent (if it comes back) stops the containers; otherwise the pod
            // waits for its grace period like in Kubernetes.
            context.client().delete(Pod.class, ns, name, null);
        } catch (ApiStatusException e) {
            if (!e.isNotFound()) {
                throw e;
            }
            return;
        }
        context.events().event(pod, EventRecorder.NORMAL, "TaintManagerEviction", "Marking for deletion Pod " + ns + "/" + name);
    }

    private static void markNotReady(Pod pod, Instant now, ReconcileContext context) {
        if (pod.getStatus() == null || pod.getStatus().getConditions() == null) {
            return;
        }
        String phase = pod.getStatus().getPhase();
        if ("Succeeded".equals(phase) || "Failed".equals(phase)) {
            return;
        }
        boolean changed = false;
        List<PodCondition> conditions = new ArrayList<>();
        for (PodCondition c : pod.getStatus().getConditions()) {
            if ("Ready".equals(c.getType()) && !"False".equals(c.getStatus())) {
                conditions.add(new io.fabric8.kubernetes.api.model.PodConditionBuilder(c)
                        .withStatus("False").withLastTransitionTime(Taints.format(now)).build());
                changed = true;
            } else {
                conditions.add(c);
            }
        }
        if (changed) {
            context.client().updateStatus(new PodBuilder(pod).editStatus().withConditions(conditions).endStatus().build());
        }
    }

    /** The node with its kubelet-owned conditions set to Unknown; null when they already are. */
    private static Node markUnknown(Node node, Instant now) {
        List<NodeCondition> conditions = node.getStatus() == null || node.getStatus().getConditions() == null
                ? List.of()
                : node.getStatus().getConditions();
        List<NodeCondition> updated = new ArrayList<>();
        boolean changed = false;
        boolean sawReady = false;
        for (NodeCondition c : conditions) {
            sawReady |= "Ready".equals(c.getType());
            if (KUBELET_CONDITIONS.contains(c.getType()) && !"Unknown".equals(c.getStatus())) {
                updated.add(new NodeConditionBuilder(c)
                        .withStatus("Unknown")
                        .withReason("NodeStatusUnknown")
                        .withMessage("Kubelet stopped posting node status.")
                        .withLastTransitionTime(Taints.format(now))
                        .build());
                changed = true;
            } else {
                updated.add(c);
            }
        }
        if (!sawReady) {
            updated.add(new NodeConditionBuilder()
                    .withType("Ready").withStatus("Unknown").withReason("NodeStatusNeverUpdated")
                    .withMessage("Kubelet never posted node status.").withLastTransitionTime(Taints.format(now))
                    .build());
            changed = true;
        }
        if (!changed) {
            return null;
        }
        return new NodeBuilder(node).editOrNewStatus().withConditions(updated).endStatus().build();
    }

    /** The node's taints with the managed ones made to match its state, keeping their {@code timeAdded}. */
    private static List<Taint> wantedTaints(Node node, boolean unreachable, boolean notReady, Instant now) {
        List<Taint> want = new ArrayList<>();
        if (unreachable) {
            want.add(taint(UNREACHABLE, Taints.NO_SCHEDULE, now));
            want.add(taint(UNREACHABLE, Taints.NO_EXECUTE, now));
        } else if (notReady) {
            want.add(taint(NOT_READY, Taints.NO_SCHEDULE, now));
            want.add(taint(NOT_READY, Taints.NO_EXECUTE, now));
        }
        if (node.getSpec() != null && Boolean.TRUE.equals(node.getSpec().getUnschedulable())) {
            want.add(taint(UNSCHEDULABLE, Taints.NO_SCHEDULE, now));
        }
        List<Taint> result = new ArrayList<>();
        for (Taint t : taints(node)) {
            if (!MANAGED_KEYS.contains(t.getKey()) || want.stream().anyMatch(w -> Taints.sameKeyAndEffect(w, t))) {
                result.add(t);
            }
        }
        for (Taint w : want) {
            if (result.stream().noneMatch(t -> Taints.sameKeyAndEffect(w, t))) {
                result.add(w);
            }
        }
        return result;
    }

    private static boolean hasFailureTaint(List<Taint> taints) {
        return taints.stream().anyMatch(t -> UNREACHABLE.equals(t.getKey()) || NOT_READY.equals(t.getKey()));
    }

    private static Taint taint(String key, String effect, Instant now) {
        return new TaintBuilder().withKey(key).withEffect(effect).withTimeAdded(Taints.format(now)).build();
    }

    private static List<Taint> taints(Node node) {
        return node.getSpec() == null || node.getSpec().getTaints() == null ? List.of() : node.getSpec().getTaints();
    }

    private static NodeCondition condition(Node node, String type) {
        if (node.getStatus() == null || node.getStatus().getConditions() == null) {
            return null;
        }
        return node.getStatus().getConditions().stream().filter(c -> type.equals(c.getType())).findFirst().orElse(null);
    }

    /**
     * The last sign of life: the Lease's renewal, the Ready condition's heartbeat, or, for a node
     * that never posted anything, its creation (so a fresh node gets one grace period).
     */
    private static Instant lastHeartbeat(Node node, Lease lease) {
        Instant last = Taints.parse(node.getMetadata().getCreationTimestamp());
        if (lease != null && lease.getSpec() != null) {
            java.time.ZonedDateTime renewed = lease.getSpec().getRenewTime();
            last = latest(last, renewed == null ? null : renewed.toInstant());
        }
        NodeCondition ready = condition(node, "Ready");
        if (ready != null) {
            last = latest(last, Taints.parse(ready.getLastHeartbeatTime()));
        }
        return last == null ? Instant.EPOCH : last;
    }

    private static Instant latest(Instant a, Instant b) {
        return a == null ? b : b == null ? a : a.isAfter(b) ? a : b;
    }

    private static Instant earliest(Instant a, Instant b) {
        return a == null ? b : b == null ? a : a.isBefore(b) ? a : b;
    }
}
