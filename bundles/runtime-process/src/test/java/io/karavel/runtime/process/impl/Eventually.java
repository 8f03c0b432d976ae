package io.karavel.runtime.process.impl;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/** Waits for a condition by polling it with a deadline: tests never sleep for a fixed time. */
final class Eventually {
    private Eventually() {
    }

    /** Polls {@code check} every 20 ms until it returns true; fails after {@code timeout}. */
    static void eventually(String what, Duration timeout, Callable<Boolean> check) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!check.call()) {
            assertThat(System.nanoTime()).as("timed out waiting until " + what).isLessThan(deadline);
            TimeUnit.MILLISECONDS.sleep(20); // the polling interval
        }
    }
}
