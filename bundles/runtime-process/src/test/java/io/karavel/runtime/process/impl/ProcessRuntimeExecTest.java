package io.karavel.runtime.process.impl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.karavel.api.runtime.ContainerNotFoundException;
import io.karavel.api.runtime.ContainerRuntimeException;
import io.karavel.api.runtime.ExecProcess;
import io.karavel.api.runtime.PodSandbox;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ProcessRuntimeExecTest extends ProcessRuntimeTestSupport {

    @Test
    void execPassesStdinThroughAndReturnsTheExitCode() throws Exception {
        PodSandbox pod = sandbox("exec");
        String id = run(pod.id(), container("sleeper", List.of("sleep", "1000")));

        try (ExecProcess cat = runtime.exec(id, List.of("cat"), true, false)) {
            try (OutputStream stdin = cat.stdin()) {
                stdin.write("hello through stdin\n".getBytes(StandardCharsets.UTF_8));
            }
            assertThat(new String(cat.stdout().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("hello through stdin\n");
            assertThat(cat.waitFor()).isZero();
        }
        try (ExecProcess failing = runtime.exec(id, List.of("sh", "-c", "echo oops >&2; exit 7"), false, false)) {
            assertThat(new String(failing.stderr().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("oops\n");
            assertThat(failing.waitFor()).isEqualTo(7);
        }
    }

    @Test
    void execRunsWithTheContainersEnvironmentAndWorkingDirectory() throws Exception {
        PodSandbox pod = sandbox("execenv");
        String id = run(pod.id(), container("sleeper", List.of("sleep", "1000"), Map.of("COLOR", "blue"), List.of()));

        try (ExecProcess env = runtime.exec(id, List.of("sh", "-c", "echo $COLOR $POD_IP $HOSTNAME; pwd"), false, false)) {
            assertThat(new String(env.stdout().readAllBytes(), StandardCharsets.UTF_8))
                    .isEqualTo("blue " + pod.ip() + " execenv\n" + runtime.filesOf(id).defaultWorkingDir() + "\n");
            assertThat(env.waitFor()).isZero();
        }
    }

    @Test
    void withTtyStderrArrivesOnStdout() throws Exception {
        PodSandbox pod = sandbox("exectty");
        String id = run(pod.id(), container("sleeper", List.of("sleep", "1000")));

        try (ExecProcess tty = runtime.exec(id, List.of("sh", "-c", "echo out; echo err >&2"), false, true)) {
            assertThat(new String(tty.stdout().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("out\nerr\n");
            assertThat(tty.waitFor()).isZero();
        }
    }

    @Test
    void anUnknownCommandExitsWith127() throws Exception {
        PodSandbox pod = sandbox("execmissing");
        String id = run(pod.id(), container("sleeper", List.of("sleep", "1000")));

        try (ExecProcess missing = runtime.exec(id, List.of("no-such-command-karavel"), false, false)) {
            assertThat(missing.waitFor()).isEqualTo(127);
        }
    }

    @Test
    void execNeedsARunningContainer() throws Exception {
        PodSandbox pod = sandbox("execexited");
        String id = run(pod.id(), container("done", List.of("true")));
        awaitExited(id);

        assertThatThrownBy(() -> runtime.exec(id, List.of("true"), false, false))
                .isInstanceOf(ContainerRuntimeException.class).hasMessageContaining("not running");
        assertThatThrownBy(() -> runtime.exec("unknown", List.of("true"), false, false))
                .isInstanceOf(ContainerNotFoundException.class);
    }
}
