package org.example.scheduler.firstfit;

import io.karavel.api.scheduler.SchedulingProfile;
import java.util.List;
import java.util.Map;
import org.osgi.service.component.annotations.Component;

/**
 * The {@code firstfit} strategy: every built-in filter, then the alphabetically first feasible
 * node wins. Deterministic, so a test can tell it apart from spread and binpack.
 */
@Component(service = SchedulingProfile.class)
public final class FirstFitProfile implements SchedulingProfile {
    public static final String NAME = "firstfit";

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
        return Map.of(FirstNodeNameScore.NAME, 1);
    }
}
