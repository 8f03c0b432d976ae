package org.example.scheduler.firstfit;

import io.karavel.api.scheduler.NodeInfo;
import io.karavel.api.scheduler.PodInfo;
import io.karavel.api.scheduler.SchedulerPlugin;
import io.karavel.api.scheduler.ScorePlugin;
import java.util.List;
import org.osgi.service.component.annotations.Component;

/**
 * Scores the alphabetically first of the feasible nodes {@value ScorePlugin#MAX_SCORE} and every
 * other node {@value ScorePlugin#MIN_SCORE}. A node's rank is known only once all are scored, so
 * the work is in {@link #normalize}.
 */
@Component(service = ScorePlugin.class, property = SchedulerPlugin.NAME_PROPERTY + "=" + FirstNodeNameScore.NAME)
public final class FirstNodeNameScore implements ScorePlugin {
    public static final String NAME = "FirstNodeName";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public long score(PodInfo pod, NodeInfo node) {
        return MIN_SCORE;
    }

    @Override
    public void normalize(PodInfo pod, List<NodeInfo> nodes, long[] scores) {
        int first = 0;
        for (int i = 1; i < nodes.size(); i++) {
            if (nodes.get(i).name().compareTo(nodes.get(first).name()) < 0) {
                first = i;
            }
        }
        for (int i = 0; i < nodes.size(); i++) {
            scores[i] = i == first ? MAX_SCORE : MIN_SCORE;
        }
    }
}
