package io.karavel.kubelet.impl.pod;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.karavel.api.runtime.ContainerConfig;
import io.karavel.api.runtime.ContainerConfig.ResourceLimits;
import io.karavel.api.runtime.ContainerNotFoundException;
import io.karavel.api.runtime.ContainerRuntimeException;
import io.karavel.api.runtime.ContainerStatus;
import io.karavel.api.runtime.ContainerStatus.State;
import io.karavel.api.runtime.DnsConfig;
import io.karavel.api.runtime.ImagePullException;
import io.karavel.api.runtime.ImagePullPolicy;
import io.karavel.api.runtime.PodSandbox;
import io.karavel.api.runtime.PodSandboxConfig;
import io.karavel.api.runtime.RuntimeLabels;
import io.karavel.kubelet.impl.probe.ContainerProbes;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drives one pod to its spec, level-triggered: every sync compares the pod object with what the
 * runtime runs and does the next step (sandbox, init containers in order, containers, restarts
 * with back-off, kills asked by probes, termination), then writes the status if it changed.
 * Syncs of one pod never overlap; they run when the pod object changes, when a probe changes its
 * mind, when a back-off ends, when the node's relist sees one of its containers change (exit),
 * and every resync period.
 */
final class PodWorker {

    /** Sandbox label naming the node a sandbox belongs to (hollow nodes share one runtime). */
    static final String NODE_LABEL = "karavel.io/node";

    private static final Logger LOG = LoggerFactory.getLogger(PodWorker.class);

    /** The context of the runtime the pod runs on; replaced when the pod is placed or moved (by its syncs only). */
    private volatile PodContext ctx;
    private final Placement placement;
    private final java.util.concurrent.atomic.AtomicReference<CompletableFuture<Void>> pendingMove =
            new java.util.concurrent.atomic.AtomicReference<>();
    /** After a move: the attempt number of each container's first instance on the new runtime. */
    private final Map<String, Integer> firstAttempt = new HashMap<>();
    private final String uid;
    private final Consumer<PodWorker> onFinished;
    private final AtomicBoolean dirty = new AtomicBoolean();
    private final AtomicBoolean running = new AtomicBoolean();
    private final Map<String, ContainerProbes> probes = new ConcurrentHashMap<>();
    private final Map<String, Waiting> waiting = new HashMap<>();
    private final Map<String, Instant> lastImageFailure = new HashMap<>();
    private final Map<String, Instant> lastStartFailure = new HashMap<>();
    private final Backoff crashBackoff;
    private final Backoff imageBackoff;
    private final ScheduledFuture<?> resync;

    private volatile Pod pod;
    private volatile Pod lastKnown;
    private volatile PodSandbox sandbox;
    private volatile boolean finished;
    private PodStatus lastWritten;
    private long lastWrittenVersion;

    /** Why a container is not running, when the runtime alone cannot say (image, config, back-off). */
    record Waiting(String reason, String message) {
    }

    PodWorker(PodContext ctx, Pod pod, PodSandbox adopted, Placement placement, Consumer<PodWorker> onFinished) {
        this.ctx = ctx;
        this.placement = placement;
        this.uid = pod.getMetadata().getUid();
        this.pod = pod;
        this.lastKnown = pod;
        this.sandbox = adopted;
        this.onFinished = onFinished;
        this.crashBackoff = new Backoff(ctx.settings().backoffInitial(), ctx.settings().backoffMax());
        this.imageBackoff = new Backoff(ctx.settings().backoffInitial(), ctx.settings().backoffMax());
        long period = ctx.settings().podResyncPeriod().toMillis();
        this.resync = ctx.executors().timers().scheduleWithFixedDelay(this::signal, period, period, TimeUnit.MILLISECONDS);
    }

    String uid() {
        return uid;
    }

    Pod lastKnown() {
        return lastKnown;
    }

    PodSandbox sandbox() {
        return sandbox;
    }

