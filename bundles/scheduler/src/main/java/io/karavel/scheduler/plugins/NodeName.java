package io.karavel.scheduler.plugins;

import io.karavel.api.scheduler.FilterPlugin;
import io.karavel.api.scheduler.FilterStatus;
import io.karavel.api.scheduler.NodeInfo;
import io.karavel.api.scheduler.PodInfo;
import io.karavel.api.scheduler.SchedulerPlugin;
import org.osgi.service.component.annotations.Component;

/**
 * Honours a pod's requested node. The scheduler only sees pods without {@code spec.nodeName}, so
 * this checks the {@code scheduler.karavel.io/node-name} annotation pods may use to ask for one
 * node while still going through the filters (Kubernetes' NodeName checks {@code spec.nodeName}).
 */
@Component(service = FilterPlugin.class, property = SchedulerPlugin.NAME_PROPERTY + "=" + NodeName.NAME)
public final class NodeName implements FilterPlugin {
    public static final String NAME = "NodeName";
    /** The annotation naming the only node the pod may be placed on. */
    public static final String ANNOTATION = "scheduler.karavel.io/node-name";
    static final String REASON = "node(s) didn't match the requested node name";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public FilterStatus filter(PodInfo pod, NodeInfo node) {
        String wanted = pod.pod().getSpec() == null ? null : pod.pod().getSpec().getNodeName();
        if (wanted == null || wanted.isEmpty()) {
            var annotations = pod.pod().getMetadata().getAnnotations();
            wanted = annotations == null ? null : annotations.get(ANNOTATION);
        }
        if (wanted == null || wanted.isEmpty()) {
            return Pods.SKIP;
        }
        if (wanted.equals(node.name())) {
            return FilterStatus.success();
        }
        return FilterStatus.unresolvable(REASON);
    }
}
