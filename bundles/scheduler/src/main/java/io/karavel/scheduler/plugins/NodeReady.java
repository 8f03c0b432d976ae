package io.karavel.scheduler.plugins;

import io.fabric8.kubernetes.api.model.Taint;
import io.karavel.api.scheduler.FilterPlugin;
import io.karavel.api.scheduler.FilterStatus;
import io.karavel.api.scheduler.NodeInfo;
import io.karavel.api.scheduler.PodInfo;
import io.karavel.api.scheduler.SchedulerPlugin;
import org.osgi.service.component.annotations.Component;

/**
 * Keeps pods off nodes whose {@code Ready} condition is not {@code True}, unless they tolerate
 * {@code node.kubernetes.io/not-ready:NoSchedule} (as DaemonSet pods do). Kubernetes gets the same
 * effect from the taint its node lifecycle controller puts on such nodes; this does not depend on
 * that controller.
 */
@Component(service = FilterPlugin.class, property = SchedulerPlugin.NAME_PROPERTY + "=" + NodeReady.NAME)
public final class NodeReady implements FilterPlugin {
    public static final String NAME = "NodeReady";
    static final String REASON = "node(s) were not ready";
    private static final Taint NOT_READY_TAINT = new Taint("NoSchedule", "node.kubernetes.io/not-ready", null, null);

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public FilterStatus filter(PodInfo pod, NodeInfo node) {
        if (NodeFacts.of(node).ready()) {
            return FilterStatus.success();
        }
        if (Pods.tolerates(PodFacts.of(pod).tolerations, NOT_READY_TAINT)) {
            return FilterStatus.success();
        }
        return FilterStatus.unschedulable(REASON);
    }
}
