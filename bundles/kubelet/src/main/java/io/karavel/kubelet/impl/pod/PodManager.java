package io.karavel.kubelet.impl.pod;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.node.v1.RuntimeClass;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.karavel.api.runtime.ContainerRuntime;
import io.karavel.api.runtime.ContainerStatus;
import io.karavel.api.runtime.ContainerStatus.State;
import io.karavel.api.runtime.ExecProcess;
import io.karavel.api.runtime.LogOptions;
import io.karavel.api.runtime.PodSandbox;
import io.karavel.kubelet.impl.AgentExecutors;
import io.karavel.kubelet.impl.NodeAgentSettings;
import io.karavel.kubelet.impl.NodeRuntimes;
import io.karavel.kubelet.impl.probe.Prober;
import io.karavel.kubelet.impl.server.PodStreams;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Queue;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pods of one node: an informer on the pods bound to it ({@code spec.nodeName=<node>}) feeds
 * one {@link PodWorker} per pod uid. At start it adopts what the runtimes still run for this node
 * (a restarted agent does not restart healthy containers) and, once the informer has synced,
 * removes sandboxes no pod asks for any more.
 *
 * <p>A node has several runtimes: a pod naming a RuntimeClass runs on the runtime of its handler,
 * every other pod on the node's default runtime. When the default changes, those pods are moved
 * to the new one, {@value #MOVES_AT_ONCE} at a time (each stopped gracefully, then started again
 * on the new runtime: same pod, restart counts plus one, a new IP).
 */
