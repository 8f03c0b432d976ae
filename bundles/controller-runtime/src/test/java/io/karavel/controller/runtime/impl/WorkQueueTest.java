package io.karavel.controller.runtime.impl;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class WorkQueueTest {
    private static final Duration NOW = Duration.ZERO;
    private static final Duration LONG = Duration.ofSeconds(5);

    private final WorkQueue<String> queue = new WorkQueue<>();

    @Test
    void duplicateAddsCollapse() throws Exception {
        queue.add("a");
        queue.add("b");
        queue.add("a");

        assertThat(queue.depth()).isEqualTo(2);
        assertThat(queue.get(NOW)).isEqualTo("a");
        assertThat(queue.get(NOW)).isEqualTo("b");
        assertThat(queue.get(NOW)).isNull();
    }

    @Test
    void aKeyAddedWhileProcessedIsHandedOutAgainOnlyAfterDone() throws Exception {
        queue.add("a");
        assertThat(queue.get(NOW)).isEqualTo("a");
        queue.add("a");
        queue.add("a");

        assertThat(queue.get(NOW)).as("never two workers on one key").isNull();
        queue.done("a");
        assertThat(queue.get(NOW)).isEqualTo("a");
        queue.done("a");
        assertThat(queue.get(NOW)).isNull();
    }

    @Test
    void delayedAddsWaitAndTheEarliestWins() throws Exception {
        queue.addAfter("a", Duration.ofHours(1));
        queue.addAfter("a", Duration.ofMillis(50));
        long start = System.nanoTime();

        assertThat(queue.get(NOW)).isNull();
        assertThat(queue.depth()).isEqualTo(1);
        assertThat(queue.get(LONG)).isEqualTo("a");
        assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(50));
        queue.done("a");
        assertThat(queue.depth()).as("the later schedule was superseded").isZero();
    }

    @Test
    void rateLimitedAddsBackOffUntilForgotten() throws Exception {
        queue.addRateLimited("a");
        queue.addRateLimited("a");
        assertThat(queue.numRequeues("a")).isEqualTo(2);
        assertThat(queue.get(LONG)).isEqualTo("a");
        queue.forget("a");
        assertThat(queue.numRequeues("a")).isZero();
    }

    @Test
    void wakeUpAndShutDownReleaseWaitingWorkers() throws Exception {
        CompletableFuture<String> waiting = CompletableFuture.supplyAsync(() -> {
            try {
                return queue.get(Duration.ofSeconds(30));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        io.karavel.testing.Eventually.eventually("the worker waits", LONG, () -> {
            queue.wakeUp();
            return waiting.isDone();
        });
        assertThat(waiting.get()).isNull();

        queue.add("a");
        queue.shutDown();
        assertThat(queue.get(LONG)).isNull();
        queue.add("b");
        assertThat(queue.depth()).isZero();
    }

    @Test
    void awaitIdleWaitsForKeysBeingProcessed() throws Exception {
        queue.add("a");
        assertThat(queue.get(NOW)).isEqualTo("a");
        assertThat(queue.awaitIdle(Duration.ofMillis(10))).isFalse();
        queue.done("a");
        assertThat(queue.awaitIdle(NOW)).isTrue();
    }
}
