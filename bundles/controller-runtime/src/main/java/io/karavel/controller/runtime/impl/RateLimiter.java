package io.karavel.controller.runtime.impl;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * Per-item exponential back-off, as client-go's {@code ItemExponentialFailureRateLimiter}: the
 * n-th consecutive failure of a key waits {@code base * 2^(n-1)}, capped at {@code max}, until the
 * key is {@link #forget forgotten} after a success. Thread-safe.
 */
public final class RateLimiter {
    /** client-go's default controller rate limiter: 5 ms doubling to 1000 s. */
    public static final Duration BASE = Duration.ofMillis(5);
    public static final Duration MAX = Duration.ofSeconds(1000);

    private final long baseNanos;
    private final long maxNanos;
    private final Map<Object, Integer> failures = new HashMap<>();

    public RateLimiter() {
        this(BASE, MAX);
    }

    public RateLimiter(Duration base, Duration max) {
        this.baseNanos = base.toNanos();
        this.maxNanos = max.toNanos();
    }

    /** Records one more failure of {@code item} and returns how long to wait before retrying it. */
    public synchronized Duration when(Object item) {
        int n = failures.merge(item, 1, Integer::sum) - 1;
        // 2^n overflows a long past n = 62; the cap is reached long before
        if (n >= 62 || baseNanos << n > maxNanos || baseNanos << n <= 0) {
            return Duration.ofNanos(maxNanos);
        }
        return Duration.ofNanos(baseNanos << n);
    }

    /** How many times {@code item} failed since it was last forgotten. */
    public synchronized int numRequeues(Object item) {
        return failures.getOrDefault(item, 0);
    }

    /** {@code item} succeeded: its next failure starts again at the base delay. */
    public synchronized void forget(Object item) {
        failures.remove(item);
    }
}
