package io.karavel.runtime.process.impl;

import static org.assertj.core.api.Assertions.assertThat;

import io.karavel.api.runtime.ContainerConfig.Mount;
import io.karavel.api.runtime.ExecProcess;
import io.karavel.api.runtime.LogOptions;
import io.karavel.api.runtime.PodSandbox;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Volumes: host directories bind-mounted in each container's private mount namespace (needs root). */
class ProcessRuntimeMountsTest extends ProcessRuntimeTestSupport {

    @BeforeEach
    void needsRoot() {
        Assumptions.assumeTrue(HostProcesses.runningAsRoot(), "bind mounts need root");
    }

    @Test
    void twoContainersOfAPodShareAVolumeAndTheHostSeesNoMount() throws Exception {
        Path volume = Files.createDirectories(root.resolve("emptydir"));
        Path writerView = root.resolve("writer-view/data");
        Path readerView = root.resolve("reader-view/data");
        Path go = root.resolve("go");
        PodSandbox pod = sandbox("volumes");
        String writer = run(pod.id(), container("writer", sh("echo shared > " + writerView + "/file"), Map.of(),
                List.of(new Mount(volume.toString(), writerView.toString(), false))));
        String reader = run(pod.id(), container("reader",
                sh("while [ ! -e " + go + " ]; do sleep 0.02; done; cat " + readerView + "/file;"
                        + " touch " + readerView + "/other 2>/dev/null && echo writable || echo read-only"),
                Map.of(), List.of(new Mount(volume.toString(), readerView.toString(), true))));

        assertThat(awaitExited(writer).exitCode()).isZero();
        Files.createFile(go);
        assertThat(awaitExited(reader).exitCode()).isZero();

        assertThat(logs(reader, LogOptions.ALL)).isEqualTo("shared\nread-only\n");
        assertThat(volume.resolve("file")).hasContent("shared");
        // The mount points exist on the host (created for the bind mounts) but stay empty there.
        assertThat(writerView).isEmptyDirectory();
        assertThat(readerView).isEmptyDirectory();
    }

    @Test
    void execSeesTheContainersMounts() throws Exception {
        Path volume = Files.createDirectories(root.resolve("config"));
        Files.writeString(volume.resolve("setting"), "on\n");
        Path view = root.resolve("etc-app");
        PodSandbox pod = sandbox("execmounts");
        String id = run(pod.id(), container("app", List.of("sleep", "1000"), Map.of(),
                List.of(new Mount(volume.toString(), view.toString(), true))));

        try (ExecProcess cat = runtime.exec(id, List.of("cat", view + "/setting"), false, false)) {
            assertThat(new String(cat.stdout().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("on\n");
            assertThat(cat.waitFor()).isZero();
        }
    }

    @Test
    void aMissingHostDirectoryFailsTheContainerWithAMessage() throws Exception {
        PodSandbox pod = sandbox("badmount");
        String id = run(pod.id(), container("app", List.of("true"), Map.of(),
                List.of(new Mount(root.resolve("missing").toString(), root.resolve("view").toString(), false))));

        var status = awaitExited(id);

        assertThat(status.exitCode()).isEqualTo(126);
        assertThat(status.message()).contains("cannot bind-mount").contains("missing");
    }
}
