package io.karavel.runtime.process.impl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.karavel.api.runtime.ContainerConfig;
import io.karavel.api.runtime.ContainerRuntimeException;
import io.karavel.api.runtime.ContainerStatus.State;
import io.karavel.api.runtime.ContainerStatus;
import io.karavel.api.runtime.ImagePullPolicy;
import io.karavel.api.runtime.LogOptions;
import io.karavel.api.runtime.PodSandbox;
import io.karavel.testing.Eventually;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class ProcessRuntimeLifecycleTest extends ProcessRuntimeTestSupport {

    @Test
    void describesItselfAsNotIsolatedAndOnlyRecordsImages() {
        assertThat(runtime.name()).isEqualTo("process");
        assertThat(runtime.info().isolated()).isFalse();
        assertThat(runtime.ensureImage("nginx:1.27", ImagePullPolicy.ALWAYS)).isEqualTo("process://nginx:1.27");
    }

    @Test
    void everySandboxGetsItsOwnIpFromTheRangeAndRunIsIdempotentByUid() {
        PodSandbox first = sandbox("first");
        PodSandbox second = sandbox("second");

        assertThat(first.ready()).isTrue();
        assertThat(first.ip()).isNotEqualTo(second.ip());
        String prefix = ipRange.substring(0, ipRange.lastIndexOf('.') + 1);
        assertThat(List.of(first.ip(), second.ip())).allMatch(ip -> ip.startsWith(prefix));
        assertThat(runtime.runPodSandbox(new io.karavel.api.runtime.PodSandboxConfig(first.uid(), "default", "first",
                null, first.labels(), Map.of()))).isEqualTo(first);
        assertThat(runtime.listPodSandboxes()).containsExactly(first, second);
    }

    @Test
    void theEnvironmentIsExactlyTheConfiguredOnePlusPodIpHostnameAndPath() throws Exception {
        PodSandbox pod = sandbox("envpod");
        String id = run(pod.id(), container("env", List.of("env"), Map.of("GREETING", "hello world"), List.of()));

        awaitExited(id);
        Set<String> lines = Arrays.stream(logs(id, LogOptions.ALL).split("\n")).collect(Collectors.toSet());

        assertThat(lines).containsExactlyInAnyOrder("GREETING=hello world", "POD_IP=" + pod.ip(), "HOSTNAME=envpod",
                "PATH=" + ProcessRuntime.DEFAULT_PATH);
    }

    @Test
    void reportsExitCodesAndReasons() throws Exception {
        PodSandbox pod = sandbox("exits");
        String failing = run(pod.id(), container("failing", sh("exit 3")));
        String succeeding = run(pod.id(), container("succeeding", List.of("true")));
        String missing = run(pod.id(), container("missing", List.of("no-such-command-karavel")));

        ContainerStatus failed = awaitExited(failing);
        assertThat(failed.exitCode()).isEqualTo(3);
        assertThat(failed.reason()).isEqualTo("Error");
        assertThat(failed.finishedAt()).isAfterOrEqualTo(failed.startedAt().minusSeconds(1));
        ContainerStatus completed = awaitExited(succeeding);
        assertThat(completed.exitCode()).isZero();
        assertThat(completed.reason()).isEqualTo("Completed");
        assertThat(awaitExited(missing).exitCode()).isEqualTo(127);
        assertThat(runtime.listContainers(pod.id())).extracting(ContainerStatus::name)
                .containsExactly("failing", "succeeding", "missing");
    }

    @Test
    void aCreatedContainerIsCreatedUntilStartedAndStartIsIdempotent() throws Exception {
        PodSandbox pod = sandbox("created");
        String id = runtime.createContainer(pod.id(), container("later", sh("exit 4")));

        assertThat(runtime.containerStatus(id).orElseThrow().state()).isEqualTo(State.CREATED);
        runtime.startContainer(id);
        assertThat(awaitExited(id).exitCode()).isEqualTo(4);
        runtime.startContainer(id);
        assertThat(runtime.containerStatus(id).orElseThrow().exitCode()).isEqualTo(4);
    }

    @Test
    void refusesAContainerWithNeitherCommandNorArgs() {
        PodSandbox pod = sandbox("nocommand");

        assertThatThrownBy(() -> runtime.createContainer(pod.id(), container("empty", List.of())))
                .isInstanceOf(ContainerRuntimeException.class)
                .hasMessageContaining("the process runtime needs command or args");
    }

    @Test
    void stopSendsSigtermAndReturnsOnceExited() throws Exception {
        PodSandbox pod = sandbox("stop");
        String id = run(pod.id(), container("sleeper", List.of("sleep", "1000")));

        runtime.stopContainer(id, Duration.ofSeconds(30));

        ContainerStatus status = runtime.containerStatus(id).orElseThrow();
        assertThat(status.state()).isEqualTo(State.EXITED);
        assertThat(status.exitCode()).isEqualTo(128 + 15);
    }

    @Test
    void stopSigkillsAProcessThatIgnoresSigtermAfterTheGracePeriod() throws Exception {
        PodSandbox pod = sandbox("stubborn");
        String id = run(pod.id(), container("stubborn", sh("trap '' TERM; echo trapped; sleep 1000")));
        Eventually.eventually("the TERM trap is set", TIMEOUT, () -> logs(id, LogOptions.ALL).contains("trapped"));

        runtime.stopContainer(id, Duration.ofMillis(300));

        ContainerStatus status = runtime.containerStatus(id).orElseThrow();
        assertThat(status.state()).isEqualTo(State.EXITED);
        assertThat(status.exitCode()).isEqualTo(128 + 9);
    }

    @Test
    void stopPodSandboxKillsEveryContainerAndReleasesTheIp() throws Exception {
        PodSandbox pod = sandbox("stoppod");
        String first = run(pod.id(), container("one", List.of("sleep", "1000")));
        String second = run(pod.id(), container("two", sh("trap '' TERM; sleep 1000")));

        runtime.stopPodSandbox(pod.id());

        assertThat(runtime.listContainers(pod.id())).allSatisfy(status -> {
            assertThat(status.state()).isEqualTo(State.EXITED);
            assertThat(status.exitCode()).isEqualTo(128 + 9);
        }).extracting(ContainerStatus::id).containsExactly(first, second);
        PodSandbox stopped = runtime.listPodSandboxes().get(0);
        assertThat(stopped.ready()).isFalse();
        assertThat(stopped.ip()).isNull();
        assertThatThrownBy(() -> runtime.createContainer(pod.id(), container("three", List.of("true"))))
                .isInstanceOf(ContainerRuntimeException.class);
    }

    @Test
    void removePodSandboxRemovesItsContainersAndFiles() throws Exception {
        PodSandbox pod = sandbox("removed");
        String id = run(pod.id(), container("sleeper", List.of("sleep", "1000")));
        ContainerFiles files = runtime.filesOf(id);

        runtime.removePodSandbox(pod.id());
        runtime.removePodSandbox(pod.id());

        assertThat(runtime.listPodSandboxes()).isEmpty();
        assertThat(runtime.containerStatus(id)).isEmpty();
        assertThat(files.directory()).doesNotExist();
        assertThat(root.resolve("sandboxes").resolve(pod.id())).doesNotExist();
        runtime.stopContainer(id, Duration.ZERO);
        runtime.removeContainer(id);
        runtime.stopPodSandbox(pod.id());
    }

    @Test
    void removeContainerKillsARunningOneAndDeletesItsLogs() throws Exception {
        PodSandbox pod = sandbox("removecontainer");
        String id = run(pod.id(), container("sleeper", sh("echo hi; sleep 1000")));
        ContainerFiles files = runtime.filesOf(id);
        long wrapperPid = ContainerRecord.load(files.directory()).wrapperPid();

        runtime.removeContainer(id);

        assertThat(runtime.containerStatus(id)).isEmpty();
        assertThat(Files.exists(files.log())).isFalse();
        Eventually.eventually("the wrapper exited", TIMEOUT, () -> HostProcesses.startTicks(wrapperPid).isEmpty());
    }

    @Test
    void aRecycledPidIsNotMistakenForTheProcess() {
        long self = ProcessHandle.current().pid();
        long ticks = HostProcesses.startTicks(self).orElseThrow();

        assertThat(HostProcesses.isAlive(self, ticks)).isTrue();
        assertThat(HostProcesses.isAlive(self, ticks + 1)).isFalse();
    }

    @Test
    void aContainerRunsInItsWorkingDirectory() throws Exception {
        PodSandbox pod = sandbox("workdir");
        ContainerConfig base = container("pwd", List.of("pwd"));
        String given = root.resolve("given-dir").toString();
        ContainerConfig withWorkingDir = new ContainerConfig("pwd", base.image(), base.imageRef(), 0, base.command(),
                List.of(), Map.of(), given, List.of(), null, false, false, Map.of());

        String defaulted = run(pod.id(), base);
        String explicit = run(pod.id(), withWorkingDir);

        awaitExited(defaulted);
        awaitExited(explicit);
        assertThat(logs(defaulted, LogOptions.ALL)).isEqualTo(runtime.filesOf(defaulted).defaultWorkingDir() + "\n");
        assertThat(logs(explicit, LogOptions.ALL)).isEqualTo(given + "\n");
    }

    @Test
    void stdinIsOpenWhenAskedForAndEmptyOtherwise() throws Exception {
        PodSandbox pod = sandbox("stdin");
        ContainerConfig base = container("reader", sh("read line && echo got $line"));
        ContainerConfig withStdin = new ContainerConfig("reader", base.image(), base.imageRef(), 0, base.command(),
                List.of(), Map.of(), null, List.of(), null, true, false, Map.of());
        String closed = run(pod.id(), base);
        String open = run(pod.id(), withStdin);

        assertThat(awaitExited(closed).exitCode()).isEqualTo(1);
        // There is no attach in the SPI; writing into the FIFO directly shows the reader waited for input.
        Eventually.eventually("the stdin FIFO exists", TIMEOUT, () -> Files.exists(runtime.filesOf(open).stdinFifo()));
        Files.writeString(runtime.filesOf(open).stdinFifo(), "hello\n");
        assertThat(awaitExited(open).exitCode()).isZero();
        assertThat(logs(open, LogOptions.ALL)).isEqualTo("got hello\n");
    }

    @Test
    void whatTheMainProcessLeftBehindEndsWithIt() throws Exception {
        PodSandbox pod = sandbox("leftovers");
        java.nio.file.Path pidFile = root.resolve("background.pid");
        String id = run(pod.id(), container("parent", sh("sleep 1000 & echo $! > " + pidFile + "; exit 0")));

        assertThat(awaitExited(id).exitCode()).isZero();

        long background = Long.parseLong(Files.readString(pidFile).trim());
        Eventually.eventually("the background sleep is gone", TIMEOUT, () -> HostProcesses.startTicks(background).isEmpty());
    }
}
