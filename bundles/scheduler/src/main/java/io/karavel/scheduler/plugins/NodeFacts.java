package io.karavel.scheduler.plugins;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Taint;
import io.karavel.api.scheduler.NodeInfo;
import io.karavel.api.scheduler.Resources;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What the built-in plugins read from a node, extracted once per node change rather than once per
 * pod and plugin. A cycle evaluates hundreds of nodes and is bound by memory access: the
 * scheduler's node snapshots implement this interface with plain fields, so that a filter reads
 * one object per node instead of walking the Node's object tree and the resource records. Other
 * {@link NodeInfo}s get the facts computed on demand.
 */
public interface NodeFacts {
    /** The {@code Ready} condition is {@code True}. */
    boolean ready();

    /** {@code spec.unschedulable}. */
    boolean unschedulable();

    /** {@code spec.taints}, never null. */
    List<Taint> taints();

    /** The node's labels, never null. */
    Map<String, String> labels();

    /** Per {@code namespace/controllerUid}, how many of the node's pods it controls. */
    Map<String, Integer> controllerCounts();

    long allocatableMilliCpu();

    long allocatableMemory();

    long allocatablePods();

    long requestedMilliCpu();

    long requestedMemory();

    long requestedPods();

    /**
     * Requested CPU counting each pod without a CPU request as {@link ResourceScores#DEFAULT_MILLI_CPU}
     * (Kubernetes' NonZeroRequested): what the resource scores compare.
     */
    long nonZeroRequestedMilliCpu();

    /** Requested memory, a pod without a memory request counting {@link ResourceScores#DEFAULT_MEMORY}. */
    long nonZeroRequestedMemory();

    static NodeFacts of(NodeInfo node) {
        if (node instanceof NodeFacts facts) {
            return facts;
        }
        return Computed.of(node.node(), node.pods(), node.allocatable(), node.requested());
    }

    /** The facts as values, for node snapshots that do not carry them. */
    record Computed(
            boolean ready, boolean unschedulable, List<Taint> taints, Map<String, String> labels,
            Map<String, Integer> controllerCounts, long allocatableMilliCpu, long allocatableMemory,
            long allocatablePods, long requestedMilliCpu, long requestedMemory, long requestedPods,
            long nonZeroRequestedMilliCpu, long nonZeroRequestedMemory)
            implements NodeFacts {

        public static Computed of(Node node, List<Pod> pods, Resources allocatable, Resources requested) {
            boolean ready = false;
            if (node.getStatus() != null && node.getStatus().getConditions() != null) {
                for (NodeCondition c : node.getStatus().getConditions()) {
                    if ("Ready".equals(c.getType())) {
                        ready = "True".equals(c.getStatus());
                    }
                }
            }
            boolean unschedulable = node.getSpec() != null && Boolean.TRUE.equals(node.getSpec().getUnschedulable());
            List<Taint> taints = List.copyOf(Pods.taints(node));
            Map<String, String> labels = node.getMetadata().getLabels() == null ? Map.of() : node.getMetadata().getLabels();
            Map<String, Integer> counts = null;
            long nonZeroCpu = 0;
            long nonZeroMemory = 0;
            for (Pod p : pods) {
                Resources r = Pods.requests(p);
                nonZeroCpu += r.milliCpu() == 0 ? ResourceScores.DEFAULT_MILLI_CPU : r.milliCpu();
                nonZeroMemory += r.memoryBytes() == 0 ? ResourceScores.DEFAULT_MEMORY : r.memoryBytes();
                String owner = Pods.controllerUid(p);
                if (owner != null) {
                    if (counts == null) {
                        counts = new HashMap<>();
                    }
                    counts.merge(p.getMetadata().getNamespace() + "/" + owner, 1, Integer::sum);
                }
            }
            return new Computed(ready, unschedulable, taints, labels, counts == null ? Map.of() : counts,
                    allocatable.milliCpu(), allocatable.memoryBytes(), allocatable.pods(),
                    requested.milliCpu(), requested.memoryBytes(), requested.pods(), nonZeroCpu, nonZeroMemory);
        }
    }
}
