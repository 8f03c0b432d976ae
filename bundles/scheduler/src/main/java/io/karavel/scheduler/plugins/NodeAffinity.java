package io.karavel.scheduler.plugins;

import io.fabric8.kubernetes.api.model.NodeSelectorTerm;
import io.fabric8.kubernetes.api.model.PreferredSchedulingTerm;
import io.karavel.api.controller.Selectors;
import io.karavel.api.scheduler.FilterPlugin;
import io.karavel.api.scheduler.FilterStatus;
import io.karavel.api.scheduler.NodeInfo;
import io.karavel.api.scheduler.PodInfo;
import io.karavel.api.scheduler.SchedulerPlugin;
import io.karavel.api.scheduler.ScorePlugin;
import java.util.List;
import java.util.Map;
import org.osgi.service.component.annotations.Component;

/**
 * Filters nodes by the pod's {@code nodeSelector} and its required node affinity (any term may
 * match); scores them by the summed weights of the preferred terms they match, the best node
 * scoring 100, as Kubernetes' NodeAffinity.
 */
@Component(
        service = {FilterPlugin.class, ScorePlugin.class},
        property = SchedulerPlugin.NAME_PROPERTY + "=" + NodeAffinity.NAME)
public final class NodeAffinity implements FilterPlugin, ScorePlugin {
    public static final String NAME = "NodeAffinity";
    static final String REASON = "node(s) didn't match Pod's node affinity/selector";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public FilterStatus filter(PodInfo pod, NodeInfo node) {
        PodFacts facts = PodFacts.of(pod);
        if (facts.nodeSelector == null && facts.requiredTerms == null) {
            return Pods.SKIP;
        }
        Map<String, String> labels = NodeFacts.of(node).labels();
        if (facts.nodeSelector != null && !Selectors.matches(facts.nodeSelector, labels)) {
            return FilterStatus.unresolvable(REASON);
        }
        if (facts.requiredTerms == null) {
            return FilterStatus.success();
        }
        for (NodeSelectorTerm term : facts.requiredTerms) {
            if (Selectors.matches(term, node.name(), labels)) {
                return FilterStatus.success();
            }
        }
        return FilterStatus.unresolvable(REASON);
    }

    @Override
    public long score(PodInfo pod, NodeInfo node) {
        List<PreferredSchedulingTerm> preferred = PodFacts.of(pod).preferredTerms;
        if (preferred.isEmpty()) {
            return 0;
        }
        long sum = 0;
        Map<String, String> labels = NodeFacts.of(node).labels();
        for (PreferredSchedulingTerm term : preferred) {
            if (term.getWeight() != null && term.getWeight() > 0 && term.getPreference() != null
                    && Selectors.matches(term.getPreference(), node.name(), labels)) {
                sum += term.getWeight();
            }
        }
        return sum;
    }

    @Override
    public void normalize(PodInfo pod, List<NodeInfo> nodes, long[] scores) {
        Scores.normalize(scores, false);
    }
}
