package io.karavel.api.scheduler;

/** Decides whether a pod may run on a node. Called in parallel for many nodes. */
@org.osgi.annotation.versioning.ConsumerType
public interface FilterPlugin extends SchedulerPlugin {
    FilterStatus filter(PodInfo pod, NodeInfo node);
}
