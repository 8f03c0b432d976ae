package io.karavel.runtime.simulated.impl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.karavel.api.runtime.ContainerConfig;
import io.karavel.api.runtime.ContainerNotFoundException;
import io.karavel.api.runtime.ContainerStatus.State;
import io.karavel.api.runtime.ImagePullPolicy;
import io.karavel.api.runtime.PodSandbox;
import io.karavel.api.runtime.PodSandboxConfig;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SimulatedRuntimeTest {

    private final SimulatedRuntime runtime = new SimulatedRuntime();

    private static PodSandboxConfig pod(String uid) {
        return new PodSandboxConfig(uid, "default", "web-" + uid, null, Map.of("io.kubernetes.pod.uid", uid), Map.of());
    }

    private static ContainerConfig container(String name) {
        return new ContainerConfig(name, "busybox", "simulated://busybox", 0, List.of(), List.of("sleep", "1d"),
                Map.of(), null, List.of(), null, false, false, Map.of());
    }

    @Test
    void sandboxesAreIdempotentByUidAndGetDistinctAddresses() {
        PodSandbox a = runtime.runPodSandbox(pod("a"));
        PodSandbox again = runtime.runPodSandbox(pod("a"));
        PodSandbox b = runtime.runPodSandbox(pod("b"));

        assertThat(again.id()).isEqualTo(a.id());
        assertThat(a.ip()).isNotEqualTo(b.ip()).startsWith("10.");
        assertThat(runtime.listPodSandboxes()).extracting(PodSandbox::uid).containsExactlyInAnyOrder("a", "b");
    }

    @Test
    void containersRunAtOnceAndStopWithExitCodeZero() {
        PodSandbox sandbox = runtime.runPodSandbox(pod("c"));
        String id = runtime.createContainer(sandbox.id(), container("app"));
        assertThat(runtime.containerStatus(id).orElseThrow().state()).isEqualTo(State.CREATED);

        runtime.startContainer(id);
        runtime.startContainer(id);
        assertThat(runtime.containerStatus(id).orElseThrow().state()).isEqualTo(State.RUNNING);

        runtime.stopContainer(id, Duration.ofSeconds(30));
        runtime.stopContainer(id, Duration.ofSeconds(30));
        var stopped = runtime.containerStatus(id).orElseThrow();
        assertThat(stopped.state()).isEqualTo(State.EXITED);
        assertThat(stopped.exitCode()).isZero();
        assertThat(stopped.finishedAt()).isNotNull();
    }

    @Test
    void removingASandboxRemovesItsContainersAndStoppingItStopsThem() {
        PodSandbox sandbox = runtime.runPodSandbox(pod("d"));
        String id = runtime.createContainer(sandbox.id(), container("app"));
        runtime.startContainer(id);

        runtime.stopPodSandbox(sandbox.id());
        assertThat(runtime.containerStatus(id).orElseThrow().state()).isEqualTo(State.EXITED);
        assertThat(runtime.listPodSandboxes()).singleElement().satisfies(s -> assertThat(s.ready()).isFalse());

        runtime.removePodSandbox(sandbox.id());
        runtime.removePodSandbox(sandbox.id());
        assertThat(runtime.containerStatus(id)).isEmpty();
        assertThat(runtime.listPodSandboxes()).isEmpty();
        assertThatThrownBy(() -> runtime.startContainer(id)).isInstanceOf(ContainerNotFoundException.class);
    }

    @Test
    void declaresItselfSimulatedAndNeverFailsAnImage() {
        assertThat(runtime.simulated()).isTrue();
        assertThat(runtime.info().isolated()).isFalse();
        assertThat(runtime.ensureImage("registry.example/none:1", ImagePullPolicy.ALWAYS)).isEqualTo(
                "simulated://registry.example/none:1");
    }
}
