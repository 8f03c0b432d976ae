package io.karavel.scheduler.plugins;

import io.karavel.api.scheduler.NodeInfo;
import io.karavel.api.scheduler.PodInfo;
import io.karavel.api.scheduler.SchedulerPlugin;
import io.karavel.api.scheduler.ScorePlugin;
import org.osgi.service.component.annotations.Component;

/**
 * Prefers nodes whose CPU and memory would be used in equal proportion with the pod placed:
 * {@code (1 - stddev(cpuFraction, memoryFraction)) * 100}, as Kubernetes' BalancedAllocation.
 */
@Component(service = ScorePlugin.class, property = SchedulerPlugin.NAME_PROPERTY + "=" + NodeResourcesBalancedAllocation.NAME)
public final class NodeResourcesBalancedAllocation implements ScorePlugin {
    public static final String NAME = "NodeResourcesBalancedAllocation";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public long score(PodInfo pod, NodeInfo node) {
        ResourceScores r = ResourceScores.of(pod, node);
        double cpu = ResourceScores.fraction(r.cpuRequested(), r.cpuAllocatable());
        double memory = ResourceScores.fraction(r.memoryRequested(), r.memoryAllocatable());
        // the standard deviation of two values is half their distance
        double std = Math.abs(cpu - memory) / 2;
        return (long) ((1 - std) * MAX_SCORE);
    }
}
