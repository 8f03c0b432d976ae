package io.karavel.scheduler.binpack;

import io.karavel.api.scheduler.SchedulingProfile;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.osgi.service.component.annotations.Component;

/**
 * The {@code binpack} strategy: every built-in filter, then the fullest node that still fits wins
 * (most allocated, weighted far above the taint and affinity preferences), and no spreading, so
 * pods fill few nodes and the rest stay empty.
 */
@Component(service = SchedulingProfile.class)
public final class BinpackProfile implements SchedulingProfile {
    public static final String NAME = "binpack";

    private static final Map<String, Integer> SCORES;

    static {
        Map<String, Integer> scores = new LinkedHashMap<>();
        scores.put("NodeResourcesMostAllocated", 10);
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
