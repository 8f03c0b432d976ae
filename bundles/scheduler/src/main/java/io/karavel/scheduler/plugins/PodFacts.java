package io.karavel.scheduler.plugins;

import io.fabric8.kubernetes.api.model.Affinity;
import io.fabric8.kubernetes.api.model.NodeSelectorTerm;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PreferredSchedulingTerm;
import io.fabric8.kubernetes.api.model.Toleration;
import io.karavel.api.scheduler.PodInfo;
import java.util.List;
import java.util.Map;

/**
 * What the built-in plugins read from the pod being scheduled, extracted once per cycle (the
 * role of PreFilter/PreScore in Kubernetes): plugins are called for hundreds of nodes with the
 * same {@link PodInfo}, so the last one's facts are kept.
 */
final class PodFacts {
    private static volatile PodFacts last;

    final PodInfo info;
    final List<Toleration> tolerations;
    final Map<String, String> nodeSelector;
    /** Null when there is no required node affinity. */
    final List<NodeSelectorTerm> requiredTerms;
    final List<PreferredSchedulingTerm> preferredTerms;
    final List<String> hostPorts;
    /** {@code namespace/controllerUid}, or null without a controller. */
    final String controllerKey;

    private PodFacts(PodInfo info) {
        this.info = info;
        Pod pod = info.pod();
        tolerations = List.copyOf(Pods.tolerations(pod));
        Map<String, String> selector = pod.getSpec() == null ? null : pod.getSpec().getNodeSelector();
        nodeSelector = selector == null || selector.isEmpty() ? null : selector;
        Affinity affinity = pod.getSpec() == null ? null : pod.getSpec().getAffinity();
        var nodeAffinity = affinity == null ? null : affinity.getNodeAffinity();
        var required = nodeAffinity == null ? null : nodeAffinity.getRequiredDuringSchedulingIgnoredDuringExecution();
        requiredTerms = required == null ? null : Pods.nullSafe(required.getNodeSelectorTerms());
        preferredTerms = nodeAffinity == null
                ? List.of()
                : Pods.nullSafe(nodeAffinity.getPreferredDuringSchedulingIgnoredDuringExecution());
        hostPorts = Pods.hostPorts(pod);
        String owner = Pods.controllerUid(pod);
        controllerKey = owner == null ? null : pod.getMetadata().getNamespace() + "/" + owner;
    }

    static PodFacts of(PodInfo info) {
        PodFacts facts = last;
        if (facts != null && facts.info == info) {
            return facts;
        }
        facts = new PodFacts(info);
        last = facts;
        return facts;
    }
}
