package io.karavel.scheduler.plugins;

import io.karavel.api.scheduler.FilterPlugin;
import io.karavel.api.scheduler.ScorePlugin;
import java.util.List;

/** The built-in plugins without OSGi, for tests and the benchmark (OSGi registers each as a component). */
public final class BuiltinPlugins {
    private BuiltinPlugins() {}

    /** The built-in filters; without OSGi there is no RuntimeClass cache: no RuntimeClass exists. */
    public static List<FilterPlugin> filters() {
        return List.of(new NodeUnschedulable(), new NodeReady(), new NodeName(), new TaintToleration(),
                new NodeAffinity(), new NodePorts(), new NodeResourcesFit(),
                new RuntimeClassFilter(runtimeClass -> java.util.Optional.empty()));
    }

    public static List<ScorePlugin> scores() {
        return List.of(new NodeResourcesLeastAllocated(), new NodeResourcesMostAllocated(),
                new NodeResourcesBalancedAllocation(), new TaintToleration(), new NodeAffinity(), new PodSpread());
    }
}
