package io.karavel.controllers.support;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PodsTest {
    private static final Instant NOW = Instant.parse("2026-01-01T00:01:00Z");

    private static PodBuilder pod(String name) {
        return new PodBuilder().withNewMetadata().withNamespace("default").withName(name)
                .withCreationTimestamp("2026-01-01T00:00:00Z").endMetadata().withNewSpec().endSpec();
    }

    private static Pod ready(String name, String since) {
        return pod(name).editSpec().withNodeName("n1").endSpec().withNewStatus().withPhase("Running")
                .addNewCondition().withType("Ready").withStatus("True").withLastTransitionTime(since).endCondition()
                .endStatus().build();
    }

    @Test
    void availabilityCountsFromTheReadyTransitionStrictlyAfterMinReadySeconds() {
        Pod pod = ready("a", "2026-01-01T00:00:50Z");
        assertThat(Pods.isPodReady(pod)).isTrue();
        assertThat(Pods.isPodAvailable(pod, 0, NOW)).isTrue();
        assertThat(Pods.isPodAvailable(pod, 9, NOW)).isTrue();
        assertThat(Pods.isPodAvailable(pod, 10, NOW)).isFalse();
        assertThat(Pods.untilAvailable(pod, 10, NOW)).isEqualTo(Duration.ofSeconds(1));
        assertThat(Pods.untilAvailable(pod, 30, NOW)).isEqualTo(Duration.ofSeconds(21));
        assertThat(Pods.untilAvailable(pod, 9, NOW)).isNull();
        assertThat(Pods.isPodAvailable(pod("b").build(), 0, NOW)).isFalse();
    }

    @Test
    void activeMeansNeitherTerminatingNorFinished() {
        assertThat(Pods.isActive(pod("a").build())).isTrue();
        assertThat(Pods.isActive(pod("a").withNewStatus().withPhase("Failed").endStatus().build())).isFalse();
        assertThat(Pods.isActive(pod("a").withNewStatus().withPhase("Succeeded").endStatus().build())).isFalse();
        assertThat(Pods.isActive(pod("a").editMetadata().withDeletionTimestamp("2026-01-01T00:00:00Z").endMetadata().build()))
                .isFalse();
    }

    @Test
    void deletionOrderPrefersRestartedThenNewerPods() {
        Pod older = ready("older", "2026-01-01T00:00:10Z");
        Pod restarted = new PodBuilder(ready("restarted", "2026-01-01T00:00:10Z")).editStatus()
                .addNewContainerStatus().withName("c").withRestartCount(3).endContainerStatus().endStatus().build();
        Pod newer = new PodBuilder(ready("newer", "2026-01-01T00:00:10Z")).editMetadata()
                .withCreationTimestamp("2026-01-01T00:00:30Z").endMetadata().build();
        Pod unknown = pod("unknown").editSpec().withNodeName("n1").endSpec().withNewStatus().withPhase("Unknown").endStatus().build();
        List<Pod> pods = new ArrayList<>(List.of(older, newer, restarted, unknown));
        pods.sort(Pods.DELETION_ORDER);
        assertThat(pods).extracting(p -> p.getMetadata().getName()).containsExactly("unknown", "restarted", "newer", "older");
    }
}