    /** The runtime the pod is on (or is being started on). */
    io.karavel.api.runtime.ContainerRuntime runtime() {
        return ctx.runtime();
    }

    String runtimeName() {
        return ctx.runtime().name();
    }

    /**
     * Asks the pod to move to the runtime it belongs on now (the node's default changed): on its
     * next sync it is stopped as for a deletion, the pod object staying, and started again there.
     * The future completes once that sync is over (moved, or nothing to do).
     */
    CompletableFuture<Void> move() {
        CompletableFuture<Void> done = new CompletableFuture<>();
        CompletableFuture<Void> previous = pendingMove.getAndSet(done);
        if (previous != null) {
            previous.complete(null);
        }
        signal();
        if (finished) {
            // finished before or while asking: no sync will take the move (terminate() completes it too)
            completePendingMove();
        }
        return done;
    }

    private void completePendingMove() {
        CompletableFuture<Void> move = pendingMove.getAndSet(null);
        if (move != null) {
            move.complete(null);
        }
    }

    /** The pod object changed ({@code null}: it is gone from the API). */
    void update(Pod newPod) {
        pod = newPod;
        if (newPod != null) {
            lastKnown = newPod;
        }
        signal();
    }

    /** Asks for a sync soon; collapses with any sync already asked for. */
    void signal() {
        if (finished) {
            return;
        }
        dirty.set(true);
        if (running.compareAndSet(false, true)) {
            ctx.executors().work().execute(this::runSyncs);
        }
    }

    private void runSyncs() {
        try {
            while (dirty.getAndSet(false) && !finished) {
                try {
                    sync();
                } catch (KubernetesClientException e) {
                    LOG.debug("pod {}: API call failed, retrying on the next sync: {}", describe(), e.getMessage());
                } catch (RuntimeException e) {
                    LOG.warn("pod {}: sync failed, retrying on the next sync", describe(), e);
                }
            }
        } finally {
            running.set(false);
            if (dirty.get() && !finished && running.compareAndSet(false, true)) {
                ctx.executors().work().execute(this::runSyncs);
            }
        }
    }

    /** Stops syncing without touching the containers (the node agent is going away). */
    void detach() {
        finished = true;
        completePendingMove();
        resync.cancel(false);
        probes.values().forEach(ContainerProbes::close);
    }

    private String describe() {
        Pod p = lastKnown;
        return p.getMetadata().getNamespace() + "/" + p.getMetadata().getName();
    }

    // ---------------------------------------------------------------------------------------------
    // The sync

    private void sync() {
        CompletableFuture<Void> move = pendingMove.getAndSet(null);
        try {
            sync(move != null);
        } finally {
            if (move != null) {
                move.complete(null);
            }
        }
    }

