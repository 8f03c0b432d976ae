package io.karavel.api.scheduler;

import java.util.List;

/**
 * Ranks the nodes that passed every filter. Scores range over
 * [{@value #MIN_SCORE}, {@value #MAX_SCORE}]; a profile multiplies each plugin's score by its
 * weight and the node with the highest sum wins (ties broken at random).
 */
@org.osgi.annotation.versioning.ConsumerType
public interface ScorePlugin extends SchedulerPlugin {
    long MIN_SCORE = 0;
    long MAX_SCORE = 100;

    /** Called in parallel for many nodes. */
    long score(PodInfo pod, NodeInfo node);

    /**
     * Rescales {@code scores} (index-aligned with {@code nodes}) into [0, 100] once all nodes are
     * scored, e.g. for counts whose range is only known afterwards. Default: no change.
     */
    default void normalize(PodInfo pod, List<NodeInfo> nodes, long[] scores) {}
}
