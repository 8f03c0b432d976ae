package io.karavel.scheduler.plugins;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Taint;
import io.karavel.api.scheduler.NodeInfo;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What the built-in plugins read from a node, extracted once per node change rather than once per
 * pod and plugin: a cycle evaluates hundreds of nodes, and walking each Node object's tree again
 * for every plugin is what filtering would otherwise spend its time on. The scheduler's node
 * snapshots carry these; other {@link NodeInfo}s get them computed on demand.
 *
 * @param ready the {@code Ready} condition is {@code True}
 * @param unschedulable {@code spec.unschedulable}
 * @param taints {@code spec.taints}, never null
 * @param labels the node's labels, never null
 * @param controllerCounts per {@code namespace/controllerUid}, how many of the node's pods it controls
 */
public record NodeFacts(
        boolean ready, boolean unschedulable, List<Taint> taints, Map<String, String> labels,
        Map<String, Integer> controllerCounts) {

    /** Something that carries precomputed facts (the scheduler's node snapshots). */
    public interface Carrier {
        NodeFacts facts();
    }

    public static NodeFacts of(NodeInfo node) {
        if (node instanceof Carrier carrier) {
            return carrier.facts();
        }
        return compute(node.node(), node.pods());
    }

    public static NodeFacts compute(Node node, List<Pod> pods) {
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
        for (Pod p : pods) {
            String owner = Pods.controllerUid(p);
            if (owner != null) {
                if (counts == null) {
                    counts = new HashMap<>();
                }
                counts.merge(p.getMetadata().getNamespace() + "/" + owner, 1, Integer::sum);
            }
        }
        return new NodeFacts(ready, unschedulable, taints, labels, counts == null ? Map.of() : counts);
    }
}
