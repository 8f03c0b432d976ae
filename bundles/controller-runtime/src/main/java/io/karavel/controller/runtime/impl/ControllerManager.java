package io.karavel.controller.runtime.impl;

import io.karavel.api.client.ObjectClient;
import io.karavel.api.controller.ControllerInfo;
import io.karavel.api.controller.ControllerRuntime;
import io.karavel.api.controller.ControllerSpec;
import io.karavel.api.controller.LeaderElection;
import io.karavel.api.controller.Reconciler;
import io.karavel.api.store.Store;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs {@link Reconciler}s over shared informers, gated by leader election: the controller
 * runtime without OSGi. The DS component wraps one; tests and benchmarks build one directly:
 *
 * <pre>{@code
 * try (ControllerManager manager = new ControllerManager(store, objectClient, null)) {
 *     manager.add(reconciler);          // starts it (asynchronously: informers sync, then workers)
 *     SharedInformers caches = manager.informers();
 *     ...
 *     manager.remove(reconciler);       // drains in-flight reconciles, then stops it
 * }
 * }</pre>
 *
 * <p>Thread-safe. No lock is held while calling a reconciler, the store, the API or leader
 * election.
 */
public final class ControllerManager implements ControllerRuntime, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ControllerManager.class);

    /**
     * @param defaultResync resync period for controllers whose spec sets none; null or zero for never
     * @param expectationsTtl how long unobserved expectations block an owner
     * @param crdRescan how often {@code watchesAll} controllers look for newly served kinds,
     *     besides reacting to CustomResourceDefinition changes
     * @param drain how long unbinding (and losing leadership) waits for in-flight reconciles
     * @param informers the shared informers' settings
     */
    public record Settings(Duration defaultResync, Duration expectationsTtl, Duration crdRescan, Duration drain,
                           SharedInformerFactory.Settings informers) {
        public static Settings defaults() {
            return new Settings(null, ControllerExpectations.DEFAULT_TTL, Duration.ofSeconds(30),
                    Duration.ofSeconds(30), SharedInformerFactory.Settings.defaults());
        }
    }

    private final SharedInformerFactory informers;
    private final Settings settings;
    private final Clock clock;
    private final ScheduledThreadPoolExecutor scheduler;
    private final Map<Reconciler, Controller> controllers = new ConcurrentHashMap<>();
    private final Object leaderLock = new Object();
    /** Guarded by leaderLock. */
    private LeaderElection election;
    private AutoCloseable electionHandle;
    private volatile boolean leading;
    private volatile boolean closed;

    /**
     * @param leaderElection null: this process always leads
     */
    public ControllerManager(Store store, ObjectClient client, LeaderElection leaderElection) {
        this(store, client, leaderElection, Settings.defaults(), Clock.systemUTC());
    }

    /**
     * @param clock the clock reconcilers get in their context (expectations expire by it too)
     */
    public ControllerManager(Store store, ObjectClient client, LeaderElection leaderElection, Settings settings,
                             Clock clock) {
        this.settings = settings;
        this.clock = clock;
        this.informers = new SharedInformerFactory(store, client, settings.informers());
        this.scheduler = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "karavel-controller-timers");
            t.setDaemon(true);
            return t;
        });
        scheduler.setRemoveOnCancelPolicy(true);
        this.leading = leaderElection == null;
        setLeaderElection(leaderElection);
    }

    /** The shared informers every controller here uses (also a {@code SharedInformers} service). */
    public SharedInformerFactory informers() {
        return informers;
    }

    /** Starts {@code reconciler}, attributed to no bundle. */
    public void add(Reconciler reconciler) {
        add(reconciler, null);
    }

    /**
     * Starts a controller for {@code reconciler}: its informers start (or are shared), then its
     * workers once they have synced and while this process leads. Returns at once.
     *
     * @param bundle symbolic name of the bundle that registered it, for the report
     */
    public void add(Reconciler reconciler, String bundle) {
        if (closed) {
            throw new IllegalStateException("the controller manager is closed");
        }
        ControllerSpec spec;
        try {
            spec = reconciler.spec();
        } catch (RuntimeException e) {
            LOG.error("reconciler {} has no usable spec: not started", reconciler.getClass().getName(), e);
            return;
        }
        Controller controller = new Controller(reconciler, spec, bundle, informers, scheduler,
                settings.defaultResync(), settings.expectationsTtl(), settings.crdRescan(), clock);
        if (controllers.putIfAbsent(reconciler, controller) != null) {
            return;
        }
        for (Controller other : controllers.values()) {
            if (other != controller && other.name().equals(spec.name())) {
                LOG.warn("two controllers are named {}: both run, their reports are ambiguous", spec.name());
            }
        }
        LOG.info("controller {} starting ({} workers{})", spec.name(), spec.workers(),
                bundle == null ? "" : ", from " + bundle);
        controller.start(leading);
    }

    /** Stops {@code reconciler}'s controller, waiting for its in-flight reconciles to finish. */
    public void remove(Reconciler reconciler) {
        Controller controller = controllers.remove(reconciler);
        if (controller != null) {
            controller.stop(settings.drain());
            LOG.info("controller {} stopped", controller.name());
        }
    }

    /**
     * Follows another leader election (DS: a greedy dynamic reference was replaced); null for
     * none, which means leading.
     */
    public void setLeaderElection(LeaderElection next) {
        AutoCloseable oldHandle;
        synchronized (leaderLock) {
            election = next;
            oldHandle = electionHandle;
            electionHandle = null;
        }
        close(oldHandle);
        if (next == null) {
            leadershipChanged(null, true);
            return;
        }
        AutoCloseable handle = next.onChange(isLeader -> leadershipChanged(next, isLeader));
        boolean current;
        synchronized (leaderLock) {
            if (election != next) {
                current = false; // replaced meanwhile: that one's handler will decide
            } else {
                electionHandle = handle;
                handle = null;
                current = true;
            }
        }
        if (!current) {
            close(handle);
            return;
        }
        leadershipChanged(next, next.isLeader());
    }

    /** Drops {@code gone} if it is the election followed now (DS unbind). */
    public void unsetLeaderElection(LeaderElection gone) {
        boolean followed;
        synchronized (leaderLock) {
            followed = election == gone;
        }
        if (followed) {
            setLeaderElection(null);
        }
    }

    private void leadershipChanged(LeaderElection source, boolean isLeader) {
        synchronized (leaderLock) {
            if (source != election || leading == isLeader) {
                return;
            }
            leading = isLeader;
        }
        LOG.info(isLeader ? "leading: controllers start" : "not leading: controllers pause");
        for (Controller controller : controllers.values()) {
            controller.leadershipChanged(isLeader);
        }
    }

    private static void close(AutoCloseable handle) {
        if (handle != null) {
            try {
                handle.close();
            } catch (Exception e) {
                LOG.debug("closing a leader election listener: {}", e.toString());
            }
        }
    }

    @Override
    public List<ControllerInfo> controllers() {
        List<ControllerInfo> out = new ArrayList<>();
        for (Controller c : controllers.values()) {
            out.add(c.info());
        }
        out.sort(Comparator.comparing(ControllerInfo::name));
        return out;
    }

    /** The running controller of {@code reconciler}'s expectations, for tests; null if not running. */
    ControllerExpectations expectations(Reconciler reconciler) {
        Controller c = controllers.get(reconciler);
        return c == null ? null : c.expectations();
    }

    @Override
    public boolean leading() {
        return leading;
    }

    /** Stops every controller (draining each), then the informers. */
    @Override
    public void close() {
        closed = true;
        for (Reconciler reconciler : List.copyOf(controllers.keySet())) {
            remove(reconciler);
        }
        setLeaderElection(null);
        scheduler.shutdownNow();
        try {
            scheduler.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        informers.close();
    }
}
