package io.karavel.scheduler.plugins;

import io.fabric8.kubernetes.api.model.Pod;
import io.karavel.api.scheduler.NodeInfo;
import io.karavel.api.scheduler.PodInfo;
import io.karavel.api.scheduler.SchedulerPlugin;
import io.karavel.api.scheduler.ScorePlugin;
import java.util.List;
import java.util.Objects;
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
        String owner = Pods.controllerUid(pod.pod());
        if (owner == null) {
            return 0;
        }
        String namespace = pod.pod().getMetadata().getNamespace();
        long count = 0;
        for (Pod other : node.pods()) {
            if (owner.equals(Pods.controllerUid(other)) && Objects.equals(namespace, other.getMetadata().getNamespace())) {
                count++;
            }
        }
        return count;
    }

    @Override
    public void normalize(PodInfo pod, List<NodeInfo> nodes, long[] scores) {
        Scores.normalize(scores, true);
    }
}
