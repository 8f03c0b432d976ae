package io.karavel.scheduler.plugins;

import io.karavel.api.scheduler.NodeInfo;
import io.karavel.api.scheduler.PodInfo;
import io.karavel.api.scheduler.SchedulerPlugin;
import io.karavel.api.scheduler.ScorePlugin;
import org.osgi.service.component.annotations.Component;

/**
 * Prefers nodes with the most CPU and memory left after placing the pod (the average of
 * {@code (allocatable - requested) * 100 / allocatable} over both): spreads load.
 */
@Component(service = ScorePlugin.class, property = SchedulerPlugin.NAME_PROPERTY + "=" + NodeResourcesLeastAllocated.NAME)
public final class NodeResourcesLeastAllocated implements ScorePlugin {
    public static final String NAME = "NodeResourcesLeastAllocated";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public long score(PodInfo pod, NodeInfo node) {
        ResourceScores r = ResourceScores.of(pod, node);
        return (least(r.cpuRequested(), r.cpuAllocatable()) + least(r.memoryRequested(), r.memoryAllocatable())) / 2;
    }

    private static long least(long requested, long allocatable) {
        if (allocatable <= 0 || requested > allocatable) {
            return 0;
        }
        return (allocatable - requested) * MAX_SCORE / allocatable;
    }
}
