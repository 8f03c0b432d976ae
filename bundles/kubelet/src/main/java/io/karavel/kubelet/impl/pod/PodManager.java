package io.karavel.kubelet.impl.pod;

import io.fabric8.kubernetes.api.model.Pod;
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
import io.karavel.kubelet.impl.probe.Prober;
import io.karavel.kubelet.impl.server.PodStreams;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pods of one node: an informer on the pods bound to it ({@code spec.nodeName=<node>}) feeds
 * one {@link PodWorker} per pod uid. At start it adopts what the runtime still runs for this node
 * (a restarted agent does not restart healthy containers) and, once the informer has synced,
 * removes sandboxes no pod asks for any more.
 */
public final class PodManager implements PodStreams, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(PodManager.class);

    private final PodContext ctx;
    private final Map<String, PodWorker> workers = new ConcurrentHashMap<>();
    private final Map<String, PodSandbox> adoptable = new ConcurrentHashMap<>();
    private volatile SharedIndexInformer<Pod> informer;
    private volatile boolean closed;
    private final AtomicBoolean relisting = new AtomicBoolean();
    private Map<String, String> lastRelist = Map.of();
    private ScheduledFuture<?> relists;

    public PodManager(NodeAgentSettings settings, KubernetesClient client, ContainerRuntime runtime,
                      AgentExecutors executors, Clock clock, PodNetworking networking) {
        ObjectLookup lookup = ObjectLookup.of(client);
        this.ctx = new PodContext(settings, client, runtime, executors, clock,
                new EnvResolver(lookup, networking::serviceEnv),
                new VolumeManager(settings.rootDir(), lookup), new Prober(runtime),
                new EventRecorder(client, settings.nodeName(), executors.work(), clock), networking);
    }

    /**
     * Adopts what the runtime runs for this node and starts watching its pods, once the Services
     * were read: a container started before would get none of their variables (the kubelet
     * refuses to start it). When reading them fails, pods start anyway and their containers wait
     * in CreateContainerConfigError until the Services are read.
     */
    public void start() {
        ctx.networking().services().start().whenComplete((ok, error) -> {
            if (error != null) {
                LOG.warn("node {}: the Service informer failed to start: {}", ctx.settings().nodeName(),
                        error.getMessage());
            }
            if (!closed) {
                ctx.executors().work().execute(this::startPods);
            }
        });
    }

    private synchronized void startPods() {
        if (closed) {
            return;
        }
        String node = ctx.settings().nodeName();
        for (PodSandbox s : ctx.runtime().listPodSandboxes()) {
            if (node.equals(s.labels().get(PodWorker.NODE_LABEL)) && s.uid() != null) {
                // a stopped sandbox (a finished pod) is kept too: its containers still hold the logs
                adoptable.merge(s.uid(), s, (a, b) -> b.ready() ? b : a);
            }
        }
        informer = ctx.client().pods().inAnyNamespace().withField("spec.nodeName", node)
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
        long period = ctx.settings().syncPeriod().toMillis();
        relists = ctx.executors().timers().scheduleWithFixedDelay(() -> {
            if (relisting.compareAndSet(false, true)) {
                ctx.executors().work().execute(this::relist);
            }
        }, period, period, TimeUnit.MILLISECONDS);
        informer.start().whenComplete((ok, error) -> {
            if (error == null && !closed) {
                ctx.executors().work().execute(this::removeOrphans);
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
        PodWorker worker = workers.computeIfAbsent(uid, u -> new PodWorker(ctx, pod, adoptable.remove(u),
                finished -> workers.remove(finished.uid(), finished)));
        worker.update(pod);
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
            // Only this node's pods matter (a runtime may serve several hollow nodes).
            Map<String, PodWorker> bySandbox = new HashMap<>();
            for (PodWorker w : workers.values()) {
                PodSandbox sandbox = w.sandbox();
                if (sandbox != null) {
                    bySandbox.put(sandbox.id(), w);
                }
            }
            Map<String, String> now = new HashMap<>();
            for (ContainerStatus c : ctx.runtime().listAllContainers()) {
                if (bySandbox.containsKey(c.sandboxId())) {
                    now.put(c.id(), c.sandboxId() + "|" + c.state() + "|" + c.exitCode());
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
            LOG.debug("node {}: relisting the runtime's containers failed: {}", ctx.settings().nodeName(),
                    e.getMessage());
        } finally {
            relisting.set(false);
        }
    }

    /** Sandboxes of this node whose pod no longer exists: what a restart left behind. */
    private void removeOrphans() {
        for (PodSandbox orphan : List.copyOf(adoptable.values())) {
            boolean podExists = informer.getStore().list().stream()
                    .anyMatch(p -> orphan.uid().equals(p.getMetadata().getUid()));
            if (podExists) {
                continue; // its worker takes it over on the pod's first event
            }
            if (adoptable.remove(orphan.uid(), orphan)) {
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
                + ctx.settings().nodeName());
    }

    private List<ContainerStatus> instances(String namespace, String pod, String container) {
        PodWorker w = worker(namespace, pod);
        PodSandbox sandbox = w.sandbox();
        if (sandbox == null) {
            throw new StreamException(400, "container \"" + container + "\" in pod \"" + pod
                    + "\" is waiting to start: ContainerCreating");
        }
        Map<String, List<ContainerStatus>> byName = PodWorker.byName(ctx.runtime().listContainers(sandbox.id()));
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
        ctx.runtime().logs(target.id(), options, out);
    }

    @Override
    public ExecProcess exec(String namespace, String pod, String container, List<String> command, boolean stdin,
                            boolean tty) throws IOException {
        ContainerStatus latest = instances(namespace, pod, container).get(0);
        if (latest.state() != State.RUNNING) {
            throw new StreamException(400, "container " + container + " is not running");
        }
        return ctx.runtime().exec(latest.id(), command, stdin, tty);
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
    }
}