    private void sync(boolean moveAsked) {
        Pod current = pod;
        if (current == null || current.getMetadata().getDeletionTimestamp() != null) {
            terminate(current);
            return;
        }
        String phase = current.getStatus() == null ? null : current.getStatus().getPhase();
        if (("Succeeded".equals(phase) || "Failed".equals(phase)) && (sandbox == null || !sandbox.ready())) {
            return; // finished pods stay as they are until deleted
        }
        if (moveAsked && sandbox != null && sandbox.ready()) {
            moveIfElsewhere(current);
        }
        Instant now = ctx.clock().instant();
        List<ContainerStatus> all = containers();
        if (sandbox == null || !sandbox.ready()) {
            if (!startSandbox(current)) {
                writeStatus(current, List.of(), false);
                return;
            }
            all = containers();
        }
        Map<String, List<ContainerStatus>> byName = byName(all);
        String restartPolicy = restartPolicy(current);

        boolean initialized = true;
        boolean initFailed = false;
        for (Container init : nullToEmpty(current.getSpec().getInitContainers())) {
            ContainerStatus latest = latest(byName, init.getName());
            if (latest != null && latest.state() == State.EXITED && latest.exitCode() == 0) {
                continue;
            }
            initialized = false;
            if (latest == null) {
                start(current, init, firstAttempt.getOrDefault(init.getName(), 0), byName);
            } else if (latest.state() == State.CREATED) {
                startCreated(latest);
            } else if (latest.state() != State.RUNNING) {
                if ("Never".equals(restartPolicy)) {
                    initFailed = true;
                } else {
                    restart(current, init, latest, byName, now);
                }
            }
            break;
        }
        if (initialized) {
            for (Container c : current.getSpec().getContainers()) {
                ContainerStatus latest = latest(byName, c.getName());
                if (latest == null) {
                    start(current, c, firstAttempt.getOrDefault(c.getName(), 0), byName);
                    continue;
                }
                switch (latest.state()) {
                    case CREATED -> startCreated(latest);
                    case RUNNING -> {
                        ContainerProbes p = probesFor(c, latest);
                        if (p.killReason() != null) {
                            LOG.info("pod {}: killing container {}: {}", describe(), c.getName(), p.killReason());
                            ctx.events().normal(current, c.getName(), "Killing", "Container " + c.getName() + " "
                                    + p.killReason() + ", will be restarted");
                            p.close();
                            probes.remove(c.getName());
                            ctx.runtime().stopContainer(latest.id(), killGrace(current, c));
                            signal();
                        }
                    }
                    default -> {
                        closeProbes(c.getName(), latest.id());
                        if (shouldRestart(restartPolicy, latest.exitCode())) {
                            restart(current, c, latest, byName, now);
                        }
                    }
                }
            }
        }
        all = containers();
        PodStatuses.Result status = PodStatuses.build(current, ctx, sandbox, byName(all), waiting, probes,
                initialized, initFailed, ctx.clock().instant());
        writeStatus(current, status.status());
        if (status.terminal()) {
            // Nothing will run again: free the network and the probes; keep the containers for logs.
            probes.values().forEach(ContainerProbes::close);
            probes.clear();
            if (sandbox != null && sandbox.ready()) {
                ctx.runtime().stopPodSandbox(sandbox.id());
                sandbox = ctx.runtime().listPodSandboxes().stream().filter(s -> s.id().equals(sandbox.id()))
                        .findFirst().orElse(null);
            }
        }
    }

    private List<ContainerStatus> containers() {
        if (sandbox == null) {
            return List.of();
        }
        try {
            return ctx.runtime().listContainers(sandbox.id());
        } catch (ContainerNotFoundException e) {
            LOG.info("pod {}: its sandbox is gone; starting over", describe());
            sandbox = null;
            probes.values().forEach(ContainerProbes::close);
            probes.clear();
            return List.of();
        }
    }

    private boolean startSandbox(Pod current) {
        try {
            if (sandbox != null) {
                // The sandbox died (its network is gone): start over, as the kubelet does.
                LOG.info("pod {}: sandbox {} is not ready; recreating it", describe(), sandbox.id());
                ctx.runtime().removePodSandbox(sandbox.id());
                probes.values().forEach(ContainerProbes::close);
                probes.clear();
                sandbox = null;
            }
            if (!place(current)) {
                return false;
            }
            ctx.volumes().setUp(current);
            Map<String, String> labels = new HashMap<>();
            labels.put(RuntimeLabels.POD_UID, uid);
            labels.put(RuntimeLabels.POD_NAME, current.getMetadata().getName());
            labels.put(RuntimeLabels.POD_NAMESPACE, current.getMetadata().getNamespace());
            labels.put(NODE_LABEL, ctx.settings().nodeName());
            String hostname = current.getSpec().getHostname() != null ? current.getSpec().getHostname()
                    : current.getMetadata().getName();
            DnsConfig dns = ctx.networking().dnsConfig(current,
                    warning -> ctx.events().warning(current, null, "DNSConfigForming", warning));
            sandbox = ctx.runtime().runPodSandbox(new PodSandboxConfig(uid, current.getMetadata().getNamespace(),
                    current.getMetadata().getName(), hostname, labels, Map.of(), dns));
            waiting.remove("");
            return true;
        } catch (ContainerConfigException e) {
            waiting.put("", new Waiting(e.reason(), e.getMessage()));
            return false;
        } catch (ContainerRuntimeException e) {
            waiting.put("", new Waiting("ContainerCreating", "failed to create pod sandbox: " + e.getMessage()));
            return false;
        }
    }

