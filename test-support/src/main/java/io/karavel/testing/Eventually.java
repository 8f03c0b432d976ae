package io.karavel.testing;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/** Waits for a condition by polling it with a deadline: tests never sleep for a fixed time. */
public final class Eventually {
    private static final long INTERVAL_MILLIS = 20;

    private Eventually() {
    }

    /** Polls {@code check} until it returns true; fails with {@code what} after {@code timeout}. */
    public static void eventually(String what, Duration timeout, Callable<Boolean> check) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!Boolean.TRUE.equals(check.call())) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout + " waiting until " + what);
            }
            TimeUnit.MILLISECONDS.sleep(INTERVAL_MILLIS);
        }
    }

    /**
     * Polls {@code value} until it returns non-null and returns it; fails with {@code what} after
     * {@code timeout}. Exceptions thrown by {@code value} count as "not yet".
     */
    public static <T> T eventuallyGet(String what, Duration timeout, Callable<T> value) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        Exception last = null;
        while (true) {
            try {
                T v = value.call();
                if (v != null) {
                    return v;
                }
            } catch (Exception e) {
                last = e;
            }
            if (System.nanoTime() > deadline) {
                AssertionError error = new AssertionError("timed out after " + timeout + " waiting for " + what);
                if (last != null) {
                    error.initCause(last);
                }
                throw error;
            }
            TimeUnit.MILLISECONDS.sleep(INTERVAL_MILLIS);
        }
    }
}
