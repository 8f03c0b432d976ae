package io.karavel.scheduler.plugins;

import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.Toleration;
import io.karavel.api.scheduler.FilterPlugin;
import io.karavel.api.scheduler.FilterStatus;
import io.karavel.api.scheduler.NodeInfo;
import io.karavel.api.scheduler.PodInfo;
import io.karavel.api.scheduler.SchedulerPlugin;
import io.karavel.api.scheduler.ScorePlugin;
import java.util.List;
import org.osgi.service.component.annotations.Component;

/**
 * Filters out nodes with a {@code NoSchedule} or {@code NoExecute} taint the pod does not
 * tolerate; scores nodes by how few {@code PreferNoSchedule} taints the pod does not tolerate
 * (fewest scores 100), as Kubernetes' TaintToleration.
 */
@Component(
        service = {FilterPlugin.class, ScorePlugin.class},
        property = SchedulerPlugin.NAME_PROPERTY + "=" + TaintToleration.NAME)
public final class TaintToleration implements FilterPlugin, ScorePlugin {
    public static final String NAME = "TaintToleration";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public FilterStatus filter(PodInfo pod, NodeInfo node) {
        List<Taint> taints = NodeFacts.of(node).taints();
        if (taints.isEmpty()) {
            return FilterStatus.success();
        }
        List<Toleration> tolerations = PodFacts.of(pod).tolerations;
        for (Taint taint : taints) {
            String effect = taint.getEffect();
            if (("NoSchedule".equals(effect) || "NoExecute".equals(effect)) && !Pods.tolerates(tolerations, taint)) {
                return FilterStatus.unresolvable("node(s) had untolerated taint {" + taint.getKey() + ": "
                        + (taint.getValue() == null ? "" : taint.getValue()) + "}");
            }
        }
        return FilterStatus.success();
    }

    @Override
    public long score(PodInfo pod, NodeInfo node) {
        List<Taint> taints = NodeFacts.of(node).taints();
        if (taints.isEmpty()) {
            return 0;
        }
        // Only tolerations that could apply to PreferNoSchedule count, as in Kubernetes.
        List<Toleration> tolerations = PodFacts.of(pod).tolerations.stream()
                .filter(t -> t.getEffect() == null || t.getEffect().isEmpty() || "PreferNoSchedule".equals(t.getEffect()))
                .toList();
        long intolerable = 0;
        for (Taint taint : taints) {
            if ("PreferNoSchedule".equals(taint.getEffect()) && !Pods.tolerates(tolerations, taint)) {
                intolerable++;
            }
        }
        return intolerable;
    }

    @Override
    public void normalize(PodInfo pod, List<NodeInfo> nodes, long[] scores) {
        Scores.normalize(scores, true);
    }
}
