package io.karavel.runtime.simulated.impl;

import io.karavel.api.runtime.ContainerConfig;
import io.karavel.api.runtime.ContainerNotFoundException;
import io.karavel.api.runtime.ContainerRuntime;
import io.karavel.api.runtime.ContainerRuntimeException;
import io.karavel.api.runtime.ContainerStatus;
import io.karavel.api.runtime.ContainerStatus.State;
import io.karavel.api.runtime.ExecProcess;
import io.karavel.api.runtime.ImagePullPolicy;
import io.karavel.api.runtime.LogOptions;
import io.karavel.api.runtime.PodSandbox;
import io.karavel.api.runtime.PodSandboxConfig;
import io.karavel.api.runtime.RuntimeInfo;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.osgi.service.component.annotations.Component;

/**
 * A runtime that runs nothing: sandboxes and containers are records in memory, a started
 * container is running at once and stays running until stopped, and probes count as successful
 * ({@link #simulated()}). It lets one JVM host hundreds of hollow nodes for scale tests, the idea
 * of kubemark and kwok.
 *
 * <p>Its state lives only in memory: after a restart of the node agent every simulated pod is
 * started again (a real runtime's pods would be adopted).
 */
@Component(service = ContainerRuntime.class, property = ContainerRuntime.NAME_PROPERTY + "=simulated")
public final class SimulatedRuntime implements ContainerRuntime {

    private static final String VERSION = "1.0.0";

    private final Clock clock;
    private final AtomicLong ids = new AtomicLong();
    private final Map<String, PodSandbox> sandboxes = new ConcurrentHashMap<>();
    private final Map<String, ContainerStatus> containers = new ConcurrentHashMap<>();
    /**
     * Container ids by sandbox: one runtime serves every hollow node of a JVM, so scanning all
     * containers per sandbox made each node's relist quadratic in the pods of all nodes.
     */
    private final Map<String, Set<String>> containersBySandbox = new ConcurrentHashMap<>();

    public SimulatedRuntime() {
        this(Clock.systemUTC());
    }

    SimulatedRuntime(Clock clock) {
        this.clock = clock;
    }

    @Override
    public String name() {
        return "simulated";
    }

    @Override
    public RuntimeInfo info() {
        return new RuntimeInfo("simulated", VERSION, false);
    }

    @Override
    public boolean simulated() {
        return true;
    }

    @Override
    public String ensureImage(String image, ImagePullPolicy policy) {
        return "simulated://" + image;
    }

    @Override
    public PodSandbox runPodSandbox(PodSandboxConfig config) {
        synchronized (sandboxes) {
            for (PodSandbox existing : sandboxes.values()) {
                if (existing.uid().equals(config.uid()) && existing.ready()) {
                    return existing;
                }
            }
            long id = ids.incrementAndGet();
            PodSandbox sandbox = new PodSandbox("sandbox-" + id, config.uid(), config.namespace(), config.name(),
                    true, ipFor(id), clock.instant(), config.labels(), config.annotations());
            sandboxes.put(sandbox.id(), sandbox);
            return sandbox;
        }
    }

    /** A made-up address in 10.128.0.0/9, unique per sandbox of this runtime; nothing listens there. */
    private static String ipFor(long id) {
        long n = id % (1L << 23);
        return "10." + (128 + (n >> 16)) + "." + ((n >> 8) & 0xff) + "." + (n & 0xff);
    }

    @Override
    public void stopPodSandbox(String sandboxId) {
        PodSandbox sandbox = sandboxes.get(sandboxId);
        if (sandbox == null) {
            return;
        }
        for (ContainerStatus c : listContainers(sandboxId)) {
            stopContainer(c.id(), Duration.ZERO);
        }
        sandboxes.computeIfPresent(sandboxId, (id, s) -> new PodSandbox(s.id(), s.uid(), s.namespace(), s.name(),
                false, null, s.createdAt(), s.labels(), s.annotations()));
    }

    @Override
    public void removePodSandbox(String sandboxId) {
        Set<String> ids = containersBySandbox.remove(sandboxId);
        if (ids != null) {
            ids.forEach(containers::remove);
        }
        sandboxes.remove(sandboxId);
    }

