package io.karavel.runtime.podman.impl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import io.karavel.api.runtime.ContainerConfig;
import io.karavel.api.runtime.ContainerNotFoundException;
import io.karavel.api.runtime.ContainerRuntimeException;
import io.karavel.api.runtime.ContainerStatus;
import io.karavel.api.runtime.DnsConfig;
import io.karavel.api.runtime.ExecProcess;
import io.karavel.api.runtime.ImagePullException;
import io.karavel.api.runtime.ImagePullPolicy;
import io.karavel.api.runtime.LogOptions;
import io.karavel.api.runtime.PodSandbox;
import io.karavel.api.runtime.PodSandboxConfig;
import io.karavel.api.runtime.RuntimeInfo;
import io.karavel.api.runtime.RuntimeLabels;
import io.karavel.testing.Eventually;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * The podman runtime against the real podman of this machine (CI installs it with
 * {@code scripts/setup-podman.sh} and builds {@code localhost/busybox:latest} with
 * {@code scripts/build-busybox-image.sh}). The runtime starts its own podman service on a socket
 * in a temporary directory, with the project's containers.conf, and stops it at the end; every
 * pod a test creates is removed by id.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class PodmanRuntimeTest {
    private static final String IMAGE = "localhost/busybox:latest";
    private static final Duration WAIT = Duration.ofSeconds(30);

    private final List<String> sandboxes = Collections.synchronizedList(new ArrayList<>());
    private Path serviceDirectory;
    private PodmanRuntime runtime;
    private String imageRef;
    private String sleeper;

    @BeforeAll
    void startRuntime() throws IOException {
        try {
            Process version = new ProcessBuilder("podman", "--version").redirectErrorStream(true).start();
            version.getInputStream().readAllBytes();
        } catch (IOException e) {
            fail("podman is not installed on this machine (run scripts/setup-podman.sh): " + e.getMessage());
        }
        Path containersConf = Path.of("../../config/podman/containers.conf").toAbsolutePath().normalize();
        assertThat(containersConf).as("the project's containers.conf").isRegularFile();
        // Under /tmp: a unix socket path must stay short.
        serviceDirectory = Files.createTempDirectory(Path.of("/tmp"), "karavel-podman-test");
        runtime = new PodmanRuntime(PodmanSettings.startingService(serviceDirectory, containersConf));
        try {
            imageRef = runtime.ensureImage(IMAGE, ImagePullPolicy.ALWAYS);
        } catch (ImagePullException e) {
            fail(IMAGE + " is missing (run scripts/build-busybox-image.sh): " + e.getMessage());
        }
    }

    @AfterAll
    void stopRuntime() throws IOException {
        if (runtime == null) {
            return;
        }
        // Several at once: podman takes seconds to remove a pod whose containers had exec sessions.
        java.util.concurrent.ExecutorService removers = java.util.concurrent.Executors.newFixedThreadPool(4);
        try {
            List<java.util.concurrent.Future<?>> removals = new ArrayList<>();
            for (String sandbox : List.copyOf(sandboxes)) {
                removals.add(removers.submit(() -> runtime.removePodSandbox(sandbox)));
            }
            for (java.util.concurrent.Future<?> removal : removals) {
                removal.get();
            }
        } catch (InterruptedException | java.util.concurrent.ExecutionException e) {
            throw new AssertionError("removing the test pods failed", e);
        } finally {
            removers.shutdownNow();
            long pid = runtime.startedServicePid();
            runtime.close();
            assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false))
                    .as("the podman service (pid %d) is stopped", pid).isFalse();
            try (Stream<Path> files = Files.walk(serviceDirectory)) {
                files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            }
        }
    }

    // ------------------------------------------------------------------------------- pods

    @Test
    void containersOfAPodShareItsNetworkAndHostname() throws Exception {
        PodSandbox pod = sandbox("web");
        assertThat(pod.ready()).isTrue();
        assertThat(pod.ip()).matches("\\d+\\.\\d+\\.\\d+\\.\\d+");

        String server = start(pod, container("httpd", List.of("sh", "-c"),
                List.of("echo \"hello from $(hostname)\" > /tmp/index.html && exec httpd -f -p 127.0.0.1:8080 -h /tmp")));
        String client = start(pod, container("client", List.of("sh", "-c"),
                List.of("for i in $(seq 1 100); do wget -qO- http://127.0.0.1:8080/ && exit 0; sleep 0.1; done; exit 1")));

        ContainerStatus clientStatus = awaitExit(client);
        assertThat(logs(client, LogOptions.ALL)).isEqualTo("hello from web-host\n");
        assertThat(clientStatus.exitCode()).isZero();
        assertThat(clientStatus.reason()).isEqualTo("Completed");
        assertThat(runtime.containerStatus(server).orElseThrow().state()).isEqualTo(ContainerStatus.State.RUNNING);
        assertThat(runtime.listContainers(pod.id())).extracting(ContainerStatus::name)
                .containsExactlyInAnyOrder("httpd", "client");
    }

    @Test
    void everyContainerOfAPodSeesItsResolver() throws Exception {
        DnsConfig dns = new DnsConfig(List.of("10.96.0.10"),
                List.of("test.svc.cluster.local", "svc.cluster.local", "cluster.local"), List.of("ndots:5", "edns0"));
        PodSandboxConfig base = sandboxConfig("resolver", Map.of(), Map.of());
        PodSandbox pod = run(new PodSandboxConfig(base.uid(), base.namespace(), base.name(), base.hostname(),
                base.labels(), base.annotations(), dns));

        String first = start(pod, container("first", List.of("cat", "/etc/resolv.conf"), List.of()));
        String second = start(pod, container("second", List.of("cat", "/etc/resolv.conf"), List.of()));

        for (String id : List.of(first, second)) {
            assertThat(logsAfterExit(id).lines().filter(line -> !line.isBlank() && !line.startsWith("#")))
                    .containsExactly("search test.svc.cluster.local svc.cluster.local cluster.local",
                            "nameserver 10.96.0.10", "options ndots:5 edns0");
        }
    }

    @Test
    void aResolverWithoutSearchDomainsGetsNoneOfTheHosts() throws Exception {
        PodSandboxConfig base = sandboxConfig("nosearch", Map.of(), Map.of());
        PodSandbox pod = run(new PodSandboxConfig(base.uid(), base.namespace(), base.name(), base.hostname(),
                base.labels(), base.annotations(), new DnsConfig(List.of("10.96.0.10"), List.of(), List.of())));

        String id = start(pod, container("cat", List.of("cat", "/etc/resolv.conf"), List.of()));

        assertThat(logsAfterExit(id).lines().filter(line -> !line.isBlank() && !line.startsWith("#")))
                .containsExactly("nameserver 10.96.0.10");
    }

    @Test
    void runPodSandboxIsIdempotentByUidAndStopAndRemoveRepeat() {
        PodSandboxConfig config = sandboxConfig("again", Map.of(), Map.of());
        PodSandbox first = run(config);
        PodSandbox second = run(config);
        assertThat(second.id()).isEqualTo(first.id());
        assertThat(second.ip()).isEqualTo(first.ip());

        runtime.stopPodSandbox(first.id());
        runtime.stopPodSandbox(first.id());
        assertThat(listed(first.id()).ready()).isFalse();

        // A sandbox that is not ready is replaced by a new one, as a CRI runtime does.
        PodSandbox replacement = run(config);
        assertThat(replacement.id()).isNotEqualTo(first.id());
        assertThat(replacement.ready()).isTrue();
        assertThat(replacement.uid()).isEqualTo(config.uid());

        runtime.removePodSandbox(first.id());
        runtime.removePodSandbox(first.id());
        assertThat(runtime.listPodSandboxes()).extracting(PodSandbox::id).doesNotContain(first.id())
                .contains(replacement.id());
    }

    @Test
    void labelsAndAnnotationsRoundTripThroughListPodSandboxes() throws Exception {
        PodSandboxConfig config = sandboxConfig("labelled", Map.of("app", "shop", "tier", "front"),
                Map.of("kubernetes.io/config.seen", "2026-11-25T17:00:00Z", "note", "a \"quoted\" value"));
        PodSandbox created = run(config);
        PodSandbox listed = listed(created.id());
        assertThat(listed.labels()).isEqualTo(config.labels());
        assertThat(listed.annotations()).isEqualTo(config.annotations());
        assertThat(listed.uid()).isEqualTo(config.uid());
        assertThat(listed.name()).isEqualTo("labelled");
        assertThat(listed.namespace()).isEqualTo("test");
        assertThat(listed.ready()).isTrue();
        assertThat(listed.ip()).isEqualTo(created.ip());
        assertThat(listed.createdAt()).isNotNull();

        // A pod this runtime did not create is not one of its sandboxes.
        String foreign = podmanCli("pod", "create", "--name", "karavel-test-foreign-" + UUID.randomUUID());
        try {
            assertThat(runtime.listPodSandboxes()).extracting(PodSandbox::id).doesNotContain(foreign);
        } finally {
            podmanCli("pod", "rm", "-f", foreign);
        }
    }

    @Test
    void unknownIdsAreNotFoundExceptForStopAndRemove() {
        String unknown = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
        runtime.stopPodSandbox(unknown);
        runtime.removePodSandbox(unknown);
        runtime.stopContainer(unknown, Duration.ZERO);
        runtime.removeContainer(unknown);
        assertThat(runtime.containerStatus(unknown)).isEmpty();
        assertThatThrownBy(() -> runtime.listContainers(unknown)).isInstanceOf(ContainerNotFoundException.class);
        assertThatThrownBy(() -> runtime.startContainer(unknown)).isInstanceOf(ContainerNotFoundException.class);
        assertThatThrownBy(() -> runtime.createContainer(unknown, container("x", List.of("true"), List.of())))
                .isInstanceOf(ContainerNotFoundException.class);
        assertThatThrownBy(() -> runtime.logs(unknown, LogOptions.ALL, new ByteArrayOutputStream()))
                .isInstanceOf(ContainerNotFoundException.class);
        assertThatThrownBy(() -> runtime.exec(unknown, List.of("true"), false, false))
                .isInstanceOf(ContainerNotFoundException.class);
    }

    @Test
    void infoNamesPodmanAndItsVersion() {
        RuntimeInfo info = runtime.info();
        assertThat(info.name()).isEqualTo("podman");
        assertThat(info.version()).matches("\\d+\\.\\d+\\.\\d+.*");
        assertThat(info.isolated()).isTrue();
        assertThat(runtime.name()).isEqualTo("podman");
    }

    // ------------------------------------------------------------------------- containers

    @Test
    void commandAndArgsFollowKubernetesSemantics() throws Exception {
        PodSandbox pod = sandbox("commands");
        // The image has no entrypoint and the command ["/bin/sh"].
        String commandOnly = start(pod, container("command-only", List.of("echo", "command"), List.of()));
        String argsOnly = start(pod, container("args-only", List.of(), List.of("echo", "args")));
        String both = start(pod, container("both", List.of("echo"), List.of("command", "and", "args")));
        String neither = start(pod, container("neither", List.of(), List.of()));

        // Were the image's command appended, echo would print "/bin/sh" too.
        assertThat(logsAfterExit(commandOnly)).isEqualTo("command\n");
        assertThat(logsAfterExit(argsOnly)).isEqualTo("args\n");
        assertThat(logsAfterExit(both)).isEqualTo("command and args\n");
        // The image's /bin/sh, with no stdin, ends at once and successfully.
        assertThat(awaitExit(neither).exitCode()).isZero();
    }

    @Test
    void containerGetsEnvWorkingDirMountsAndLimits() throws Exception {
        Path volume = Files.createTempDirectory(serviceDirectory, "volume");
        Files.writeString(volume.resolve("in.txt"), "from the host\n");
        Path writable = Files.createTempDirectory(serviceDirectory, "writable");
        PodSandbox pod = sandbox("settings");
        Map<String, String> env = new LinkedHashMap<>();
        env.put("GREETING", "hello");
        env.put("TARGET", "world");
        ContainerConfig config = new ContainerConfig("settings", IMAGE, imageRef, 0, List.of("sh", "-c"),
                List.of("echo \"$GREETING $TARGET\"; pwd; cat /data/in.txt;"
                        + " touch /data/x 2>/dev/null && echo data-writable || echo data-read-only;"
                        + " echo out > /out/written && echo out-writable;"
                        + " cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.max;"
                        + " cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us 2>/dev/null || cut -d' ' -f1 /sys/fs/cgroup/cpu.max"),
                env, "/tmp",
                List.of(new ContainerConfig.Mount(volume.toString(), "/data", true),
                        new ContainerConfig.Mount(writable.toString(), "/out", false)),
                new ContainerConfig.ResourceLimits(250, 64L * 1024 * 1024), false, false, Map.of());
        String id = start(pod, config);
        assertThat(logsAfterExit(id)).isEqualTo("hello world\n/tmp\nfrom the host\ndata-read-only\nout-writable\n"
                + (64L * 1024 * 1024) + "\n25000\n");
        assertThat(volume.resolve("x")).doesNotExist();
        assertThat(writable.resolve("written")).hasContent("out");
    }

    @Test
    void statusReportsExitCodesReasonsAndWhatTheContainerWasCreatedWith() throws Exception {
        PodSandbox pod = sandbox("exits");
        Map<String, String> labels = Map.of(RuntimeLabels.CONTAINER_NAME, "fails", RuntimeLabels.POD_UID, pod.uid(),
                RuntimeLabels.CONTAINER_ATTEMPT, "2");
        ContainerConfig failing = new ContainerConfig("fails", IMAGE, imageRef, 2, List.of("sh", "-c", "exit 3"),
                List.of(), Map.of(), null, List.of(), null, false, false, labels);
        String failed = runtime.createContainer(pod.id(), failing);
        ContainerStatus created = runtime.containerStatus(failed).orElseThrow();
        assertThat(created.state()).isEqualTo(ContainerStatus.State.CREATED);
        assertThat(created.startedAt()).isNull();
        assertThat(created.reason()).isNull();
        runtime.startContainer(failed);
        String succeeded = start(pod, container("succeeds", List.of("true"), List.of()));

        ContainerStatus error = awaitExit(failed);
        assertThat(error.exitCode()).isEqualTo(3);
        assertThat(error.reason()).isEqualTo("Error");
        assertThat(error.name()).isEqualTo("fails");
        assertThat(error.attempt()).isEqualTo(2);
        assertThat(error.sandboxId()).isEqualTo(pod.id());
        assertThat(error.image()).isEqualTo(IMAGE);
        assertThat(error.imageRef()).isEqualTo(imageRef);
        assertThat(error.labels()).isEqualTo(labels);
        assertThat(error.createdAt()).isNotNull();
        assertThat(error.startedAt()).isNotNull();
        assertThat(error.finishedAt()).isAfterOrEqualTo(error.startedAt());

        ContainerStatus completed = awaitExit(succeeded);
        assertThat(completed.exitCode()).isZero();
        assertThat(completed.reason()).isEqualTo("Completed");

        runtime.removeContainer(failed);
        runtime.removeContainer(failed);
        assertThat(runtime.containerStatus(failed)).isEmpty();
    }

    @Test
    void stopSendsTermFirstThenKillsAfterTheGracePeriod() throws Exception {
        PodSandbox pod = sandbox("stops");
        // httpd as PID 1 ignores SIGTERM: only the SIGKILL after the grace period ends it.
        String stubborn = start(pod, container("stubborn", List.of("httpd", "-f", "-p", "127.0.0.1:8081"), List.of()));
        // This one exits with 7 on SIGTERM, once it says its trap is set.
        String polite = start(pod, container("polite", List.of("sh", "-c"),
                List.of("trap 'exit 7' TERM; echo trapped; while :; do sleep 0.1; done")));
        eventually(() -> Optional.of(logs(polite, LogOptions.ALL)).filter(out -> out.contains("trapped")),
                "the polite container to set its trap");

        runtime.stopContainer(stubborn, Duration.ofSeconds(1));
        ContainerStatus killed = runtime.containerStatus(stubborn).orElseThrow();
        assertThat(killed.state()).isEqualTo(ContainerStatus.State.EXITED);
        assertThat(killed.exitCode()).isEqualTo(137);
        assertThat(killed.reason()).isEqualTo("Error");

        runtime.stopContainer(polite, Duration.ofSeconds(60));
        ContainerStatus terminated = runtime.containerStatus(polite).orElseThrow();
        assertThat(terminated.state()).isEqualTo(ContainerStatus.State.EXITED);
        assertThat(terminated.exitCode()).isEqualTo(7);

        runtime.stopContainer(polite, Duration.ofSeconds(1));
    }

    // ------------------------------------------------------------------------------- logs

    @Test
    void logsInterleaveStdoutAndStderrAndHonourTailTimestampsAndLimit() throws Exception {
        PodSandbox pod = sandbox("logs");
        String id = start(pod, container("talker", List.of("sh", "-c"),
                List.of("echo one; sleep 0.2; echo two >&2; sleep 0.2; echo three")));
        assertThat(logsAfterExit(id)).isEqualTo("one\ntwo\nthree\n");
        assertThat(logs(id, new LogOptions(false, 1, false, null, -1))).isEqualTo("three\n");
        assertThat(logs(id, new LogOptions(false, -1, false, null, 4))).isEqualTo("one\n");
        assertThat(logs(id, new LogOptions(false, -1, true, null, -1)).lines())
                .hasSize(3).allMatch(line -> line.matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\S* \\w+"));
        assertThat(logs(id, new LogOptions(false, -1, false, java.time.Instant.now().plusSeconds(3600), -1)))
                .isEmpty();
    }

    @Test
    void followedLogsEndWhenTheContainerExits() throws Exception {
        PodSandbox pod = sandbox("follow");
        String id = start(pod, container("counter", List.of("sh", "-c"),
                List.of("for i in 1 2 3; do echo $i; sleep 0.5; done")));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        runtime.logs(id, new LogOptions(true, -1, false, null, -1), out);
        assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("1\n2\n3\n");
        assertThat(runtime.containerStatus(id).orElseThrow().state()).isEqualTo(ContainerStatus.State.EXITED);
    }

    @Test
    void followedLogsEndWhenWritingFails() throws Exception {
        PodSandbox pod = sandbox("gone");
        String id = start(pod, container("ticker", List.of("sh", "-c"),
                List.of("while :; do echo tick; sleep 0.1; done")));
        OutputStream clientGoneAway = new OutputStream() {
            private int writes;

            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                if (++writes > 2) {
                    throw new IOException("client went away");
                }
            }
        };
        assertThatThrownBy(() -> runtime.logs(id, new LogOptions(true, -1, false, null, -1), clientGoneAway))
                .isInstanceOf(IOException.class).hasMessage("client went away");
        assertThat(runtime.containerStatus(id).orElseThrow().state()).isEqualTo(ContainerStatus.State.RUNNING);
    }

    @Test
    void followedLogsEndWhenTheCallingThreadIsInterrupted() throws Exception {
        PodSandbox pod = sandbox("interrupt");
        String id = start(pod, container("ticker", List.of("sh", "-c"),
                List.of("while :; do echo tick; sleep 0.1; done")));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        java.util.concurrent.CompletableFuture<Throwable> ended = new java.util.concurrent.CompletableFuture<>();
        Thread follower = new Thread(() -> {
            try {
                runtime.logs(id, new LogOptions(true, -1, false, null, -1), out);
                ended.complete(null);
            } catch (Throwable e) {
                ended.complete(e);
            }
        }, "log-follower");
        follower.start();
        eventually(() -> Optional.of(out.size()).filter(size -> size > 0), "the first followed line");
        follower.interrupt();
        assertThat(ended.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isInstanceOf(java.io.InterruptedIOException.class);
    }

    // ------------------------------------------------------------------------------- exec

    @Test
    void execPassesStdinAndItsEndOfFile() throws Exception {
        String id = sleeper();
        try (ExecProcess cat = runtime.exec(id, List.of("cat"), true, false)) {
            cat.stdin().write("hello\nworld\n".getBytes(StandardCharsets.UTF_8));
            cat.stdin().close();
            assertThat(new String(cat.stdout().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("hello\nworld\n");
            assertThat(cat.waitFor()).isZero();
        }
    }

    @Test
    void execWithoutStdinSeparatesStdoutFromStderrAndReportsTheExitCode() throws Exception {
        String id = sleeper();
        try (ExecProcess process = runtime.exec(id, List.of("sh", "-c", "echo out; echo err >&2; exit 3"), false,
                false)) {
            assertThat(new String(process.stdout().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("out\n");
            assertThat(new String(process.stderr().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("err\n");
            assertThat(process.waitFor()).isEqualTo(3);
        }
    }

    @Test
    void execOnATerminalMergesOutput() throws Exception {
        String id = sleeper();
        try (ExecProcess process = runtime.exec(id, List.of("sh", "-c", "echo out; echo err >&2; tty"), false,
                true)) {
            String output = new String(process.stdout().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(output).contains("out\r\n", "err\r\n", "/dev/pts/");
            assertThat(process.stderr().readAllBytes()).isEmpty();
            assertThat(process.waitFor()).isZero();
        }
    }

    @Test
    void execOfAMissingCommandExitsWith127AndSaysWhy() throws Exception {
        String id = sleeper();
        try (ExecProcess process = runtime.exec(id, List.of("no-such-command"), false, false)) {
            assertThat(process.stdout().readAllBytes()).isEmpty();
            assertThat(new String(process.stderr().readAllBytes(), StandardCharsets.UTF_8))
                    .contains("no-such-command").contains("not found");
            assertThat(process.waitFor()).isEqualTo(127);
        }
    }

    @Test
    void execInAnExitedContainerFails() throws Exception {
        PodSandbox pod = sandbox("exec-exited");
        String id = start(pod, container("done", List.of("true"), List.of()));
        awaitExit(id);
        assertThatThrownBy(() -> runtime.exec(id, List.of("true"), false, false))
                .isInstanceOf(ContainerRuntimeException.class).hasMessageContaining("not running");
    }

    // ----------------------------------------------------------------------------- images

    @Test
    void ensureImageHonoursPullPolicies() {
        assertThat(imageRef).startsWith("localhost/busybox@sha256:");
        assertThat(runtime.ensureImage(IMAGE, ImagePullPolicy.NEVER)).isEqualTo(imageRef);
        assertThat(runtime.ensureImage(IMAGE, ImagePullPolicy.IF_NOT_PRESENT)).isEqualTo(imageRef);

        // A registry on loopback that is not there: the pull fails without leaving this machine.
        String missing = "localhost/karavel-missing-image:1";
        assertThatThrownBy(() -> runtime.ensureImage(missing, ImagePullPolicy.NEVER))
                .isInstanceOf(ImagePullException.class)
                .hasMessage("image \"" + missing + "\" not present locally and imagePullPolicy is Never");
        assertThatThrownBy(() -> runtime.ensureImage(missing, ImagePullPolicy.IF_NOT_PRESENT))
                .isInstanceOf(ImagePullException.class)
                .hasMessageStartingWith("image \"" + missing + "\" not present locally and pull failed: ")
                .hasMessageNotContaining("\n");
        assertThatThrownBy(() -> runtime.ensureImage("not a reference", ImagePullPolicy.NEVER))
                .isInstanceOf(ImagePullException.class);
    }

    // ---------------------------------------------------------------------------- helpers

    private PodSandboxConfig sandboxConfig(String name, Map<String, String> extraLabels,
                                           Map<String, String> annotations) {
        String uid = UUID.randomUUID().toString();
        Map<String, String> labels = new LinkedHashMap<>(extraLabels);
        labels.put(RuntimeLabels.POD_UID, uid);
        labels.put(RuntimeLabels.POD_NAME, name);
        labels.put(RuntimeLabels.POD_NAMESPACE, "test");
        return new PodSandboxConfig(uid, "test", name, name + "-host", labels, annotations);
    }

    private PodSandbox run(PodSandboxConfig config) {
        PodSandbox sandbox = runtime.runPodSandbox(config);
        sandboxes.add(sandbox.id());
        return sandbox;
    }

    private PodSandbox sandbox(String name) {
        return run(sandboxConfig(name, Map.of(), Map.of()));
    }

    private PodSandbox listed(String sandboxId) {
        return runtime.listPodSandboxes().stream().filter(s -> s.id().equals(sandboxId)).findFirst()
                .orElseThrow(() -> new AssertionError("sandbox " + sandboxId + " not listed"));
    }

    private ContainerConfig container(String name, List<String> command, List<String> args) {
        return new ContainerConfig(name, IMAGE, imageRef, 0, command, args, Map.of(), null, List.of(), null, false,
                false, Map.of(RuntimeLabels.CONTAINER_NAME, name));
    }

    private String start(PodSandbox pod, ContainerConfig config) {
        String id = runtime.createContainer(pod.id(), config);
        runtime.startContainer(id);
        runtime.startContainer(id); // starting a started container again changes nothing
        return id;
    }

    /** One running container that the exec tests share: each pod costs seconds to remove. */
    private String sleeper() {
        if (sleeper == null) {
            sleeper = start(sandbox("exec"), container("sleeper", List.of("sleep", "3600"), List.of()));
        }
        return sleeper;
    }

    private ContainerStatus awaitExit(String id) {
        return eventually(() -> runtime.containerStatus(id).filter(s -> s.state() == ContainerStatus.State.EXITED),
                "container " + id + " to exit");
    }

    private String logsAfterExit(String id) throws IOException {
        awaitExit(id);
        return logs(id, LogOptions.ALL);
    }

    private String logs(String id, LogOptions options) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            runtime.logs(id, options, out);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    private static <T> T eventually(Supplier<Optional<T>> probe, String what) {
        try {
            return Eventually.eventuallyGet(what, WAIT, () -> probe.get().orElse(null));
        } catch (Exception e) {
            throw new AssertionError("waiting for " + what + " failed", e);
        }
    }

    /** The podman command line, with the project's containers.conf, for what the runtime does not do. */
    private static String podmanCli(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("podman"));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().put("CONTAINERS_CONF",
                Path.of("../../config/podman/containers.conf").toAbsolutePath().normalize().toString());
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertThat(process.waitFor()).as("podman %s: %s", String.join(" ", args), output).isZero();
        return output;
    }
}
