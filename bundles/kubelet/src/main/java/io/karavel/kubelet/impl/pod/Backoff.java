package io.karavel.kubelet.impl.pod;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/**
 * Restart back-off per container, the kubelet's rule: the first restart after a failure is
 * immediate, each following one waits twice as long as the previous (10 s, 20 s, 40 s... up to
 * 5 min); a container that stayed up for twice the maximum starts again from the beginning.
 * Not thread-safe: one pod worker owns it.
 */
final class Backoff {

    private record Entry(Duration delay, Instant lastRestart) {
    }

    private final Duration initial;
    private final Duration max;
    private final Map<String, Entry> entries = new HashMap<>();

    Backoff(Duration initial, Duration max) {
        this.initial = initial;
        this.max = max;
    }

    /**
     * When {@code key}'s next restart may happen, given that its last instance finished at
     * {@code finishedAt}: {@code null} when it may restart now.
     */
    Instant restartNotBefore(String key, Instant finishedAt, Instant now) {
        Entry e = entries.get(key);
        if (e == null || finishedAt == null) {
            return null;
        }
        if (Duration.between(e.lastRestart(), now).compareTo(max.multipliedBy(2)) > 0) {
            entries.remove(key);
            return null;
        }
        Instant notBefore = finishedAt.plus(e.delay());
        return now.isBefore(notBefore) ? notBefore : null;
    }

    /** Records a restart of {@code key} now; the next one waits longer. */
    void restarted(String key, Instant now) {
        Entry e = entries.get(key);
        Duration delay = e == null ? initial : min(e.delay().multipliedBy(2), max);
        entries.put(key, new Entry(delay, now));
    }

    /** The delay the next restart of {@code key} will wait, for messages. */
    Duration currentDelay(String key) {
        Entry e = entries.get(key);
        return e == null ? initial : e.delay();
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }
}
