package io.karavel.kubelet.impl.pod;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The kubelet's restart back-off, on explicit instants: immediate, then 10 s doubling to the maximum. */
class BackoffTest {

    private final Backoff backoff = new Backoff(Duration.ofSeconds(10), Duration.ofSeconds(300));
    private final Instant t0 = Instant.parse("2026-01-01T00:00:00Z");

    @Test
    void firstRestartIsImmediateThenTheDelayDoublesUpToTheMaximum() {
        assertThat(backoff.restartNotBefore("app", t0, t0)).isNull();
        backoff.restarted("app", t0);

        Instant crash = t0.plusSeconds(1);
        assertThat(backoff.restartNotBefore("app", crash, crash)).isEqualTo(crash.plusSeconds(10));
        assertThat(backoff.restartNotBefore("app", crash, crash.plusSeconds(10))).isNull();

        Instant now = crash.plusSeconds(10);
        long[] expected = {20, 40, 80, 160, 300, 300};
        for (long seconds : expected) {
            backoff.restarted("app", now);
            Instant next = now.plusSeconds(1);
            assertThat(backoff.restartNotBefore("app", next, next)).isEqualTo(next.plusSeconds(seconds));
            now = next.plusSeconds(seconds);
        }
    }

    @Test
    void aContainerThatStayedUpLongStartsOverAndKeysAreIndependent() {
        backoff.restarted("app", t0);
        backoff.restarted("app", t0.plusSeconds(1));
        assertThat(backoff.currentDelay("app")).isEqualTo(Duration.ofSeconds(20));
        assertThat(backoff.currentDelay("sidecar")).isEqualTo(Duration.ofSeconds(10));

        Instant muchLater = t0.plus(Duration.ofMinutes(11));
        assertThat(backoff.restartNotBefore("app", muchLater, muchLater)).isNull();
        backoff.restarted("app", muchLater);
        assertThat(backoff.currentDelay("app")).isEqualTo(Duration.ofSeconds(10));
    }
}
