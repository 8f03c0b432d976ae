package io.karavel.runtime.process.impl;

import static io.karavel.testing.Eventually.eventually;

import io.karavel.api.runtime.ContainerConfig;
import io.karavel.api.runtime.ContainerStatus;
import io.karavel.api.runtime.LogOptions;
import io.karavel.api.runtime.PodSandbox;
import io.karavel.api.runtime.PodSandboxConfig;
import io.karavel.api.runtime.RuntimeLabels;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * A runtime on a temporary root directory with its own random /24 of loopback addresses (so
 * tests running at the same time on this machine do not share IPs), and a clean-up that kills
 * every container the test started, by pid, through a fresh runtime instance.
 */
abstract class ProcessRuntimeTestSupport {

    static final Duration TIMEOUT = Duration.ofSeconds(20);

    @TempDir
    Path root;

    String ipRange;
    ProcessRuntime runtime;
    private final List<ProcessRuntime> instances = new ArrayList<>();

    @BeforeEach
    void startRuntime() {
        ipRange = "127.77." + ThreadLocalRandom.current().nextInt(1, 255) + ".0/24";
        runtime = newInstance();
    }

    /** Another runtime instance on the same root directory (what a restarted node agent creates). */
    ProcessRuntime newInstance() {
        ProcessRuntime instance = new ProcessRuntime(root, ipRange, "0.0.0-test");
        instances.add(instance);
        return instance;
    }

    @AfterEach
    void removeEverything() {
        instances.forEach(ProcessRuntime::close);
        try (ProcessRuntime cleaner = new ProcessRuntime(root, ipRange, "0.0.0-test")) {
            for (PodSandbox sandbox : cleaner.listPodSandboxes()) {
                cleaner.removePodSandbox(sandbox.id());
            }
        }
    }

    PodSandbox sandbox(String name) {
        String uid = UUID.randomUUID().toString();
        return runtime.runPodSandbox(new PodSandboxConfig(uid, "default", name, null,
                Map.of(RuntimeLabels.POD_UID, uid, RuntimeLabels.POD_NAME, name, RuntimeLabels.POD_NAMESPACE, "default"),
                Map.of()));
    }

    static ContainerConfig container(String name, List<String> command) {
        return container(name, command, Map.of(), List.of());
    }

    static ContainerConfig container(String name, List<String> command, Map<String, String> env,
                                     List<ContainerConfig.Mount> mounts) {
        return new ContainerConfig(name, "busybox:1.36", "process://busybox:1.36", 0, command, List.of(), env, null,
                mounts, ContainerConfig.ResourceLimits.NONE, false, false, Map.of(RuntimeLabels.CONTAINER_NAME, name));
    }

    static List<String> sh(String script) {
        return List.of("/bin/sh", "-c", script);
    }

    /** Creates and starts a container; returns its id. */
    String run(String sandboxId, ContainerConfig config) {
        String id = runtime.createContainer(sandboxId, config);
        runtime.startContainer(id);
        return id;
    }

    ContainerStatus awaitExited(ProcessRuntime instance, String containerId) throws Exception {
        eventually("container " + containerId + " exited", TIMEOUT,
                () -> instance.containerStatus(containerId).orElseThrow().state() == ContainerStatus.State.EXITED);
        return instance.containerStatus(containerId).orElseThrow();
    }

    ContainerStatus awaitExited(String containerId) throws Exception {
        return awaitExited(runtime, containerId);
    }

    String logs(ProcessRuntime instance, String containerId, LogOptions options) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        instance.logs(containerId, options, out);
        return out.toString(StandardCharsets.UTF_8);
    }

    String logs(String containerId, LogOptions options) throws Exception {
        return logs(runtime, containerId, options);
    }
}