    /**
     * Chooses the runtime for a new sandbox: the RuntimeClass's handler or the default. When it
     * is not on this node the pod waits in ContainerCreating with a FailedCreatePodSandBox event,
     * and starts once it appears (resyncs retry).
     */
    private boolean place(Pod current) {
        try {
            PodContext target = placement.place(current);
            if (target != ctx) {
                probes.values().forEach(ContainerProbes::close);
                probes.clear();
                ctx = target;
            }
            return true;
        } catch (RuntimeUnavailableException e) {
            String message = "Failed to create pod sandbox: " + e.getMessage();
            if (setWaiting("", new Waiting("ContainerCreating", message))) {
                ctx.events().warning(current, null, "FailedCreatePodSandBox", message);
            }
            return false;
        }
    }

    /**
     * Moves a running pod to the runtime it belongs on, if that is another one: its containers are
     * stopped with the pod's grace period (as for a deletion), its sandbox removed from the old
     * runtime; the caller's sync then starts it on the new one, each container one attempt later
     * than its last (its restartCount goes up by one), with a new sandbox and IP.
     */
    private void moveIfElsewhere(Pod current) {
        PodContext target;
        try {
            target = placement.place(current);
        } catch (RuntimeUnavailableException e) {
            LOG.info("pod {}: not moved: {}", describe(), e.getMessage());
            return;
        }
        PodContext from = ctx;
        if (target == from) {
            return;
        }
        Long spec = current.getSpec().getTerminationGracePeriodSeconds();
        Duration grace = Duration.ofSeconds(spec == null ? 30 : spec);
        probes.values().forEach(ContainerProbes::close);
        probes.clear();
        List<ContainerStatus> all = containers();
        Map<String, Integer> next = new HashMap<>();
        List<CompletableFuture<Void>> stops = new ArrayList<>();
        for (ContainerStatus c : all) {
            next.merge(c.name(), c.attempt() + 1, Math::max);
            if (c.state() == State.RUNNING || c.state() == State.CREATED) {
                from.events().normal(current, c.name(), "Killing", "Stopping container " + c.name());
                stops.add(CompletableFuture.runAsync(() -> from.runtime().stopContainer(c.id(), grace),
                        from.executors().work()));
            }
        }
        CompletableFuture.allOf(stops.toArray(CompletableFuture[]::new)).join();
        if (sandbox != null) {
            from.runtime().stopPodSandbox(sandbox.id());
            from.runtime().removePodSandbox(sandbox.id());
        }
        sandbox = null;
        firstAttempt.clear();
        firstAttempt.putAll(next);
        waiting.clear();
        lastImageFailure.clear();
        lastStartFailure.clear();
        ctx = target;
        String message = "Moved from runtime " + from.runtime().name() + " to " + target.runtime().name();
        LOG.info("pod {}: {}", describe(), message);
        target.events().normal(current, null, "Moved", message);
    }

