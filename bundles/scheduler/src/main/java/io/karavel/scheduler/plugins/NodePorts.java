package io.karavel.scheduler.plugins;

import io.karavel.api.scheduler.FilterPlugin;
import io.karavel.api.scheduler.FilterStatus;
import io.karavel.api.scheduler.NodeInfo;
import io.karavel.api.scheduler.PodInfo;
import io.karavel.api.scheduler.SchedulerPlugin;
import java.util.List;
import java.util.Set;
import org.osgi.service.component.annotations.Component;

/**
 * Refuses nodes where a host port the pod asks for is taken: same protocol and port, and the
 * same host IP or either side on {@code 0.0.0.0}.
 */
@Component(service = FilterPlugin.class, property = SchedulerPlugin.NAME_PROPERTY + "=" + NodePorts.NAME)
public final class NodePorts implements FilterPlugin {
    public static final String NAME = "NodePorts";
    static final String REASON = "node(s) didn't have free ports for the requested pod ports";
    private static final String ANY_IP = "0.0.0.0";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public FilterStatus filter(PodInfo pod, NodeInfo node) {
        List<String> wanted = PodFacts.of(pod).hostPorts;
        if (wanted.isEmpty()) {
            return Pods.SKIP;
        }
        Set<String> used = node.usedHostPorts();
        if (used.isEmpty()) {
            return FilterStatus.success();
        }
        for (String want : wanted) {
            if (conflicts(want, used)) {
                return FilterStatus.unschedulable(REASON);
            }
        }
        return FilterStatus.success();
    }

    private static boolean conflicts(String want, Set<String> used) {
        String[] w = want.split("/", 3);
        if (!ANY_IP.equals(w[1])) {
            return used.contains(want) || used.contains(w[0] + "/" + ANY_IP + "/" + w[2]);
        }
        for (String u : used) {
            String[] h = u.split("/", 3);
            if (h[0].equals(w[0]) && h[2].equals(w[2])) {
                return true;
            }
        }
        return false;
    }
}
