package io.karavel.controller.runtime.impl;

import static org.assertj.core.api.Assertions.assertThat;

import io.karavel.api.controller.ObjectKey;
import io.karavel.testing.controller.MutableClock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class ControllerExpectationsTest {
    private final MutableClock clock = new MutableClock();
    private final ControllerExpectations expectations = new ControllerExpectations(clock, Duration.ofMinutes(5));
    private final ObjectKey rs = new ObjectKey("ns", "rs");

    @Test
    void creationsAreSatisfiedOnceAllAreObserved() {
        assertThat(expectations.satisfied(rs)).isTrue();
        expectations.expectCreations(rs, 2);
        assertThat(expectations.satisfied(rs)).isFalse();

        expectations.creationObserved(rs);
        assertThat(expectations.satisfied(rs)).isFalse();
        expectations.creationObserved(rs);
        assertThat(expectations.satisfied(rs)).isTrue();
        expectations.creationObserved(rs);
        assertThat(expectations.satisfied(rs)).as("extra observations do not go negative into debt").isTrue();
        expectations.expectCreations(rs, 1);
        assertThat(expectations.satisfied(rs)).isFalse();
    }

    @Test
    void deletionsAreTrackedByName() {
        expectations.expectDeletions(rs, List.of("ns/a", "ns/b"));
        expectations.deletionObserved(rs, "ns/a");
        expectations.deletionObserved(rs, "ns/a");
        assertThat(expectations.satisfied(rs)).isFalse();
        expectations.deletionObserved(rs, "ns/b");
        assertThat(expectations.satisfied(rs)).isTrue();
    }

    @Test
    void expectationsExpireAfterTheirTtlAndCanBeDeleted() {
        expectations.expectCreations(rs, 1);
        clock.advance(Duration.ofMinutes(5));
        assertThat(expectations.satisfied(rs)).isFalse();
        clock.advance(Duration.ofSeconds(1));
        assertThat(expectations.satisfied(rs)).isTrue();

        expectations.expectCreations(rs, 1);
        assertThat(expectations.satisfied(rs)).as("a new expectation replaces the expired one").isFalse();
        expectations.delete(rs);
        assertThat(expectations.satisfied(rs)).isTrue();
        assertThat(expectations.size()).isZero();
    }
}
