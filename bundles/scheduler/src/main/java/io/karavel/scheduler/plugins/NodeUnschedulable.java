package io.karavel.scheduler.plugins;

import io.fabric8.kubernetes.api.model.Taint;
import io.karavel.api.scheduler.FilterPlugin;
import io.karavel.api.scheduler.FilterStatus;
import io.karavel.api.scheduler.NodeInfo;
import io.karavel.api.scheduler.PodInfo;
import io.karavel.api.scheduler.SchedulerPlugin;
import org.osgi.service.component.annotations.Component;

/**
 * Keeps pods off cordoned nodes ({@code spec.unschedulable}) unless they tolerate the
 * {@code node.kubernetes.io/unschedulable:NoSchedule} taint, as Kubernetes' plugin of that name.
 */
@Component(service = FilterPlugin.class, property = SchedulerPlugin.NAME_PROPERTY + "=" + NodeUnschedulable.NAME)
public final class NodeUnschedulable implements FilterPlugin {
    public static final String NAME = "NodeUnschedulable";
    static final String REASON = "node(s) were unschedulable";
    private static final Taint UNSCHEDULABLE_TAINT =
            new Taint("NoSchedule", "node.kubernetes.io/unschedulable", null, null);

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public FilterStatus filter(PodInfo pod, NodeInfo node) {
        if (!NodeFacts.of(node).unschedulable()) {
            return FilterStatus.success();
        }
        if (Pods.tolerates(PodFacts.of(pod).tolerations, UNSCHEDULABLE_TAINT)) {
            return FilterStatus.success();
        }
        return FilterStatus.unresolvable(REASON);
    }
}
