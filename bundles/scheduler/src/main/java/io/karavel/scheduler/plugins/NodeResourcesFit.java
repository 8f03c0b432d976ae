package io.karavel.scheduler.plugins;

import io.karavel.api.scheduler.FilterPlugin;
import io.karavel.api.scheduler.FilterStatus;
import io.karavel.api.scheduler.NodeInfo;
import io.karavel.api.scheduler.PodInfo;
import io.karavel.api.scheduler.Resources;
import io.karavel.api.scheduler.SchedulerPlugin;
import java.util.ArrayList;
import java.util.List;
import org.osgi.service.component.annotations.Component;

/**
 * Checks that the pod's requests fit in what the node has left (allocatable minus the requests
 * of its pods), for CPU, memory and the pod count; reasons as Kubernetes words them.
 */
@Component(service = FilterPlugin.class, property = SchedulerPlugin.NAME_PROPERTY + "=" + NodeResourcesFit.NAME)
public final class NodeResourcesFit implements FilterPlugin {
    public static final String NAME = "NodeResourcesFit";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public FilterStatus filter(PodInfo pod, NodeInfo node) {
        Resources want = pod.requests();
        NodeFacts n = NodeFacts.of(node);
        boolean pods = n.requestedPods() + 1 > n.allocatablePods();
        boolean cpu = want.milliCpu() > 0 && want.milliCpu() > n.allocatableMilliCpu() - n.requestedMilliCpu();
        boolean memory = want.memoryBytes() > 0 && want.memoryBytes() > n.allocatableMemory() - n.requestedMemory();
        if (!pods && !cpu && !memory) {
            return FilterStatus.success();
        }
        List<String> reasons = new ArrayList<>(3);
        if (pods) {
            reasons.add("Too many pods");
        }
        if (cpu) {
            reasons.add("Insufficient cpu");
        }
        if (memory) {
            reasons.add("Insufficient memory");
        }
        return new FilterStatus(FilterStatus.Code.UNSCHEDULABLE, reasons);
    }
}
