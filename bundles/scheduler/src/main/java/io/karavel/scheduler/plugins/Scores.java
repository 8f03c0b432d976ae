package io.karavel.scheduler.plugins;

import io.karavel.api.scheduler.ScorePlugin;

/** Score helpers shared by the built-in plugins. */
public final class Scores {
    private Scores() {}

    /**
     * Kubernetes' {@code DefaultNormalizeScore}: scales scores so the highest becomes 100; with
     * {@code reverse}, the lowest count becomes 100 instead. All zero stays zero (or all 100 when
     * reversed).
     */
    public static void normalize(long[] scores, boolean reverse) {
        long max = 0;
        for (long s : scores) {
            max = Math.max(max, s);
        }
        if (max == 0) {
            if (reverse) {
                java.util.Arrays.fill(scores, ScorePlugin.MAX_SCORE);
            }
            return;
        }
        for (int i = 0; i < scores.length; i++) {
            long s = ScorePlugin.MAX_SCORE * scores[i] / max;
            scores[i] = reverse ? ScorePlugin.MAX_SCORE - s : s;
        }
    }
}
