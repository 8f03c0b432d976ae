package io.karavel.controller.runtime.impl;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class RateLimiterTest {

    @Test
    void backOffDoublesFromFiveMillisecondsToAThousandSecondsPerItem() {
        RateLimiter limiter = new RateLimiter();

        assertThat(limiter.when("a")).isEqualTo(Duration.ofMillis(5));
        assertThat(limiter.when("a")).isEqualTo(Duration.ofMillis(10));
        assertThat(limiter.when("a")).isEqualTo(Duration.ofMillis(20));
        assertThat(limiter.when("b")).as("items back off independently").isEqualTo(Duration.ofMillis(5));
        for (int i = 0; i < 100; i++) {
            limiter.when("a");
        }
        assertThat(limiter.when("a")).isEqualTo(Duration.ofSeconds(1000));
        assertThat(limiter.numRequeues("a")).isEqualTo(104);

        limiter.forget("a");
        assertThat(limiter.numRequeues("a")).isZero();
        assertThat(limiter.when("a")).isEqualTo(Duration.ofMillis(5));
    }

    @Test
    void theCapIsReachedExactlyWhereDoublingPassesIt() {
        RateLimiter limiter = new RateLimiter(Duration.ofMillis(5), Duration.ofMillis(30));
        assertThat(limiter.when("a")).isEqualTo(Duration.ofMillis(5));
        assertThat(limiter.when("a")).isEqualTo(Duration.ofMillis(10));
        assertThat(limiter.when("a")).isEqualTo(Duration.ofMillis(20));
        assertThat(limiter.when("a")).isEqualTo(Duration.ofMillis(30));
    }
}
