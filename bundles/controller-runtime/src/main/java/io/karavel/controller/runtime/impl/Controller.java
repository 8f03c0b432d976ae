package io.karavel.controller.runtime.impl;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.karavel.api.client.ApiResource;
import io.karavel.api.client.ObjectClient;
import io.karavel.api.controller.Caches;
import io.karavel.api.controller.ControllerInfo;
import io.karavel.api.controller.ControllerSpec;
import io.karavel.api.controller.EventRecorder;
import io.karavel.api.controller.Expectations;
import io.karavel.api.controller.InformerListener;
import io.karavel.api.controller.KeyMapper;
import io.karavel.api.controller.ObjectKey;
import io.karavel.api.controller.ReconcileContext;
import io.karavel.api.controller.Reconciler;
import io.karavel.api.controller.Result;
import io.karavel.api.controller.WatchSpec;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running {@link Reconciler}: listeners on its informers that enqueue keys, a
 * {@link WorkQueue}, its workers while this master leads, a periodic resync and its
 * {@link ControllerExpectations}. Lifecycle steps (start, leadership changes, stop) run one at a
 * time on the controller's own lifecycle thread, so that callers (DS, leader election) never block
 * on a sync or a drain, except {@link #stop} which waits for the drain on purpose.
 */
final class Controller {
    private static final Logger LOG = LoggerFactory.getLogger(Controller.class);
    private static final Duration POLL = Duration.ofMillis(200);

    private final Reconciler reconciler;
    private final ControllerSpec spec;
    private final String bundle;
    private final SharedInformerFactory informers;
    private final ObjectClient client;
    private final ScheduledExecutorService scheduler;
    private final Duration resync;
    private final Duration crdRescan;
    private final WorkQueue<ObjectKey> queue = new WorkQueue<>();
    private final ControllerExpectations expectations;
    private final ReconcileContext context;
    private final ExecutorService lifecycle;

    private final List<AutoCloseable> handles = new CopyOnWriteArrayList<>();
    private final List<Informer> watched = new CopyOnWriteArrayList<>();
    private final List<ScheduledFuture<?>> timers = new CopyOnWriteArrayList<>();
    /** Resources listened to for watchesAll, by "group/kind"; touched on the scheduler thread only. */
    private final Set<String> allKinds = new HashSet<>();

    private final AtomicLong reconciles = new AtomicLong();
    private final AtomicLong errors = new AtomicLong();
    private volatile String lastError;
    private volatile String state = "syncing";
    private volatile boolean leading;
    private volatile boolean stopping;
    private volatile boolean synced;

    /** Guarded by the lifecycle thread. */
    private final List<Thread> workers = new ArrayList<>();
    private volatile long workerEpoch;

    Controller(Reconciler reconciler, ControllerSpec spec, String bundle, SharedInformerFactory informers,
               ScheduledExecutorService scheduler, Duration defaultResync, Duration expectationsTtl,
               Duration crdRescan, Clock clock) {
        this.reconciler = reconciler;
        this.spec = spec;
        this.bundle = bundle;
        this.informers = informers;
        this.client = informers.client();
        this.scheduler = scheduler;
        this.resync = spec.resyncPeriod() != null && !spec.resyncPeriod().isZero() ? spec.resyncPeriod() : defaultResync;
        this.crdRescan = crdRescan;
        this.expectations = new ControllerExpectations(clock, expectationsTtl);
        this.context = new Context(informers, client, informers.recorder(spec.name()), expectations, clock);
        this.lifecycle = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "controller-" + spec.name());
            t.setDaemon(true);
            return t;
        });
    }

    private record Context(Caches caches, ObjectClient client, EventRecorder events, Expectations expectations,
                           Clock clock) implements ReconcileContext {}

    String name() {
        return spec.name();
    }

    Reconciler reconciler() {
        return reconciler;
    }

    ControllerInfo info() {
        return new ControllerInfo(spec.name(), bundle, state, spec.workers(), queue.depth(), reconciles.get(),
                errors.get(), lastError);
    }

    ControllerExpectations expectations() {
        return expectations;
    }

    // ---- lifecycle (any thread) --------------------------------------------------------------

    void start(boolean leadingNow) {
        leading = leadingNow;
        lifecycle.execute(this::startUp);
    }

    void leadershipChanged(boolean leadingNow) {
        leading = leadingNow;
        if (!stopping) {
            try {
                lifecycle.execute(this::adjustWorkers);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                // stopped meanwhile: nothing to adjust
            }
        }
    }

    /**
     * Stops listening, lets in-flight reconciles finish (up to {@code drain}), then drops the
     * queue. Blocks the caller until then.
     */
    void stop(Duration drain) {
        stopping = true;
        queue.wakeUp();
        Future<?> done = lifecycle.submit(() -> shutDown(drain));
        lifecycle.shutdown();
        try {
            done.get(drain.toMillis() + 5000, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            LOG.warn("controller {}: stop did not complete cleanly: {}", spec.name(), e.toString());
        }
    }

    // ---- lifecycle steps (lifecycle thread) --------------------------------------------------

    private void startUp() {
        try {
            if (spec.primary() != null) {
                listen(informers.informer(spec.primary()), new PrimaryListener());
            }
            for (WatchSpec watch : spec.watches()) {
                if (watch.kind() == null) {
                    watchAll(watch.mapper());
                } else {
                    listen(informers.informer(watch.kind()), new MappedListener(watch.mapper(), watch.owned()));
                }
            }
            while (!stopping && !allSynced()) {
                TimeUnit.MILLISECONDS.sleep(POLL.toMillis()); // a kind may wait for its CRD: keep checking stop
            }
            if (stopping) {
                return;
            }
            synced = true;
            if (spec.primary() != null && resync != null && !resync.isZero() && !resync.isNegative()) {
                long period = resync.toMillis();
                timers.add(scheduler.scheduleAtFixedRate(this::enqueueAllPrimaries, period, period,
                        TimeUnit.MILLISECONDS));
            }
            adjustWorkers();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            state = "failed";
            lastError = e.toString();
            LOG.error("controller {} could not start", spec.name(), e);
        }
    }

    private boolean allSynced() throws InterruptedException {
        for (Informer informer : watched) {
            if (!informer.awaitSynced(POLL)) {
                return false;
            }
        }
        return true;
    }

    private void listen(Informer informer, InformerListener<HasMetadata> listener) {
        watched.add(informer);
        handles.add(informer.addListener(listener));
    }

    private void adjustWorkers() {
        if (stopping || !synced) {
            return;
        }
        if (leading && workers.isEmpty()) {
            long epoch = ++workerEpoch;
            for (int i = 0; i < spec.workers(); i++) {
                Thread t = new Thread(() -> work(epoch), "controller-" + spec.name() + "-worker-" + i);
                t.setDaemon(true);
                workers.add(t);
                t.start();
            }
            state = "running";
            if (epoch > 1) {
                // leading again: the queue kept collecting events, but look at everything once more,
                // as a new leader would
                enqueueAllPrimaries();
            }
        } else if (!leading && !workers.isEmpty()) {
            state = "waiting-for-leadership";
            stopWorkers(Duration.ofSeconds(30));
        } else if (!leading) {
            state = "waiting-for-leadership";
        }
    }

    private void stopWorkers(Duration drain) {
        workerEpoch++;
        queue.wakeUp();
        long deadline = System.nanoTime() + drain.toNanos();
        for (Thread t : workers) {
            try {
                t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            if (t.isAlive()) {
                LOG.warn("controller {}: a reconcile is still running after {}; interrupting {}", spec.name(),
                        drain, t.getName());
                t.interrupt();
            }
        }
        workers.clear();
    }

    private void shutDown(Duration drain) {
        state = "stopping";
        for (ScheduledFuture<?> timer : timers) {
            timer.cancel(false);
        }
        for (AutoCloseable handle : handles) {
            try {
                handle.close();
            } catch (Exception e) {
                LOG.debug("controller {}: removing a listener: {}", spec.name(), e.toString());
            }
        }
        stopWorkers(drain);
        queue.shutDown();
    }

    // ---- workers -----------------------------------------------------------------------------

    private void work(long epoch) {
        try {
            while (!stopping && workerEpoch == epoch) {
                ObjectKey key = queue.get(Duration.ofSeconds(1));
                if (key != null) {
                    process(key);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void process(ObjectKey key) {
        try {
            Result result = reconciler.reconcile(key, context);
            queue.forget(key);
            if (result != null && result.requeueAfter() != null) {
                queue.addAfter(key, result.requeueAfter());
            }
        } catch (Throwable e) {
            errors.incrementAndGet();
            lastError = key + ": " + e;
            int retries = queue.numRequeues(key);
            if (retries < 3) {
                LOG.info("controller {}: reconcile of {} failed (retrying): {}", spec.name(), key, e.toString());
            } else {
                LOG.warn("controller {}: reconcile of {} failed {} times", spec.name(), key, retries + 1, e);
            }
            // Errors too (a class gone with a bundle being refreshed): retried like any failure
            queue.addRateLimited(key);
        } finally {
            reconciles.incrementAndGet();
            queue.done(key);
        }
    }

    // ---- event handlers (informer threads) ---------------------------------------------------

    private void enqueueAllPrimaries() {
        if (spec.primary() == null) {
            return;
        }
        for (HasMetadata object : informers.of(spec.primary()).list(null)) {
            queue.add(ObjectKey.of(object));
        }
    }

    private final class PrimaryListener implements InformerListener<HasMetadata> {
        @Override
        public void onAdd(HasMetadata object) {
            queue.add(ObjectKey.of(object));
        }

        @Override
        public void onUpdate(HasMetadata oldObject, HasMetadata newObject) {
            queue.add(ObjectKey.of(newObject));
        }

        @Override
        public void onDelete(HasMetadata lastKnown) {
            ObjectKey key = ObjectKey.of(lastKnown);
            expectations.delete(key);
            queue.add(key);
        }
    }

    private final class MappedListener implements InformerListener<HasMetadata> {
        private final KeyMapper mapper;
        private final boolean owned;

        MappedListener(KeyMapper mapper, boolean owned) {
            this.mapper = mapper;
            this.owned = owned;
        }

        @Override
        public void onAdd(HasMetadata object) {
            for (ObjectKey key : keys(object)) {
                if (owned) {
                    expectations.creationObserved(key);
                }
                queue.add(key);
            }
        }

        @Override
        public void onUpdate(HasMetadata oldObject, HasMetadata newObject) {
            boolean terminating = oldObject.getMetadata().getDeletionTimestamp() == null
                    && newObject.getMetadata().getDeletionTimestamp() != null;
            Collection<ObjectKey> newKeys = keys(newObject);
            for (ObjectKey key : newKeys) {
                if (owned && terminating) {
                    // a terminating dependent counts as deleted, as the ReplicaSet controller counts it
                    expectations.deletionObserved(key, ObjectKey.of(newObject).toString());
                }
                queue.add(key);
            }
            // an object that moved from one owner (or selector) to another concerns both
            for (ObjectKey key : keys(oldObject)) {
                if (!newKeys.contains(key)) {
                    queue.add(key);
                }
            }
        }

        @Override
        public void onDelete(HasMetadata lastKnown) {
            for (ObjectKey key : keys(lastKnown)) {
                if (owned) {
                    expectations.deletionObserved(key, ObjectKey.of(lastKnown).toString());
                }
                queue.add(key);
            }
        }

        private Collection<ObjectKey> keys(HasMetadata object) {
            try {
                Collection<ObjectKey> keys = mapper.keys(object, informers);
                return keys == null ? List.of() : keys;
            } catch (RuntimeException e) {
                LOG.warn("controller {}: key mapper failed on {}: {}", spec.name(), ObjectKey.of(object), e.toString());
                return List.of();
            }
        }
    }

    // ---- watchesAll --------------------------------------------------------------------------

    /**
     * Listens to every served kind that can be listed and watched, and again whenever
     * CustomResourceDefinitions change (and every {@code crdRescan}, in case an event was missed).
     */
    private void watchAll(KeyMapper mapper) throws InterruptedException {
        MappedListener listener = new MappedListener(mapper, false);
        Future<?> first = scheduler.submit(() -> rescan(listener));
        try {
            first.get();
        } catch (ExecutionException e) {
            LOG.warn("controller {}: listing served kinds failed: {}", spec.name(), e.getCause().toString());
        }
        ApiResource crds = client.resource("apiextensions.k8s.io/v1", "CustomResourceDefinition").orElse(null);
        if (crds != null) {
            handles.add(informers.addListener(crds, new InformerListener<>() {
                @Override
                public void onAdd(HasMetadata object) {
                    later();
                }

                @Override
                public void onUpdate(HasMetadata oldObject, HasMetadata newObject) {
                    later();
                }

                @Override
                public void onDelete(HasMetadata lastKnown) {
                    later();
                }

                private void later() {
                    // the CRD's kind is served once it is Established, just after this event
                    if (!stopping) {
                        scheduler.schedule(() -> rescan(listener), 200, TimeUnit.MILLISECONDS);
                    }
                }
            }));
        }
        long period = crdRescan.toMillis();
        timers.add(scheduler.scheduleWithFixedDelay(() -> rescan(listener), period, period, TimeUnit.MILLISECONDS));
    }

    /** Runs on the scheduler thread only. */
    private void rescan(MappedListener listener) {
        if (stopping) {
            return;
        }
        try {
            for (ApiResource resource : client.resources()) {
                if (resource.supports("list") && resource.supports("watch")
                        && allKinds.add(resource.group() + "/" + resource.kind())) {
                    Informer informer = informers.informer(resource);
                    if (!synced) {
                        watched.add(informer);
                    }
                    handles.add(informer.addListener(listener));
                }
            }
        } catch (RuntimeException e) {
            LOG.warn("controller {}: rescanning served kinds failed: {}", spec.name(), e.toString());
        }
    }
}
