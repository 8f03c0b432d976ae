package io.karavel.scheduler.spread;

import io.karavel.api.scheduler.SchedulingProfile;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.osgi.service.component.annotations.Component;

/**
 * The {@code spread} strategy: every built-in filter, then nodes ranked by free resources, balance
 * of CPU and memory, and how few pods of the same controller they run, with Kubernetes' default
 * weights for taint and affinity preferences. Replicas land on different, emptier nodes.
 */
@Component(service = SchedulingProfile.class)
public final class SpreadProfile implements SchedulingProfile {
    public static final String NAME = "spread";

    private static final Map<String, Integer> SCORES;

    static {
        Map<String, Integer> scores = new LinkedHashMap<>();
        scores.put("NodeResourcesLeastAllocated", 1);
        scores.put("NodeResourcesBalancedAllocation", 1);
        scores.put("PodSpread", 2);
        scores.put("TaintToleration", 3);
        scores.put("NodeAffinity", 2);
        SCORES = java.util.Collections.unmodifiableMap(scores);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<String> filters() {
        return BUILTIN_FILTERS;
    }

    @Override
    public Map<String, Integer> scores() {
        return SCORES;
    }
}