public final class PodManager implements PodStreams, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(PodManager.class);
    /** How many pods move between runtimes at once: a switch must not stop every service of the node together. */
    static final int MOVES_AT_ONCE = 2;

    /** A sandbox found in a runtime at start, and the context of that runtime. */
    private record Adoptable(PodContext ctx, PodSandbox sandbox) {
    }

    /** What every runtime's context shares; {@code runtime}, {@code prober}, {@code env} and {@code networking} vary. */
    private final PodContext shared;
    private final Supplier<NodeRuntimes.Snapshot> runtimes;
    private final ObjectLookup lookup;
    private final Map<ContainerRuntime, PodContext> contexts = new ConcurrentHashMap<>();
    private final Placement placement = this::place;
    private volatile String defaultRuntime;
    private final Queue<PodWorker> moves = new ConcurrentLinkedQueue<>();
    private final AtomicInteger movesInFlight = new AtomicInteger();
    private final Map<String, PodWorker> workers = new ConcurrentHashMap<>();
    private final Map<String, Adoptable> adoptable = new ConcurrentHashMap<>();
    private volatile SharedIndexInformer<Pod> informer;
    private volatile boolean closed;
    private final AtomicBoolean relisting = new AtomicBoolean();
    private Map<String, String> lastRelist = Map.of();
    private ScheduledFuture<?> relists;

    /**
     * @param runtimes the runtimes the node has now
     * @param defaultRuntime the name of the node's default runtime at start
     * @param networking the pods' view of the Services (for any runtime: adapted to each)
     */
    public PodManager(NodeAgentSettings settings, KubernetesClient client, Supplier<NodeRuntimes.Snapshot> runtimes,
                      String defaultRuntime, AgentExecutors executors, Clock clock, PodNetworking networking) {
        this.lookup = ObjectLookup.of(client);
        this.runtimes = runtimes;
        this.defaultRuntime = defaultRuntime;
        this.shared = new PodContext(settings, client, null, executors, clock, null,
                new VolumeManager(settings.rootDir(), lookup), null,
                new EventRecorder(client, settings.nodeName(), executors.work(), clock), networking);
    }

    /** The context of the pods on {@code runtime}, one per runtime service (a restarted runtime gets a new one). */
    private PodContext context(ContainerRuntime runtime) {
        return contexts.computeIfAbsent(runtime, r -> {
            PodNetworking networking = shared.networking().forRuntime(r.podsOnHostNetwork());
            return new PodContext(shared.settings(), shared.client(), r, shared.executors(), shared.clock(),
                    new EnvResolver(lookup, networking::serviceEnv), shared.volumes(), new Prober(r), shared.events(),
                    networking);
        });
    }

    private PodContext place(Pod pod) throws RuntimeUnavailableException {
        NodeRuntimes.Snapshot now = runtimes.get();
        String node = shared.settings().nodeName();
        if (Placement.pinned(pod)) {
            String className = pod.getSpec().getRuntimeClassName();
            RuntimeClass rc = shared.client().resources(RuntimeClass.class).withName(className).get();
            if (rc == null) {
                throw new RuntimeUnavailableException("RuntimeClass \"" + className + "\" not found");
            }
            return now.get(rc.getHandler()).map(this::context).orElseThrow(() -> new RuntimeUnavailableException(
                    "runtime handler \"" + rc.getHandler() + "\" of RuntimeClass \"" + className
                            + "\" is not available on node " + node + " (available: "
                            + String.join(", ", now.available().keySet()) + ")"));
        }
        String name = defaultRuntime;
        return now.get(name).map(this::context).orElseThrow(() -> new RuntimeUnavailableException(
                "the default runtime " + name + " of node " + node + " is not available"));
    }

    /**
     * Makes {@code name} the node's default runtime: pods that name no RuntimeClass start there
     * from now on, and those running elsewhere are moved, a few at a time.
     */
    public void defaultRuntime(String name) {
        String previous = defaultRuntime;
        defaultRuntime = name;
        if (!name.equals(previous)) {
            scheduleMoves();
        }
    }

    /** Queues the pods not on the runtime they belong on (only running pods move; the others start there). */
    private void scheduleMoves() {
        if (closed || informer == null) {
            return;
        }
        String target = defaultRuntime;
        for (PodWorker w : workers.values()) {
            PodSandbox sandbox = w.sandbox();
            if (!Placement.pinned(w.lastKnown()) && sandbox != null && sandbox.ready()
                    && !w.runtimeName().equals(target) && !moves.contains(w)) {
                moves.add(w);
            }
        }
        pumpMoves();
    }

    private void pumpMoves() {
        while (!moves.isEmpty()) {
            int inFlight = movesInFlight.get();
            if (inFlight >= MOVES_AT_ONCE) {
                return;
            }
            if (!movesInFlight.compareAndSet(inFlight, inFlight + 1)) {
                continue;
            }
            PodWorker w = moves.poll();
            if (w == null) {
                movesInFlight.decrementAndGet();
                continue;
            }
            CompletableFuture<Void> moved = closed ? CompletableFuture.completedFuture(null) : w.move();
            moved.whenComplete((ok, error) -> {
                movesInFlight.decrementAndGet();
                pumpMoves();
            });
        }
    }

    /**
     * Adopts what the runtime runs for this node and starts watching its pods, once the Services
     * were read: a container started before would get none of their variables (the kubelet
     * refuses to start it). When reading them fails, pods start anyway and their containers wait
     * in CreateContainerConfigError until the Services are read.
     */
    public void start() {
        shared.networking().services().start().whenComplete((ok, error) -> {
            if (error != null) {
                LOG.warn("node {}: the Service informer failed to start: {}", shared.settings().nodeName(),
                        error.getMessage());
            }
            if (!closed) {
                shared.executors().work().execute(this::startPods);
            }
        });
    }

    private synchronized void startPods() {
        if (closed) {
            return;
        }
        String node = shared.settings().nodeName();
        for (ContainerRuntime runtime : runtimes.get().available().values()) {
            PodContext ctx = context(runtime);
            for (PodSandbox s : runtime.listPodSandboxes()) {
                if (node.equals(s.labels().get(PodWorker.NODE_LABEL)) && s.uid() != null) {
                    // a stopped sandbox (a finished pod) is kept too: its containers still hold the logs
                    adoptable.merge(s.uid(), new Adoptable(ctx, s), (a, b) -> b.sandbox().ready() ? b : a);
                }
            }
        }
        informer = shared.client().pods().inAnyNamespace().withField("spec.nodeName", node)
                .runnableInformer(0);
        informer.addEventHandler(new ResourceEventHandler<>() {
            @Override
            public void onAdd(Pod pod) {
                podChanged(pod);
            }

            @Override
            public void onUpdate(Pod oldPod, Pod newPod) {
                podChanged(newPod);
            }

            @Override
            public void onDelete(Pod pod, boolean deletedFinalStateUnknown) {
                PodWorker w = workers.get(pod.getMetadata().getUid());
                if (w != null) {
                    w.update(null);
                }
            }
        });
        long period = shared.settings().syncPeriod().toMillis();
        relists = shared.executors().timers().scheduleWithFixedDelay(() -> {
            if (relisting.compareAndSet(false, true)) {
                shared.executors().work().execute(this::relist);
            }
        }, period, period, TimeUnit.MILLISECONDS);
        informer.start().whenComplete((ok, error) -> {
            if (error == null && !closed) {
                shared.executors().work().execute(() -> {
                    removeOrphans();
                    scheduleMoves(); // pods adopted on a runtime that is no longer the default
                });
            } else if (error != null) {
                LOG.warn("node {}: pod informer failed to start", node, error);
            }
        });
    }

    private void podChanged(Pod pod) {
        if (closed) {
            return;
        }
        String uid = pod.getMetadata().getUid();
        PodWorker worker = workers.computeIfAbsent(uid, u -> {
            Adoptable adopted = adoptable.remove(u);
            PodContext ctx = adopted != null ? adopted.ctx() : initialContext(pod);
            return new PodWorker(ctx, pod, adopted == null ? null : adopted.sandbox(), placement,
                    finished -> workers.remove(finished.uid(), finished));
        });
        worker.update(pod);
    }

    /** Where a new pod's worker starts: where it belongs, or (until that runtime exists) the default's or any. */
    private PodContext initialContext(Pod pod) {
        try {
            return place(pod);
        } catch (RuntimeUnavailableException | RuntimeException e) {
            // the worker's first sync places it again and reports why it cannot start
            NodeRuntimes.Snapshot now = runtimes.get();
            ContainerRuntime any = now.get(defaultRuntime)
                    .orElseGet(() -> now.available().values().stream().findFirst().orElse(null));
            if (any == null) {
                throw new IllegalStateException("node " + shared.settings().nodeName() + " has no container runtime");
            }
            return context(any);
        }
    }

    /**
     * The pod lifecycle event generator: one list of every container per period; the pods whose
     * containers appeared, disappeared or changed state since the last list are synced. One
     * request per node and period, whatever the number of pods.
     */
    private void relist() {
        try {
            if (closed || workers.isEmpty()) {
                return;
            }
            // Only this node's pods matter (a runtime may serve several hollow nodes); one list
            // per runtime the pods are on. Ids are qualified by runtime: two runtimes may reuse one.
            Map<String, PodWorker> bySandbox = new HashMap<>();
            Map<ContainerRuntime, Boolean> inUse = new java.util.IdentityHashMap<>();
            for (PodWorker w : workers.values()) {
                PodSandbox sandbox = w.sandbox();
                if (sandbox != null) {
                    ContainerRuntime runtime = w.runtime();
                    bySandbox.put(runtime.name() + "/" + sandbox.id(), w);
                    inUse.put(runtime, true);
                }
            }
            Map<String, String> now = new HashMap<>();
            for (ContainerRuntime runtime : inUse.keySet()) {
                for (ContainerStatus c : runtime.listAllContainers()) {
                    String sandboxKey = runtime.name() + "/" + c.sandboxId();
                    if (bySandbox.containsKey(sandboxKey)) {
                        now.put(runtime.name() + "/" + c.id(), sandboxKey + "|" + c.state() + "|" + c.exitCode());
                    }
                }
            }
            Set<String> changedSandboxes = new HashSet<>();
            Map<String, String> before = lastRelist;
            now.forEach((id, state) -> {
                if (!state.equals(before.get(id))) {
                    changedSandboxes.add(state.substring(0, state.indexOf('|')));
                }
            });
            before.forEach((id, state) -> {
                if (!now.containsKey(id)) {
                    changedSandboxes.add(state.substring(0, state.indexOf('|')));
                }
            });
            lastRelist = now;
            for (String sandboxId : changedSandboxes) {
                PodWorker w = bySandbox.get(sandboxId);
                if (w != null) {
                    w.signal();
                }
            }
        } catch (RuntimeException e) {
            LOG.debug("node {}: relisting the runtime's containers failed: {}", shared.settings().nodeName(),
                    e.getMessage());
        } finally {
            relisting.set(false);
        }
    }

    /** Sandboxes of this node whose pod no longer exists: what a restart left behind. */
    private void removeOrphans() {
        for (Adoptable candidate : List.copyOf(adoptable.values())) {
            PodSandbox orphan = candidate.sandbox();
            PodContext ctx = candidate.ctx();
            boolean podExists = informer.getStore().list().stream()
                    .anyMatch(p -> orphan.uid().equals(p.getMetadata().getUid()));
            if (podExists) {
                continue; // its worker takes it over on the pod's first event
            }
            if (adoptable.remove(orphan.uid(), candidate)) {
                LOG.info("node {}: removing sandbox {} of pod {}/{}, which no longer exists",
                        ctx.settings().nodeName(), orphan.id(), orphan.namespace(), orphan.name());
                for (ContainerStatus c : ctx.runtime().listContainers(orphan.id())) {
                    if (c.state() == State.RUNNING) {
                        ctx.runtime().stopContainer(c.id(), java.time.Duration.ofSeconds(2));
                    }
                }
                ctx.runtime().stopPodSandbox(orphan.id());
                ctx.runtime().removePodSandbox(orphan.id());
                ctx.volumes().tearDown(orphan.uid());
            }
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Logs and exec for the node agent's HTTP server

    private PodWorker worker(String namespace, String pod) {
        for (PodWorker w : workers.values()) {
            Pod known = w.lastKnown();
            if (known.getMetadata().getName().equals(pod) && known.getMetadata().getNamespace().equals(namespace)) {
                return w;
            }
        }
        throw new StreamException(404, "pod " + namespace + "/" + pod + " is not running on node "
                + shared.settings().nodeName());
    }

    private List<ContainerStatus> instances(String namespace, String pod, String container) {
        PodWorker w = worker(namespace, pod);
        PodSandbox sandbox = w.sandbox();
        if (sandbox == null) {
            throw new StreamException(400, "container \"" + container + "\" in pod \"" + pod
                    + "\" is waiting to start: ContainerCreating");
        }
        Map<String, List<ContainerStatus>> byName = PodWorker.byName(w.runtime().listContainers(sandbox.id()));
        boolean declared = w.lastKnown().getSpec().getContainers().stream().anyMatch(c -> c.getName().equals(container))
                || (w.lastKnown().getSpec().getInitContainers() != null
                && w.lastKnown().getSpec().getInitContainers().stream().anyMatch(c -> c.getName().equals(container)));
        if (!declared) {
            throw new StreamException(404, "container " + container + " is not valid for pod " + pod);
        }
        List<ContainerStatus> list = byName.getOrDefault(container, List.of());
        if (list.isEmpty()) {
            throw new StreamException(400, "container \"" + container + "\" in pod \"" + pod
                    + "\" is waiting to start: ContainerCreating");
        }
        return list;
    }

    @Override
    public void logs(String namespace, String pod, String container, boolean previous, LogOptions options,
                     OutputStream out) throws IOException {
        ContainerRuntime runtime = worker(namespace, pod).runtime();
        List<ContainerStatus> list = instances(namespace, pod, container);
        ContainerStatus target;
        if (previous) {
            if (list.size() < 2) {
                throw new StreamException(400, "previous terminated container \"" + container + "\" in pod \"" + pod
                        + "\" not found");
            }
            target = list.get(1);
        } else {
            target = list.get(0);
        }
        runtime.logs(target.id(), options, out);
    }

    @Override
    public ExecProcess exec(String namespace, String pod, String container, List<String> command, boolean stdin,
                            boolean tty) throws IOException {
        ContainerRuntime runtime = worker(namespace, pod).runtime();
        ContainerStatus latest = instances(namespace, pod, container).get(0);
        if (latest.state() != State.RUNNING) {
            throw new StreamException(400, "container " + container + " is not running");
        }
        return runtime.exec(latest.id(), command, stdin, tty);
    }

    /** Stops watching and syncing; the pods keep running (a restarted agent adopts them). */
    @Override
    public void close() {
        synchronized (this) {
            closed = true; // startPods() after this starts nothing
        }
        if (relists != null) {
            relists.cancel(false);
        }
        if (informer != null) {
            informer.stop();
        }
        workers.values().forEach(PodWorker::detach);
        workers.clear();
        moves.clear();
    }
}
