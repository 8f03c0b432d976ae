package io.karavel.runtime.process.impl;

import io.karavel.api.runtime.ContainerConfig;
import io.karavel.api.runtime.ContainerNotFoundException;
import io.karavel.api.runtime.ContainerRuntime;
import io.karavel.api.runtime.ContainerRuntimeException;
import io.karavel.api.runtime.ContainerStatus;
import io.karavel.api.runtime.ExecProcess;
import io.karavel.api.runtime.ImagePullPolicy;
import io.karavel.api.runtime.LogOptions;
import io.karavel.api.runtime.PodSandbox;
import io.karavel.api.runtime.PodSandboxConfig;
import io.karavel.api.runtime.RuntimeInfo;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code process} container runtime: a pod is a group of host processes sharing a loopback IP.
 *
 * <p><strong>It gives no isolation.</strong> Containers are ordinary processes of the node's user
 * (root, in a Karaf started as root): they see the host's filesystem, processes, users and
 * network, and nothing limits their CPU or memory ({@link ContainerConfig.ResourceLimits} are
 * ignored). The image is only recorded; {@code command + args} run on the host as given. It is
 * for hosts without a container engine and for fast tests, not for untrusted workloads.
 *
 * <ul>
 * <li><b>Network</b>: each sandbox gets its own address from {@code ip.range} (inside
 *     {@code 127.0.0.0/8}, where Linux answers every address on loopback without setup), exported
 *     as {@code POD_IP}. Nothing stops a process from binding other addresses: the IP is a
 *     convention the pod's programs follow by binding {@code $POD_IP}.</li>
 * <li><b>Environment</b>: exactly the configured one plus {@code POD_IP}, {@code HOSTNAME} (the
 *     sandbox's hostname; the host name itself is not changed) and a default {@code PATH} when none
 *     is given.</li>
 * <li><b>Volumes</b>: a container with mounts runs in a private mount namespace
 *     ({@code unshare --mount}) where each host directory is bind-mounted at its container path
 *     (created on the host if missing, as an empty directory). This needs root and util-linux's
 *     {@code unshare}; otherwise such containers fail to create with a message saying so. Two
 *     containers mounting the same host directory share its files.</li>
 * <li><b>Resolver</b>: pods share the host's network ({@link #podsOnHostNetwork()}). A sandbox
 *     given a {@link io.karavel.api.runtime.DnsConfig} keeps it as {@code resolv.conf} in its
 *     directory, bind-mounted over {@code /etc/resolv.conf} in each container's private mount
 *     namespace; the host's file is untouched.</li>
 * <li><b>Surviving the JVM</b>: every container runs under a small {@code /bin/sh} wrapper in a
 *     session of its own (see {@link WrapperScript}); its output goes straight to files, its exit
 *     code is written to a file, and everything the runtime knows is in files under
 *     {@code root.dir}. A new instance on the same directory (after a Karaf restart, even after
 *     {@code kill -9}) finds every sandbox and container again, running or exited. Deactivating
 *     the component (bundle stop, Karaf shutdown) therefore stops no container: the node agent
 *     decides what runs.</li>
 * <li><b>Logs</b>: see {@link LogPump} (per-line times are the time a line was copied, within
 *     {@value LogPump#POLL_MILLIS} ms while the runtime runs).</li>
 * <li><b>Exec</b>: the command runs on the host with the container's environment and working
 *     directory (and inside its mount namespace, through {@code nsenter}). No terminal is
 *     allocated: with {@code tty} stderr is merged into stdout, nothing more.</li>
 * </ul>
 *
 * <p>One runtime instance per {@code root.dir} at a time.
 */
@Component(
        name = ProcessRuntime.PID,
        configurationPid = ProcessRuntime.PID,
        configurationPolicy = ConfigurationPolicy.OPTIONAL,
        // Immediate, not delayed until the node agent asks: the log pump of adopted pods runs from the start.
        immediate = true,
        service = ContainerRuntime.class,
        property = ContainerRuntime.NAME_PROPERTY + "=" + ProcessRuntime.NAME)
@Designate(ocd = ProcessRuntime.Config.class)
public final class ProcessRuntime implements ContainerRuntime, AutoCloseable {

    static final String PID = "io.karavel.runtime.process";
    static final String NAME = "process";
    static final String DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    /** The pod's resolver in its sandbox's directory, written when the node agent gives one. */
    static final String RESOLV_CONF = "resolv.conf";
    private static final Duration POLL = Duration.ofMillis(10);
    /** How long a SIGKILLed process may take to be gone before stop gives up. */
    private static final Duration KILL_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration KILL_RESEND = Duration.ofMillis(500);
    private static final Logger LOG = LoggerFactory.getLogger(ProcessRuntime.class);

    @ObjectClassDefinition(name = "Karavel process runtime",
            description = "Runs pods as groups of host processes with their own loopback IP. No isolation.")
    public @interface Config {
        @AttributeDefinition(description = "CIDR range inside 127.0.0.0/8 from which every pod sandbox gets its own"
                + " loopback IP (exported to its containers as POD_IP). Addresses ending in .0 or .255 and the"
                + " range's network and broadcast addresses are never used.")
        String ip_range() default "127.77.0.0/16";

        @AttributeDefinition(description = "Directory of the runtime's state (sandbox and container records, logs,"
                + " wrapper scripts). A relative path is resolved against the system property karaf.base (else"
                + " the working directory). A new runtime instance on the same directory adopts what runs.")
        String root_dir() default "var/runtime-process";
    }

    private final Path root;
    private final Path sandboxesDir;
    private final Path containersDir;
    private final LoopbackIpPool ipPool;
    private final String version;
    private final LogPump logPump = new LogPump();
    private final Map<String, SandboxRecord> sandboxes = new ConcurrentHashMap<>();
    private final Map<String, ContainerRecord> containers = new ConcurrentHashMap<>();
    private final Map<String, Object> containerLocks = new ConcurrentHashMap<>();
    /** Guards sandbox creation and IP allocation. */
    private final Object sandboxLock = new Object();

    @Activate
    public ProcessRuntime(Config config, BundleContext context) {
        this(resolveRoot(config.root_dir()), config.ip_range(), context.getBundle().getVersion().toString());
    }

    /**
     * A runtime on {@code root} handing out IPs from {@code ipRange}: loads what a previous
     * instance left there (its processes may still run).
     */
    public ProcessRuntime(Path root, String ipRange, String version) {
        this.root = root.toAbsolutePath().normalize();
        this.sandboxesDir = this.root.resolve("sandboxes");
        this.containersDir = this.root.resolve("containers");
        this.ipPool = new LoopbackIpPool(ipRange);
        this.version = version;
        try {
            Files.createDirectories(sandboxesDir);
            Files.createDirectories(containersDir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the process runtime directory " + this.root, e);
        }
        loadState();
    }

    static Path resolveRoot(String configured) {
        Path path = Path.of(configured);
        if (path.isAbsolute()) {
            return path;
        }
        String base = System.getProperty("karaf.base");
        return base == null ? path.toAbsolutePath() : Path.of(base).resolve(path);
    }

    private void loadState() {
        for (Path directory : subdirectories(sandboxesDir)) {
            if (Files.exists(directory.resolve(SandboxRecord.FILE_NAME))) {
                SandboxRecord sandbox = SandboxRecord.load(directory);
                sandboxes.put(sandbox.id(), sandbox);
            } else {
                LOG.warn("Ignoring {}: no {} (left by an interrupted create?)", directory, SandboxRecord.FILE_NAME);
            }
        }
        for (Path directory : subdirectories(containersDir)) {
            if (Files.exists(directory.resolve(ContainerRecord.FILE_NAME))) {
                ContainerRecord container = ContainerRecord.load(directory);
                containers.put(container.id(), container);
                if (container.startedAt() != null) {
                    watchLogs(container.id());
                }
            } else {
                LOG.warn("Ignoring {}: no {} (left by an interrupted create?)", directory, ContainerRecord.FILE_NAME);
            }
        }
        LOG.info("Process runtime on {}: {} sandboxes, {} containers found", root, sandboxes.size(), containers.size());
    }

    private static List<Path> subdirectories(Path directory) {
        try (Stream<Path> children = Files.list(directory)) {
            return children.filter(Files::isDirectory).toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + directory, e);
        }
    }

    /** Stops the runtime's own threads. Containers keep running: a new instance adopts them. */
    @Deactivate
    @Override
    public void close() {
        logPump.close();
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public RuntimeInfo info() {
        return new RuntimeInfo(NAME, version, false);
    }

    /** Pods are host processes: they share the host's network (each with a loopback IP of its own). */
    @Override
    public boolean podsOnHostNetwork() {
        return true;
    }

    /** Images are not used: the reference only records the image name. Never fails. */
    @Override
    public String ensureImage(String image, ImagePullPolicy policy) {
        return "process://" + image;
    }

    // ---- sandboxes -------------------------------------------------------------------------

    @Override
    public PodSandbox runPodSandbox(PodSandboxConfig config) {
        synchronized (sandboxLock) {
            for (SandboxRecord existing : sandboxes.values()) {
                if (existing.uid().equals(config.uid()) && existing.ready()) {
                    return existing.toPodSandbox();
                }
            }
            Set<String> inUse = new HashSet<>();
            for (SandboxRecord sandbox : sandboxes.values()) {
                if (sandbox.ip() != null) {
                    inUse.add(sandbox.ip());
                }
            }
            Path cursorFile = root.resolve("ip.cursor");
            String cursor = ContainerFiles.readSmallFile(cursorFile); // the last IP handed out, if any
            String ip;
            try {
                ip = ipPool.allocate(inUse, cursor == null || cursor.isBlank() ? null : cursor.trim());
            } catch (IllegalStateException e) {
                throw new ContainerRuntimeException(e.getMessage());
            }
            String id = newId();
            SandboxRecord sandbox = new SandboxRecord(id, config.uid(), config.namespace(), config.name(),
                    config.hostname(), ip, true, Instant.now(), config.labels(), config.annotations());
            Path directory = sandboxesDir.resolve(id);
            try {
                Files.createDirectories(directory);
            } catch (IOException e) {
                throw new ContainerRuntimeException("cannot create the sandbox directory " + directory, e);
            }
            if (config.dns() != null) {
                StateFiles.writeString(directory.resolve(RESOLV_CONF), config.dns().resolvConf());
            }
            sandbox.save(directory);
            StateFiles.writeString(cursorFile, ip + "\n");
            sandboxes.put(id, sandbox);
            return sandbox.toPodSandbox();
        }
    }

    /**
     * The pod's resolv.conf for a new container of {@code sandbox}, {@code null} when the pod has
     * none (the host's resolver) or when it cannot be mounted (not root, no util-linux): the
     * container then keeps the host's resolver rather than not starting, as a warning says.
     */
    private String resolvConfOf(SandboxRecord sandbox, String containerName) {
        Path file = sandboxesDir.resolve(sandbox.id()).resolve(RESOLV_CONF);
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try {
            checkMountNamespaceSupport(containerName);
        } catch (ContainerRuntimeException e) {
            LOG.warn("Container {} of pod {}/{} keeps the host's /etc/resolv.conf: {}", containerName,
                    sandbox.namespace(), sandbox.name(), e.getMessage());
            return null;
        }
        return file.toString();
    }

    @Override
    public void stopPodSandbox(String sandboxId) {
        if (!sandboxes.containsKey(sandboxId)) {
            return; // the SPI: stopping what is unknown does nothing
        }
        killAll(containersOf(sandboxId));
        synchronized (sandboxLock) {
            SandboxRecord current = sandboxes.get(sandboxId);
            if (current != null && current.ready()) {
                SandboxRecord stopped = current.stopped(); // the IP is free again from here
                stopped.save(sandboxesDir.resolve(sandboxId));
                sandboxes.put(sandboxId, stopped);
            }
        }
    }

    @Override
    public void removePodSandbox(String sandboxId) {
        if (!sandboxes.containsKey(sandboxId)) {
            return;
        }
        stopPodSandbox(sandboxId);
        for (ContainerRecord container : containersOf(sandboxId)) {
            removeContainer(container.id());
        }
        synchronized (sandboxLock) {
            deleteRecursively(sandboxesDir.resolve(sandboxId));
            sandboxes.remove(sandboxId);
        }
    }

    @Override
    public List<PodSandbox> listPodSandboxes() {
        return sandboxes.values().stream()
                .sorted(Comparator.comparing(SandboxRecord::createdAt))
                .map(SandboxRecord::toPodSandbox)
                .toList();
    }

    // ---- containers ------------------------------------------------------------------------

    @Override
    public String createContainer(String sandboxId, ContainerConfig config) {
        SandboxRecord sandbox = readySandbox(sandboxId);
        if (config.command().isEmpty() && config.args().isEmpty()) {
            throw new ContainerRuntimeException("the process runtime needs command or args: it has no image to take"
                    + " an entrypoint from (container " + config.name() + ")");
        }
        for (ContainerConfig.Mount mount : config.mounts()) {
            if (!mount.containerPath().startsWith("/") || !mount.hostPath().startsWith("/")) {
                throw new ContainerRuntimeException("mount paths must be absolute: " + mount.hostPath() + " -> "
                        + mount.containerPath());
            }
        }
        if (!config.mounts().isEmpty()) {
            checkMountNamespaceSupport(config.name());
        }
        String resolvConf = resolvConfOf(sandbox, config.name());
        String id = newId();
        ContainerFiles files = filesOf(id);
        String workingDir = config.workingDir() == null || config.workingDir().isEmpty()
                ? files.defaultWorkingDir().toString() : config.workingDir();
        Map<String, String> env = new LinkedHashMap<>(config.env());
        env.put("POD_IP", sandbox.ip());
        env.put("HOSTNAME", sandbox.hostname());
        env.putIfAbsent("PATH", DEFAULT_PATH);
        ContainerRecord container = new ContainerRecord(id, sandboxId, config.name(), config.attempt(), config.image(),
                config.imageRef(), config.command(), config.args(), env, workingDir, config.mounts(), config.stdin(),
                config.tty(), config.labels(), sandbox.ip(), resolvConf, Instant.now(), null, -1, -1);
        try {
            Files.createDirectories(files.defaultWorkingDir());
        } catch (IOException e) {
            throw new ContainerRuntimeException("cannot create the container directory " + files.directory(), e);
        }
        container.save(files.directory());
        containers.put(id, container);
        return id;
    }

    @Override
    public void startContainer(String containerId) {
        synchronized (lockOf(containerId)) {
            ContainerRecord container = container(containerId);
            if (container.startedAt() != null) {
                return; // already started (running or exited): idempotent
            }
            readySandbox(container.sandboxId());
            if (container.commandLine().isEmpty()) {
                throw new ContainerRuntimeException("the process runtime needs command or args (container "
                        + container.name() + ")");
            }
            if (container.ownMountNamespace()) {
                checkMountNamespaceSupport(container.name());
            }
            ContainerFiles files = filesOf(containerId);
            try {
                Files.writeString(files.startScript(), WrapperScript.generate(containerId, files, container));
            } catch (IOException e) {
                throw new ContainerRuntimeException("cannot write " + files.startScript(), e);
            }
            List<String> launcher = new ArrayList<>();
            launcher.add(HostProcesses.tool("setsid"));
            if (container.ownMountNamespace()) {
                launcher.addAll(List.of(HostProcesses.tool("unshare"), "--mount", "--propagation", "private"));
            }
            launcher.addAll(List.of("/bin/sh", files.startScript().toString()));
            ProcessBuilder builder = new ProcessBuilder(launcher)
                    .directory(files.directory().toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(files.rawStdout().toFile()))
                    .redirectError(ProcessBuilder.Redirect.appendTo(files.rawStderr().toFile()));
            builder.environment().clear();
            builder.environment().putAll(container.env());
            Instant startedAt = Instant.now();
            Process wrapper;
            try {
                wrapper = builder.start();
            } catch (IOException e) {
                throw new ContainerRuntimeException("cannot start container " + container.name() + ": " + e.getMessage(), e);
            }
            // setsid execs (no fork) when its caller leads no process group, so this is the wrapper's pid.
            long pid = wrapper.pid();
            ContainerRecord started = container.started(startedAt, pid, HostProcesses.startTicks(pid).orElse(-1));
            started.save(files.directory());
            containers.put(containerId, started);
            watchLogs(containerId);
        }
    }

    @Override
    public void stopContainer(String containerId, Duration gracePeriod) {
        ContainerRecord container = containers.get(containerId);
        if (container == null || container.startedAt() == null || hasExited(container)) {
            return;
        }
        OptionalLong group = commandProcessGroup(container);
        if (group.isEmpty()) {
            return; // exited meanwhile
        }
        HostProcesses.signalGroup(group.getAsLong(), "TERM");
        if (awaitExit(List.of(container), gracePeriod)) {
            return;
        }
        killAll(List.of(container));
    }

    /**
     * SIGKILLs the process groups of all running {@code targets} at once and waits until they are
     * gone, repeating the signal while waiting (cheap insurance: a group that a process joined
     * late, or a signal that found no group, gets it again).
     */
    private void killAll(List<ContainerRecord> targets) {
        Map<ContainerRecord, Long> running = new LinkedHashMap<>();
        for (ContainerRecord container : targets) {
            if (container.startedAt() != null && !hasExited(container)) {
                commandProcessGroup(container).ifPresent(group -> running.put(container, group));
            }
        }
        long deadline = System.nanoTime() + KILL_TIMEOUT.toNanos();
        while (!running.isEmpty()) {
            running.forEach((container, group) -> HostProcesses.signalGroup(group, "KILL"));
            awaitExit(List.copyOf(running.keySet()), KILL_RESEND);
            running.keySet().removeIf(this::hasExited);
            if (!running.isEmpty() && System.nanoTime() > deadline) {
                throw new ContainerRuntimeException("container " + running.keySet().iterator().next().name()
                        + " did not exit after SIGKILL");
            }
        }
    }

    @Override
    public void removeContainer(String containerId) {
        synchronized (lockOf(containerId)) {
            ContainerRecord container = containers.get(containerId);
            if (container == null) {
                return;
            }
            if (container.startedAt() != null && !hasExited(container)) {
                killAll(List.of(container)); // CRI: a running container is removed forcibly
            }
            logPump.unwatch(containerId);
            deleteRecursively(filesOf(containerId).directory());
            containers.remove(containerId);
        }
        containerLocks.remove(containerId);
    }

    @Override
    public List<ContainerStatus> listContainers(String sandboxId) {
        return containersOf(sandboxId).stream().map(this::status).toList();
    }

    @Override
    public Optional<ContainerStatus> containerStatus(String containerId) {
        return Optional.ofNullable(containers.get(containerId)).map(this::status);
    }

    @Override
    public void logs(String containerId, LogOptions options, OutputStream out) throws IOException {
        container(containerId);
        new LogReader(filesOf(containerId), options, out, () -> logPump.drain(containerId)).run();
    }

    @Override
    public ExecProcess exec(String containerId, List<String> command, boolean stdin, boolean tty) throws IOException {
        ContainerRecord container = container(containerId);
        if (container.startedAt() == null || hasExited(container)) {
            throw new ContainerRuntimeException("container " + container.name() + " is not running");
        }
        if (command.isEmpty()) {
            throw new ContainerRuntimeException("exec needs a command");
        }
        // The shell enters the working directory and execs the command, which is looked up in the
        // container's PATH (the JVM would look it up in its own).
        String enter = WrapperScript.restoreShellVariables(container.env()).replace('\n', ';');
        List<String> line = new ArrayList<>();
        if (container.ownMountNamespace()) {
            OptionalLong target = commandProcessGroup(container);
            if (target.isEmpty()) {
                throw new ContainerRuntimeException("container " + container.name() + " is not running");
            }
            line.addAll(List.of(HostProcesses.tool("nsenter"), "--mount", "--target", Long.toString(target.getAsLong()), "--"));
        }
        line.addAll(List.of("/bin/sh", "-c", "cd \"$1\" || exit 126; " + enter + " shift; exec \"$@\"", "sh",
                container.workingDir()));
        line.addAll(command);
        ProcessBuilder builder = new ProcessBuilder(line).redirectErrorStream(tty);
        if (!stdin) {
            builder.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        }
        builder.environment().clear();
        builder.environment().putAll(container.env());
        try {
            return new HostExecProcess(builder.start(), stdin);
        } catch (IOException e) {
            throw new ContainerRuntimeException("cannot exec in container " + container.name() + ": " + e.getMessage(), e);
        }
    }

    // ---- state -----------------------------------------------------------------------------

    private ContainerStatus status(ContainerRecord container) {
        ContainerFiles files = filesOf(container.id());
        ContainerStatus.State state;
        int exitCode = 0;
        String reason = null;
        String message = null;
        Instant finishedAt = null;
        if (container.startedAt() == null) {
            state = ContainerStatus.State.CREATED;
        } else {
            OptionalInt exit = exitCode(container);
            if (exit.isEmpty()) {
                state = ContainerStatus.State.RUNNING;
            } else {
                state = ContainerStatus.State.EXITED;
                exitCode = exit.getAsInt();
                reason = exitCode == 0 ? "Completed" : "Error";
                message = files.readMessage();
                finishedAt = files.exitTime();
            }
        }
        return new ContainerStatus(container.id(), container.sandboxId(), container.name(), container.attempt(), state,
                exitCode, reason, message, container.image(), container.imageRef(), container.createdAt(),
                container.startedAt(), finishedAt, container.labels());
    }

    private boolean hasExited(ContainerRecord container) {
        return exitCode(container).isPresent();
    }

    /**
     * The exit code of a started container, empty while it runs: while its wrapper lives, or while
     * its command does when the wrapper was killed on its own. When both are gone without an exit
     * code written (the wrapper was killed, or the host rebooted), 255 is recorded with a message,
     * so the answer stays the same from then on.
     */
    private OptionalInt exitCode(ContainerRecord container) {
        ContainerFiles files = filesOf(container.id());
        OptionalInt exit = files.readExitCode();
        if (exit.isPresent()) {
            return exit;
        }
        if (HostProcesses.isAlive(container.wrapperPid(), container.wrapperStartTicks())) {
            return OptionalInt.empty();
        }
        OptionalLong commandPid = files.readCommandPid();
        OptionalLong commandTicks = files.readCommandStartTicks();
        if (commandPid.isPresent() && commandTicks.isPresent()
                && HostProcesses.isAlive(commandPid.getAsLong(), commandTicks.getAsLong())) {
            return OptionalInt.empty();
        }
        exit = files.readExitCode(); // it may have written the file just before exiting
        if (exit.isPresent() || !Files.isDirectory(files.directory())) {
            return exit;
        }
        synchronized (lockOf(container.id())) {
            exit = files.readExitCode();
            if (exit.isEmpty() && Files.isDirectory(files.directory())) {
                StateFiles.writeString(files.message(), "the container's wrapper process is gone without recording an"
                        + " exit code (it was killed, or the host rebooted): the exit code is unknown\n");
                StateFiles.writeString(files.exitCode(), "255\n");
                exit = OptionalInt.of(255);
            }
        }
        return exit;
    }

    /**
     * The command's pid, which is also its process group id. The wrapper writes it right after
     * starting the command: wait for it briefly; empty once the container has exited.
     */
    private OptionalLong commandProcessGroup(ContainerRecord container) {
        ContainerFiles files = filesOf(container.id());
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (true) {
            OptionalLong pid = files.readCommandPid();
            if (pid.isPresent()) {
                return pid;
            }
            if (hasExited(container) || System.nanoTime() > deadline) {
                return OptionalLong.empty();
            }
            pause();
        }
    }

    /** Waits until every container has exited, up to {@code timeout}; true if they all did. */
    private boolean awaitExit(List<ContainerRecord> targets, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            if (targets.stream().allMatch(this::hasExited)) {
                return true;
            }
            if (System.nanoTime() >= deadline) {
                return false;
            }
            pause();
        }
    }

    private static void pause() {
        try {
            Thread.sleep(POLL.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ContainerRuntimeException("interrupted while waiting for a container to exit", e);
        }
    }

    private void watchLogs(String containerId) {
        logPump.watch(containerId, filesOf(containerId), () -> {
            ContainerRecord current = containers.get(containerId);
            return current == null || hasExited(current);
        });
    }

    private List<ContainerRecord> containersOf(String sandboxId) {
        return containers.values().stream()
                .filter(container -> container.sandboxId().equals(sandboxId))
                .sorted(Comparator.comparing(ContainerRecord::createdAt))
                .toList();
    }

    private SandboxRecord readySandbox(String sandboxId) {
        SandboxRecord sandbox = sandboxes.get(sandboxId);
        if (sandbox == null) {
            throw new ContainerNotFoundException(sandboxId);
        }
        if (!sandbox.ready()) {
            throw new ContainerRuntimeException("sandbox " + sandbox.namespace() + "/" + sandbox.name() + " is stopped");
        }
        return sandbox;
    }

    private ContainerRecord container(String containerId) {
        ContainerRecord container = containers.get(containerId);
        if (container == null) {
            throw new ContainerNotFoundException(containerId);
        }
        return container;
    }

    private Object lockOf(String containerId) {
        return containerLocks.computeIfAbsent(containerId, id -> new Object());
    }

    ContainerFiles filesOf(String containerId) {
        return new ContainerFiles(containersDir.resolve(containerId));
    }

    private static void checkMountNamespaceSupport(String containerName) {
        if (!HostProcesses.runningAsRoot()) {
            throw new ContainerRuntimeException("container " + containerName + " has volume mounts or a resolv.conf of"
                    + " its pod: the process runtime bind-mounts them in a private mount namespace, which needs root"
                    + " (this JVM is not root)");
        }
        for (String tool : List.of("unshare", "mount", "nsenter")) {
            if (HostProcesses.findTool(tool).isEmpty()) {
                throw new ContainerRuntimeException("container " + containerName + " has volume mounts or a resolv.conf"
                        + " of its pod: the process runtime needs " + tool + "(8) from util-linux to mount them, and it"
                        + " is not installed");
            }
        }
    }

    private static String newId() {
        return UUID.randomUUID().toString().replace("-", "");
    }

    private static void deleteRecursively(Path directory) {
        // A container's wrapper may still write its last file (the exit code) while its directory
        // is being removed: walk again when a directory was not empty after all.
        for (int attempt = 1; ; attempt++) {
            if (!Files.exists(directory)) {
                return;
            }
            try (Stream<Path> paths = Files.walk(directory)) {
                for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(path);
                }
                return;
            } catch (java.nio.file.DirectoryNotEmptyException e) {
                if (attempt == 3) {
                    throw new ContainerRuntimeException("cannot delete " + directory + ": files keep appearing in "
                            + e.getFile(), e);
                }
            } catch (IOException | java.io.UncheckedIOException e) {
                throw new ContainerRuntimeException("cannot delete " + directory + ": " + e.getMessage(), e);
            }
        }
    }
}
