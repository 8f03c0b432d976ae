package io.karavel.runtime.podman.impl;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A podman service left running by a runtime that did not stop it (as after kill -9 of the JVM)
 * is adopted by the next runtime on the same directory instead of a second one being started.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PodmanServiceAdoptionTest {

    @Test
    void aServiceLeftRunningIsAdoptedAndStoppedByItsNewOwner() throws IOException {
        Path directory = Files.createTempDirectory(Path.of("/tmp"), "karavel-podman-adopt");
        Path containersConf = Path.of("../../config/podman/containers.conf").toAbsolutePath().normalize();
        PodmanSettings leaveRunning = new PodmanSettings(null, directory, containersConf, "podman", false,
                Duration.ofSeconds(30));
        long firstPid = -1;
        try {
            try (PodmanRuntime first = new PodmanRuntime(leaveRunning)) {
                firstPid = first.startedServicePid();
            }
            assertThat(ProcessHandle.of(firstPid).map(ProcessHandle::isAlive)).contains(true);

            try (PodmanRuntime second = new PodmanRuntime(PodmanSettings.startingService(directory, containersConf))) {
                assertThat(second.startedServicePid()).isEqualTo(firstPid);
                assertThat(second.info().name()).isEqualTo("podman");
            }
            assertThat(ProcessHandle.of(firstPid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
            assertThat(directory.resolve("podman-service.pid")).doesNotExist();
        } finally {
            ProcessHandle.of(firstPid).ifPresent(ProcessHandle::destroyForcibly);
            try (Stream<Path> files = Files.walk(directory)) {
                files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            }
        }
    }
}
