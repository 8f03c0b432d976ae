package io.karavel.scheduler.impl;

import static io.karavel.scheduler.plugins.Fixtures.pod;
import static io.karavel.scheduler.plugins.Fixtures.podBuilder;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Pod;
import io.karavel.testing.controller.MutableClock;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class SchedulingQueueTest {
    private final MutableClock clock = new MutableClock();
    private final SchedulingQueue queue =
            new SchedulingQueue(clock, Duration.ofSeconds(1), Duration.ofSeconds(10), Duration.ofSeconds(60));

    private SchedulingQueue.Entry pop() throws InterruptedException {
        return queue.pop(Duration.ofMillis(10));
    }

    private static Pod created(String name, String timestamp, Integer priority) {
        return podBuilder(name, null, null).editMetadata().withCreationTimestamp(timestamp).endMetadata()
                .editSpec().withPriority(priority).endSpec().build();
    }

    @Test
    void higherPriorityFirstThenOlder() throws Exception {
        queue.add(created("young", "2026-01-01T00:00:02Z", null));
        queue.add(created("old", "2026-01-01T00:00:01Z", null));
        queue.add(created("important", "2026-01-01T00:00:03Z", 1000));
        assertThat(pop().pod().getMetadata().getName()).isEqualTo("important");
        assertThat(pop().pod().getMetadata().getName()).isEqualTo("old");
        assertThat(pop().pod().getMetadata().getName()).isEqualTo("young");
        assertThat(pop()).isNull();
    }

    @Test
    void backoffDoublesPerAttemptUpToTheCap() throws Exception {
        assertThat(queue.backoffFor(1)).isEqualTo(Duration.ofSeconds(1));
        assertThat(queue.backoffFor(2)).isEqualTo(Duration.ofSeconds(2));
        assertThat(queue.backoffFor(4)).isEqualTo(Duration.ofSeconds(8));
        assertThat(queue.backoffFor(5)).isEqualTo(Duration.ofSeconds(10));
        assertThat(queue.backoffFor(30)).isEqualTo(Duration.ofSeconds(10));

        queue.add(pod("p", null, null));
        SchedulingQueue.Entry first = pop();
        queue.requeueBackoff(first);
        assertThat(queue.counts()).containsExactly(0, 1, 0);
        assertThat(pop()).isNull();
        clock.advance(Duration.ofMillis(999));
        assertThat(pop()).isNull();
        clock.advance(Duration.ofMillis(1));
        SchedulingQueue.Entry second = pop();
        assertThat(second).isSameAs(first);
        assertThat(second.attempts()).isEqualTo(2);

        queue.requeueBackoff(second);
        clock.advance(Duration.ofSeconds(1));
        assertThat(pop()).isNull();
        clock.advance(Duration.ofSeconds(1));
        assertThat(pop()).isNotNull();
    }

    @Test
    void unschedulablePodsMoveBackOnClusterChange() throws Exception {
        queue.add(pod("p", null, null));
        SchedulingQueue.Entry e = pop();
        queue.requeueUnschedulable(e);
        assertThat(queue.counts()).containsExactly(0, 0, 1);
        clock.advance(Duration.ofSeconds(5)); // past its back-off
        assertThat(pop()).isNull();

        queue.moveAllToActiveOrBackoff(); // e.g. a node was added
        assertThat(queue.counts()).containsExactly(1, 0, 0);
        assertThat(pop()).isSameAs(e);
    }

    @Test
    void aMoveDuringTheAttemptSkipsTheUnschedulableQueue() throws Exception {
        queue.add(pod("p", null, null));
        SchedulingQueue.Entry e = pop();
        queue.moveAllToActiveOrBackoff(); // a node arrived while the pod was being filtered
        queue.requeueUnschedulable(e);
        assertThat(queue.counts()).containsExactly(0, 1, 0);
    }

    @Test
    void movedPodsStillBackingOffWaitInBackoff() throws Exception {
        queue.add(pod("p", null, null));
        queue.requeueUnschedulable(pop());
        queue.moveAllToActiveOrBackoff();
        assertThat(queue.counts()).containsExactly(0, 1, 0);
    }

    @Test
    void unschedulablePodsAreRetriedAfterTheFlushInterval() throws Exception {
        queue.add(pod("p", null, null));
        queue.requeueUnschedulable(pop());
        clock.advance(Duration.ofSeconds(59));
        queue.flushUnschedulableLeftover();
        assertThat(queue.counts()).containsExactly(0, 0, 1);
        clock.advance(Duration.ofSeconds(1));
        queue.flushUnschedulableLeftover();
        assertThat(queue.counts()).containsExactly(1, 0, 0);
    }

    @Test
    void specChangesWakeUnschedulablePodsAndStatusChangesDoNot() throws Exception {
        Pod p = pod("p", "1", null);
        queue.add(p);
        queue.requeueUnschedulable(pop());
        clock.advance(Duration.ofSeconds(2));
        queue.update(new io.fabric8.kubernetes.api.model.PodBuilder(p).withNewStatus()
                .addNewCondition().withType("PodScheduled").withStatus("False").endCondition().endStatus().build());
        assertThat(queue.counts()).containsExactly(0, 0, 1);
        queue.update(new io.fabric8.kubernetes.api.model.PodBuilder(p).editMetadata().addToLabels("a", "b").endMetadata().build());
        assertThat(queue.counts()).containsExactly(1, 0, 0);
    }

    @Test
    void deletedPodsAreForgottenEvenInFlight() throws Exception {
        Pod p = pod("p", null, null);
        queue.add(p);
        SchedulingQueue.Entry e = pop();
        queue.delete(p);
        queue.requeueBackoff(e);
        assertThat(queue.counts()).containsExactly(0, 0, 0);
        assertThat(queue.where("default/p")).isNull();
    }
}
