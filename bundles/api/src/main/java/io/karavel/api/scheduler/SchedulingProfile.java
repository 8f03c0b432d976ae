package io.karavel.api.scheduler;

import java.util.List;
import java.util.Map;

/**
 * A scheduling strategy: which filters run and how scores are weighted. Registered as an OSGi
 * service by a strategy bundle; pods choose it by {@code spec.schedulerName} = {@link #name()},
 * and the scheduler's configured default profile serves {@code default-scheduler}.
 */
@org.osgi.annotation.versioning.ConsumerType
public interface SchedulingProfile {
    /**
     * The filter plugins the scheduler bundle ships, in the order Kubernetes runs its equivalents
     * (cheap, decisive checks first): what a profile uses unless it has reasons to differ.
     */
    List<String> BUILTIN_FILTERS = List.of("NodeUnschedulable", "NodeReady", "NodeName", "RuntimeClass",
            "TaintToleration", "NodeAffinity", "NodePorts", "NodeResourcesFit");

    /** The profile name, e.g. {@code spread}. */
    String name();

    /** Filter plugin names, run in this order; a node must pass all. */
    List<String> filters();

    /** Score plugin names and their weights (positive). */
    Map<String, Integer> scores();

    /**
     * Percentage of feasible nodes to find before scoring stops looking, for large clusters (as
     * kube-scheduler's {@code percentageOfNodesToScore}); 0 for the adaptive default (50% minus 1%
     * per 125 nodes, at least 5%, at least 100 nodes).
     */
    default int percentageOfNodesToScore() {
        return 0;
    }
}