    private void start(Pod current, Container c, int attempt, Map<String, List<ContainerStatus>> byName) {
        String name = c.getName();
        Instant now = ctx.clock().instant();
        Instant startRetry = crashBackoff.restartNotBefore(name, lastStartFailure.get(name), now);
        if (startRetry != null) {
            wakeAt(startRetry); // the last start failed: keep its RunContainerError until the back-off ends
            return;
        }
        try {
            ImagePullPolicy policy = ImagePullPolicy.of(c.getImagePullPolicy(), c.getImage());
            Instant notBefore = imageBackoff.restartNotBefore(name, lastImageFailure.get(name), now);
            if (notBefore != null) {
                if (setWaiting(name, new Waiting("ImagePullBackOff", "Back-off pulling image \"" + c.getImage() + "\""))) {
                    ctx.events().normal(current, name, "BackOff", "Back-off pulling image \"" + c.getImage() + "\"");
                }
                wakeAt(notBefore);
                return;
            }
            String imageRef;
            try {
                imageRef = ctx.runtime().ensureImage(c.getImage(), policy);
                lastImageFailure.remove(name);
            } catch (ImagePullException e) {
                imageBackoff.restarted(name, now);
                lastImageFailure.put(name, now);
                waiting.put(name, new Waiting(policy == ImagePullPolicy.NEVER ? "ErrImageNeverPull" : "ErrImagePull",
                        e.getMessage()));
                ctx.events().warning(current, name, "Failed", "Failed to pull image \"" + c.getImage() + "\": "
                        + e.getMessage());
                wakeAt(now.plus(imageBackoff.currentDelay(name)));
                return;
            }
            String podIp = sandbox.ip();
            Map<String, String> env = ctx.env().resolve(current, c, podIp, ctx.settings().nodeAddress());
            Map<String, String> labels = new HashMap<>();
            labels.put(RuntimeLabels.POD_UID, uid);
            labels.put(RuntimeLabels.POD_NAME, current.getMetadata().getName());
            labels.put(RuntimeLabels.POD_NAMESPACE, current.getMetadata().getNamespace());
            labels.put(RuntimeLabels.CONTAINER_NAME, name);
            labels.put(RuntimeLabels.CONTAINER_ATTEMPT, Integer.toString(attempt));
            ContainerConfig config = new ContainerConfig(name, c.getImage(), imageRef, attempt,
                    EnvResolver.expand(c.getCommand(), env), EnvResolver.expand(c.getArgs(), env), env,
                    c.getWorkingDir(), ctx.volumes().mounts(current, c), Resources.limits(c),
                    Boolean.TRUE.equals(c.getStdin()), Boolean.TRUE.equals(c.getTty()), labels);
            String id = ctx.runtime().createContainer(sandbox.id(), config);
            ctx.events().normal(current, name, "Created", "Created container: " + name);
            try {
                ctx.runtime().startContainer(id);
            } catch (ContainerRuntimeException e) {
                ctx.runtime().removeContainer(id);
                throw e;
            }
            ctx.events().normal(current, name, "Started", "Started container " + name);
            waiting.remove(name);
            lastStartFailure.remove(name);
            // Keep the previous instance (for `kubectl logs --previous`), remove older ones.
            for (ContainerStatus old : byName.getOrDefault(name, List.of())) {
                if (old.attempt() < attempt - 1) {
                    ctx.runtime().removeContainer(old.id());
                }
            }
            LOG.debug("pod {}: started container {} (attempt {})", describe(), name, attempt);
        } catch (ContainerConfigException e) {
            if (setWaiting(name, new Waiting(e.reason(), e.getMessage()))) {
                ctx.events().warning(current, name, "Failed", "Error: " + e.getMessage());
            }
        } catch (ContainerRuntimeException e) {
            ctx.events().warning(current, name, "Failed", "Error: " + e.getMessage());
            crashBackoff.restarted(name, now);
            lastStartFailure.put(name, now);
            waiting.put(name, new Waiting("RunContainerError", e.getMessage()));
            wakeAt(now.plus(crashBackoff.currentDelay(name)));
        }
    }

    private void startCreated(ContainerStatus created) {
        try {
            ctx.runtime().startContainer(created.id());
        } catch (ContainerRuntimeException e) {
            ctx.runtime().removeContainer(created.id());
            waiting.put(created.name(), new Waiting("RunContainerError", e.getMessage()));
        }
    }

