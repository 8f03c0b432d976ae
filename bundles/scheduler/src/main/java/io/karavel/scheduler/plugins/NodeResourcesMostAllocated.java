package io.karavel.scheduler.plugins;

import io.karavel.api.scheduler.NodeInfo;
import io.karavel.api.scheduler.PodInfo;
import io.karavel.api.scheduler.SchedulerPlugin;
import io.karavel.api.scheduler.ScorePlugin;
import org.osgi.service.component.annotations.Component;

/**
 * Prefers nodes with the least CPU and memory left after placing the pod (the average of
 * {@code requested * 100 / allocatable} over both): packs pods onto few nodes.
 */
@Component(service = ScorePlugin.class, property = SchedulerPlugin.NAME_PROPERTY + "=" + NodeResourcesMostAllocated.NAME)
public final class NodeResourcesMostAllocated implements ScorePlugin {
    public static final String NAME = "NodeResourcesMostAllocated";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public long score(PodInfo pod, NodeInfo node) {
        ResourceScores r = ResourceScores.of(pod, node);
        return (most(r.cpuRequested(), r.cpuAllocatable()) + most(r.memoryRequested(), r.memoryAllocatable())) / 2;
    }

    private static long most(long requested, long allocatable) {
        if (allocatable <= 0) {
            return 0;
        }
        return Math.min(requested, allocatable) * MAX_SCORE / allocatable;
    }
}
