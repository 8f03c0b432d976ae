package io.karavel.scheduler.plugins;

import io.karavel.api.scheduler.NodeInfo;
import io.karavel.api.scheduler.PodInfo;
import io.karavel.api.scheduler.Resources;

/**
 * What the resource scores look at: a node's allocatable CPU and memory and what would be
 * requested with the pod placed there. Pods without requests, the new one and those already on the
 * node, count as Kubernetes' defaults for scoring (100m CPU, 200 MiB), so that empty pods still
 * spread or pack.
 */
record ResourceScores(long cpuRequested, long cpuAllocatable, long memoryRequested, long memoryAllocatable) {
    static final long DEFAULT_MILLI_CPU = 100;
    static final long DEFAULT_MEMORY = 200L * 1024 * 1024;

    static ResourceScores of(PodInfo pod, NodeInfo node) {
        Resources want = pod.requests();
        NodeFacts n = NodeFacts.of(node);
        long cpu = want.milliCpu() == 0 ? DEFAULT_MILLI_CPU : want.milliCpu();
        long memory = want.memoryBytes() == 0 ? DEFAULT_MEMORY : want.memoryBytes();
        return new ResourceScores(n.nonZeroRequestedMilliCpu() + cpu, n.allocatableMilliCpu(), n.nonZeroRequestedMemory() + memory,
                n.allocatableMemory());
    }

    /** Requested over allocatable, in [0, 1]; 1 when nothing is allocatable. */
    static double fraction(long requested, long allocatable) {
        if (allocatable <= 0) {
            return 1;
        }
        return Math.min(1.0, (double) requested / allocatable);
    }
}
