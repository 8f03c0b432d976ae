package io.karavel.runtime.process.impl;

import static io.karavel.testing.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import io.karavel.api.runtime.ContainerStatus.State;
import io.karavel.api.runtime.ContainerStatus;
import io.karavel.api.runtime.LogOptions;
import io.karavel.api.runtime.PodSandbox;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A new runtime instance on the same root directory (the node agent's JVM died and restarted)
 * finds the sandboxes and containers again, running or exited meanwhile. "Dropping" an instance
 * here closes its threads only, as a dying JVM would: its processes keep running.
 */
class ProcessRuntimeAdoptionTest extends ProcessRuntimeTestSupport {

    @Test
    void aNewInstanceAdoptsARunningContainerAndCanStopIt() throws Exception {
        PodSandbox pod = sandbox("adopted");
        String id = run(pod.id(), container("sleeper", sh("echo started; exec sleep 1000")));
        eventually("the first line is logged", TIMEOUT, () -> logs(id, LogOptions.ALL).equals("started\n"));
        ContainerStatus before = runtime.containerStatus(id).orElseThrow();
        runtime.close();

        ProcessRuntime restarted = newInstance();

        assertThat(restarted.listPodSandboxes()).containsExactly(pod);
        assertThat(restarted.listContainers(pod.id())).containsExactly(before);
        assertThat(before.state()).isEqualTo(State.RUNNING);
        restarted.stopContainer(id, Duration.ofSeconds(30));
        ContainerStatus stopped = restarted.containerStatus(id).orElseThrow();
        assertThat(stopped.state()).isEqualTo(State.EXITED);
        assertThat(stopped.exitCode()).isEqualTo(128 + 15);
        assertThat(logs(restarted, id, LogOptions.ALL)).isEqualTo("started\n");
    }

    @Test
    void aContainerThatExitedWhileNoInstanceRanIsSeenExitedWithItsCodeAndOutput() throws Exception {
        Path go = root.resolve("go");
        PodSandbox pod = sandbox("exitedmeanwhile");
        String id = run(pod.id(), container("waiter",
                sh("echo before; while [ ! -e " + go + " ]; do sleep 0.02; done; echo after; exit 5")));
        eventually("the first line is logged", TIMEOUT, () -> logs(id, LogOptions.ALL).equals("before\n"));
        ContainerFiles files = runtime.filesOf(id);
        runtime.close();

        Files.createFile(go);
        eventually("the wrapper recorded the exit code", TIMEOUT, () -> files.readExitCode().isPresent());
        ProcessRuntime restarted = newInstance();

        ContainerStatus status = restarted.containerStatus(id).orElseThrow();
        assertThat(status.state()).isEqualTo(State.EXITED);
        assertThat(status.exitCode()).isEqualTo(5);
        assertThat(status.reason()).isEqualTo("Error");
        assertThat(logs(restarted, id, LogOptions.ALL)).isEqualTo("before\nafter\n");
        assertThat(logs(restarted, id, new LogOptions(true, -1, false, null, -1))).isEqualTo("before\nafter\n");
    }

    @Test
    void ipsStayUniqueAcrossARestart() {
        PodSandbox first = sandbox("first");
        runtime.close();

        runtime = newInstance();
        PodSandbox second = sandbox("second");

        assertThat(second.ip()).isNotEqualTo(first.ip());
    }

    @Test
    void aContainerWhoseWrapperWasKilledRunsUntilItsCommandEndsThenExitsWithAnUnknownCode() throws Exception {
        PodSandbox pod = sandbox("lostwrapper");
        String id = run(pod.id(), container("sleeper", List.of("sleep", "1000")));
        ContainerRecord record = ContainerRecord.load(runtime.filesOf(id).directory());
        long commandPid = waitForCommandPid(runtime.filesOf(id));

        ProcessHandle.of(record.wrapperPid()).orElseThrow().destroyForcibly();
        eventually("the wrapper is gone", TIMEOUT, () -> HostProcesses.startTicks(record.wrapperPid()).isEmpty());
        assertThat(runtime.containerStatus(id).orElseThrow().state()).isEqualTo(State.RUNNING);
        runtime.stopContainer(id, Duration.ofSeconds(30));

        assertThat(HostProcesses.startTicks(commandPid)).isEmpty();
        ContainerStatus status = runtime.containerStatus(id).orElseThrow();
        assertThat(status.state()).isEqualTo(State.EXITED);
        assertThat(status.exitCode()).isEqualTo(255);
        assertThat(status.message()).contains("wrapper process is gone").contains("exit code is unknown");
    }

    private static long waitForCommandPid(ContainerFiles files) throws Exception {
        eventually("the command's pid is recorded", TIMEOUT, () -> files.readCommandPid().isPresent());
        return files.readCommandPid().getAsLong();
    }
}
