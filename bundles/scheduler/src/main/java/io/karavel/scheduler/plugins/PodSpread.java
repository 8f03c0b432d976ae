package io.karavel.scheduler.plugins;

import io.karavel.api.scheduler.NodeInfo;
import io.karavel.api.scheduler.PodInfo;
import io.karavel.api.scheduler.SchedulerPlugin;
import io.karavel.api.scheduler.ScorePlugin;
import java.util.List;
import org.osgi.service.component.annotations.Component;

/**
 * Spreads the pods of one controller (e.g. a ReplicaSet) across nodes, like Kubernetes' former
 * SelectorSpread: a node scores higher the fewer pods of the same namespace and controlling owner
 * it has; the emptiest nodes score 100. Pods without a controller score the same everywhere.
 */
@Component(service = ScorePlugin.class, property = SchedulerPlugin.NAME_PROPERTY + "=" + PodSpread.NAME)
public final class PodSpread implements ScorePlugin {
    public static final String NAME = "PodSpread";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public long score(PodInfo pod, NodeInfo node) {
        String key = PodFacts.of(pod).controllerKey;
        if (key == null) {
            return 0;
        }
        return NodeFacts.of(node).controllerCounts().getOrDefault(key, 0);
    }

    @Override
    public void normalize(PodInfo pod, List<NodeInfo> nodes, long[] scores) {
        Scores.normalize(scores, true);
    }
}
