package io.karavel.api.controller;

import java.time.Duration;

/**
 * What a reconcile asks for next.
 *
 * @param requeueAfter reconcile the key again after this delay even if nothing changes; null for
 *     "done until the next event"
 */
public record Result(Duration requeueAfter) {
    private static final Result DONE = new Result(null);

    public static Result done() {
        return DONE;
    }

    public static Result requeueAfter(Duration delay) {
        return new Result(delay);
    }
}