    @Override
    public List<PodSandbox> listPodSandboxes() {
        return List.copyOf(sandboxes.values());
    }

    @Override
    public String createContainer(String sandboxId, ContainerConfig config) {
        PodSandbox sandbox = sandboxes.get(sandboxId);
        if (sandbox == null) {
            throw new ContainerNotFoundException(sandboxId);
        }
        if (!sandbox.ready()) {
            throw new ContainerRuntimeException("sandbox " + sandboxId + " is stopped");
        }
        String id = "container-" + ids.incrementAndGet();
        containers.put(id, new ContainerStatus(id, sandboxId, config.name(), config.attempt(), State.CREATED, 0, null,
                null, config.image(), config.imageRef(), clock.instant(), null, null, config.labels()));
        containersBySandbox.computeIfAbsent(sandboxId, k -> ConcurrentHashMap.newKeySet()).add(id);
        return id;
    }

    @Override
    public void startContainer(String containerId) {
        ContainerStatus c = require(containerId);
        if (c.state() == State.CREATED) {
            containers.put(containerId, with(c, State.RUNNING, 0, null, clock.instant(), null));
        } else if (c.state() == State.EXITED) {
            throw new ContainerRuntimeException("container " + containerId + " has exited; create a new one");
        }
    }

    @Override
    public void stopContainer(String containerId, Duration gracePeriod) {
        containers.computeIfPresent(containerId, (id, c) -> switch (c.state()) {
            // a simulated process "handles" SIGTERM at once and exits 0, as a well-behaved server would
            case RUNNING -> with(c, State.EXITED, 0, "Completed", c.startedAt(), clock.instant());
            case CREATED -> with(c, State.EXITED, 0, "Completed", null, clock.instant());
            default -> c;
        });
    }

    @Override
    public void removeContainer(String containerId) {
        ContainerStatus removed = containers.remove(containerId);
        if (removed != null) {
            Set<String> ids = containersBySandbox.get(removed.sandboxId());
            if (ids != null) {
                ids.remove(containerId);
            }
        }
    }

    @Override
    public List<ContainerStatus> listContainers(String sandboxId) {
        List<ContainerStatus> result = new ArrayList<>();
        for (String id : containersBySandbox.getOrDefault(sandboxId, Set.of())) {
            ContainerStatus c = containers.get(id);
            if (c != null) {
                result.add(c);
            }
        }
        return result;
    }

    @Override
    public List<ContainerStatus> listAllContainers() {
        return List.copyOf(containers.values());
    }

    @Override
    public Optional<ContainerStatus> containerStatus(String containerId) {
        return Optional.ofNullable(containers.get(containerId));
    }

    @Override
    public void logs(String containerId, LogOptions options, OutputStream out) throws IOException {
        require(containerId);
        // A simulated container prints nothing; following its logs returns at once.
    }

    @Override
    public ExecProcess exec(String containerId, List<String> command, boolean stdin, boolean tty) {
        if (require(containerId).state() != State.RUNNING) {
            throw new ContainerRuntimeException("container " + containerId + " is not running");
        }
        return new ExecProcess() {
            private final InputStream stdout = new ByteArrayInputStream(
                    ("simulated: " + String.join(" ", command) + "\n").getBytes(StandardCharsets.UTF_8));

            @Override
            public OutputStream stdin() {
                return OutputStream.nullOutputStream();
            }

            @Override
            public InputStream stdout() {
                return stdout;
            }

            @Override
            public InputStream stderr() {
                return InputStream.nullInputStream();
            }

            @Override
            public int waitFor() {
                return 0;
            }

            @Override
            public void close() {
            }
        };
    }

    private ContainerStatus require(String containerId) {
        ContainerStatus c = containers.get(containerId);
        if (c == null) {
            throw new ContainerNotFoundException(containerId);
        }
        return c;
    }

    private static ContainerStatus with(ContainerStatus c, State state, int exitCode, String reason, Instant startedAt,
                                        Instant finishedAt) {
        return new ContainerStatus(c.id(), c.sandboxId(), c.name(), c.attempt(), state, exitCode, reason, null,
                c.image(), c.imageRef(), c.createdAt(), startedAt, finishedAt, c.labels());
    }
}
