package io.karavel.scheduler.impl;

import io.fabric8.kubernetes.api.model.Pod;
import io.karavel.api.scheduler.FilterStatus;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** The {@code FailedScheduling} message in Kubernetes' words ({@code FitError.Error()}). */
final class FailureMessages {
    private FailureMessages() {}

    /**
     * {@code 0/3 nodes are available: 1 node(s) had untolerated taint {k: v}, 2 Insufficient cpu.}:
     * each reason with the number of nodes that gave it, sorted as text like Kubernetes does.
     */
    static String noNodeAvailable(Pod pod, int allNodes, Collection<FilterStatus> statuses) {
        Map<String, Integer> histogram = new TreeMap<>();
        for (FilterStatus s : statuses) {
            for (String reason : s.reasons()) {
                histogram.merge(reason, 1, Integer::sum);
            }
        }
        List<String> parts = new ArrayList<>(histogram.size());
        histogram.forEach((reason, count) -> parts.add(count + " " + reason));
        parts.sort(null);
        StringBuilder msg = new StringBuilder().append("0/").append(allNodes).append(" nodes are available");
        if (parts.isEmpty()) {
            msg.append('.');
        } else {
            msg.append(": ").append(String.join(", ", parts)).append('.');
        }
        if (pod.getSpec() != null && "Never".equals(pod.getSpec().getPreemptionPolicy())) {
            msg.append(" preemption: not eligible due to preemptionPolicy=Never.");
        }
        return msg.toString();
    }
}