    private void restart(Pod current, Container c, ContainerStatus latest, Map<String, List<ContainerStatus>> byName,
                         Instant now) {
        String name = c.getName();
        Instant notBefore = crashBackoff.restartNotBefore(name, latest.finishedAt(), now);
        if (notBefore != null) {
            Duration delay = crashBackoff.currentDelay(name);
            String pod = current.getMetadata().getName() + "_" + current.getMetadata().getNamespace() + "(" + uid + ")";
            if (setWaiting(name, new Waiting("CrashLoopBackOff", "back-off " + delay.toSeconds()
                    + "s restarting failed container=" + name + " pod=" + pod))) {
                ctx.events().warning(current, name, "BackOff", "Back-off restarting failed container " + name
                        + " in pod " + pod);
            }
            wakeAt(notBefore);
            return;
        }
        crashBackoff.restarted(name, now);
        start(current, c, latest.attempt() + 1, byName);
    }

    /** Sets why a container waits; true when that changed (then worth an Event). */
    private boolean setWaiting(String name, Waiting why) {
        return !why.equals(waiting.put(name, why));
    }

    private void wakeAt(Instant when) {
        long delay = Math.max(0, Duration.between(ctx.clock().instant(), when).toMillis());
        ctx.executors().timers().schedule(this::signal, delay, TimeUnit.MILLISECONDS);
    }

    private ContainerProbes probesFor(Container c, ContainerStatus running) {
        ContainerProbes p = probes.get(c.getName());
        if (p == null || !p.containerId().equals(running.id())) {
            if (p != null) {
                p.close();
            }
            p = new ContainerProbes(c, running.id(), sandbox.ip(), ctx.prober(), ctx.runtime().simulated(),
                    ctx.executors().timers(), ctx.executors().work(), this::signal,
                    message -> ctx.events().warning(lastKnown, c.getName(), "Unhealthy", message));
            probes.put(c.getName(), p);
        }
        return p;
    }

    private void closeProbes(String name, String containerId) {
        ContainerProbes p = probes.get(name);
        if (p != null && p.containerId().equals(containerId)) {
            p.close();
            probes.remove(name);
        }
    }

    private static Duration killGrace(Pod pod, Container c) {
        Long grace = pod.getSpec().getTerminationGracePeriodSeconds();
        if (c.getLivenessProbe() != null && c.getLivenessProbe().getTerminationGracePeriodSeconds() != null) {
            grace = c.getLivenessProbe().getTerminationGracePeriodSeconds();
        }
        return Duration.ofSeconds(grace == null ? 30 : grace);
    }

    private static boolean shouldRestart(String policy, int exitCode) {
        return switch (policy) {
            case "Never" -> false;
            case "OnFailure" -> exitCode != 0;
            default -> true;
        };
    }

    static String restartPolicy(Pod pod) {
        String p = pod.getSpec().getRestartPolicy();
        return p == null || p.isEmpty() ? "Always" : p;
    }

    // ---------------------------------------------------------------------------------------------
    // Termination

    /**
     * Kills the pod: every running container gets SIGTERM and its grace period (the pod's
     * {@code deletionGracePeriodSeconds}), all in parallel; then the sandbox and volumes go, and the
     * pod object is deleted for good (grace period 0), as the kubelet does once nothing runs.
     */
    private void terminate(Pod deleting) {
        Pod known = lastKnown;
        long grace;
        if (deleting != null && deleting.getMetadata().getDeletionGracePeriodSeconds() != null) {
            grace = deleting.getMetadata().getDeletionGracePeriodSeconds();
        } else if (deleting == null) {
            grace = 2; // the object is already gone (forced deletion): do not linger
        } else {
            Long spec = known.getSpec().getTerminationGracePeriodSeconds();
            grace = spec == null ? 30 : spec;
        }
        probes.values().forEach(ContainerProbes::close);
        probes.clear();
        if (sandbox != null) {
            List<CompletableFuture<Void>> stops = new ArrayList<>();
            for (ContainerStatus c : containers()) {
                if (c.state() == State.RUNNING || c.state() == State.CREATED) {
                    ctx.events().normal(known, c.name(), "Killing", "Stopping container " + c.name());
                    stops.add(CompletableFuture.runAsync(
                            () -> ctx.runtime().stopContainer(c.id(), Duration.ofSeconds(grace)), ctx.executors().work()));
                }
            }
            CompletableFuture.allOf(stops.toArray(CompletableFuture[]::new)).join();
            if (sandbox != null) {
                ctx.runtime().stopPodSandbox(sandbox.id());
                ctx.runtime().removePodSandbox(sandbox.id());
            }
            sandbox = null;
        }
        ctx.volumes().tearDown(uid);
        if (deleting != null) {
            try {
                ctx.client().pods().inNamespace(deleting.getMetadata().getNamespace())
                        .withName(deleting.getMetadata().getName()).withGracePeriod(0).delete();
            } catch (KubernetesClientException e) {
                if (e.getCode() != 404) {
                    throw e;
                }
            }
        }
        LOG.debug("pod {}: terminated", describe());
        finished = true;
        completePendingMove(); // a move asked while the pod was terminating has nothing to do
        resync.cancel(false);
        onFinished.accept(this);
    }

    // ---------------------------------------------------------------------------------------------
    // Status

    private void writeStatus(Pod current, List<ContainerStatus> all, boolean initialized) {
        writeStatus(current, PodStatuses.build(current, ctx, sandbox, byName(all), waiting, probes, initialized,
                false, ctx.clock().instant()).status());
    }

    /**
     * Writes the status through {@code pods/<name>/status} when it differs from what this worker
     * last wrote, or (once the informer has seen a newer version than our last write) from what the
     * API holds: someone else may have changed it.
     */
    private void writeStatus(Pod current, PodStatus status) {
        long seen = version(current);
        boolean changedSinceOurWrite = lastWritten == null || !status.equals(lastWritten);
        boolean apiDiffers = seen > lastWrittenVersion && !PodStatuses.sameOwnedFields(status, current.getStatus());
        if (!changedSinceOurWrite && !apiDiffers) {
            return;
        }
        Pod patch = new Pod();
        patch.setStatus(status);
        Pod written = ctx.client().pods().inNamespace(current.getMetadata().getNamespace())
                .withName(current.getMetadata().getName()).subresource("status")
                .patch(PatchContext.of(PatchType.JSON_MERGE), ctx.client().getKubernetesSerialization().asJson(patch));
        lastWritten = status;
        lastWrittenVersion = version(written);
    }

    private static long version(Pod pod) {
        try {
            return Long.parseLong(pod.getMetadata().getResourceVersion());
        } catch (RuntimeException e) {
            return 0;
        }
    }

    static Map<String, List<ContainerStatus>> byName(List<ContainerStatus> all) {
        Map<String, List<ContainerStatus>> byName = new HashMap<>();
        for (ContainerStatus c : all) {
            byName.computeIfAbsent(c.name(), n -> new ArrayList<>()).add(c);
        }
        // newest attempt first; among equal attempts (a failed start) the newest creation
        byName.values().forEach(list -> list.sort(Comparator.comparingInt(ContainerStatus::attempt)
                .thenComparing(ContainerStatus::createdAt, Comparator.nullsFirst(Comparator.naturalOrder())).reversed()));
        return byName;
    }

    static ContainerStatus latest(Map<String, List<ContainerStatus>> byName, String name) {
        List<ContainerStatus> list = byName.get(name);
        return list == null || list.isEmpty() ? null : list.get(0);
    }

    private static <T> List<T> nullToEmpty(List<T> list) {
        return list == null ? List.of() : list;
    }
}
