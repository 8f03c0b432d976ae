package io.karavel.scheduler.impl;

import io.fabric8.kubernetes.api.model.Binding;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.karavel.api.client.ObjectClient;
import io.karavel.api.client.PatchType;
import io.karavel.api.controller.EventRecorder;
import io.karavel.api.controller.InformerListener;
import io.karavel.api.controller.LeaderElection;
import io.karavel.api.controller.SharedInformers;
import io.karavel.api.scheduler.FilterPlugin;
import io.karavel.api.scheduler.FilterStatus;
import io.karavel.api.scheduler.NodeInfo;
import io.karavel.api.scheduler.PodInfo;
import io.karavel.api.scheduler.ProfileInfo;
import io.karavel.api.scheduler.SchedulerRuntime;
import io.karavel.api.scheduler.SchedulingProfile;
import io.karavel.api.scheduler.ScorePlugin;
import io.karavel.scheduler.plugins.Pods;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The scheduler, after kube-scheduler: a queue of pending pods, a cache of nodes and the pods on
 * them, and one scheduling thread that pops a pod, filters the nodes (in parallel, stopping once
 * enough feasible nodes are found), scores the feasible ones with the pod's profile, assumes the
 * pod on the best node and hands the binding to a worker.
 *
 * <p>Profiles and plugins come and go at any time (OSGi whiteboard); the registry is
 * copy-on-write and each cycle works on one snapshot of it. Plain Java: the DS component wraps it,
 * tests and the benchmark construct it directly.
 */
public final class Scheduler implements SchedulerRuntime, AutoCloseable {
    /** The scheduler name that means "the default profile". */
    public static final String DEFAULT_SCHEDULER = "default-scheduler";
    /** Fewest nodes a cycle looks at before it may stop early, as in kube-scheduler. */
    static final int MIN_FEASIBLE_NODES_TO_FIND = 100;
    static final int MIN_FEASIBLE_NODES_PERCENTAGE = 5;

    private static final Logger LOG = LoggerFactory.getLogger(Scheduler.class);

    private record Named<T>(String name, T plugin) {}

    /** Everything installed, replaced as a whole on every change. */
    private record Registry(
            List<Named<SchedulingProfile>> profiles,
            List<Named<FilterPlugin>> filters,
            List<Named<ScorePlugin>> scores) {
        static final Registry EMPTY = new Registry(List.of(), List.of(), List.of());

        <T> T find(List<Named<T>> list, String name) {
            for (Named<T> n : list) {
                if (n.name().equals(name)) {
                    return n.plugin();
                }
            }
            return null;
        }
    }

    /** A profile resolved against the installed plugins. */
    private record Compiled(
            String name,
            List<FilterPlugin> filters,
            List<ScorePlugin> scores,
            long[] weights,
            List<String> missing,
            int percentageOfNodesToScore) {}

    private final SharedInformers informers;
    private final ObjectClient client;
    private final Clock clock;
    private final SchedulingQueue queue;
    private final SchedulerCache cache = new SchedulerCache();
    private final Object registryLock = new Object();
    private volatile Registry registry = Registry.EMPTY;
    private volatile SchedulerSettings settings;
    private volatile Consumer<String> defaultProfilePersister = p -> {};
    /** The default profile last reported in the log, to log fall-backs and recoveries once each. */
    private final AtomicReference<Resolution> reportedDefault = new AtomicReference<>();
    private final LongAdder scheduled = new LongAdder();
    private final ThreadPoolExecutor filterPool;
    private final ThreadPoolExecutor bindPool;
    private final Parallelizer parallelizer;
    private final ScheduledExecutorService housekeeping;
    private volatile boolean leader = true;
    private volatile boolean running;
    private final List<AutoCloseable> subscriptions = new ArrayList<>();
    private AutoCloseable leaderSubscription;
    private Thread schedulingThread;
    private EventRecorder recorder;

    // Used by the scheduling thread only.
    private Registry compiledFrom;
    private Map<String, Compiled> compiled = Map.of();
    private int nextStartNodeIndex;

    public Scheduler(SharedInformers informers, ObjectClient client, SchedulerSettings settings) {
        this(informers, client, settings, Clock.systemUTC());
    }

    public Scheduler(SharedInformers informers, ObjectClient client, SchedulerSettings settings, Clock clock) {
        this.informers = Objects.requireNonNull(informers);
        this.client = Objects.requireNonNull(client);
        this.settings = settings;
        this.clock = clock;
        this.queue = new SchedulingQueue(clock, settings.backoffInitial(), settings.backoffMax(),
                settings.unschedulableFlushInterval());
        int helpers = Math.max(1, settings.parallelism() - 1);
        this.filterPool = pool("karavel-scheduler-filter-", helpers);
        this.bindPool = pool("karavel-scheduler-bind-", settings.bindWorkers());
        this.parallelizer = new Parallelizer(filterPool, settings.parallelism());
        this.housekeeping = Executors.newSingleThreadScheduledExecutor(daemon("karavel-scheduler-flush-"));
    }

    private static ThreadPoolExecutor pool(String prefix, int size) {
        return new ThreadPoolExecutor(size, size, 60, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), daemon(prefix));
    }

    private static java.util.concurrent.ThreadFactory daemon(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    // --- lifecycle ----------------------------------------------------------------------------

    /** Subscribes to nodes and pods and starts scheduling once both informers have synced. */
    public synchronized void start() {
        if (running) {
            return;
        }
        running = true;
        recorder = informers.recorder(DEFAULT_SCHEDULER);
        subscriptions.add(informers.addListener(Node.class, new NodeListener()));
        subscriptions.add(informers.addListener(Pod.class, new PodListener()));
        housekeeping.scheduleWithFixedDelay(queue::flushUnschedulableLeftover, 1, 1, TimeUnit.SECONDS);
        schedulingThread = new Thread(this::run, "karavel-scheduler");
        schedulingThread.setDaemon(true);
        schedulingThread.start();
    }

    @Override
    public void close() {
        Thread thread;
        List<AutoCloseable> closing;
        AutoCloseable leaderSub;
        synchronized (this) {
            running = false;
            thread = schedulingThread;
            closing = new ArrayList<>(subscriptions);
            subscriptions.clear();
            leaderSub = leaderSubscription;
            leaderSubscription = null;
        }
        queue.close();
        for (AutoCloseable c : closing) {
            closeQuietly(c);
        }
        closeQuietly(leaderSub);
        if (thread != null) {
            thread.interrupt();
            try {
                thread.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        housekeeping.shutdownNow();
        filterPool.shutdownNow();
        bindPool.shutdown();
        try {
            if (!bindPool.awaitTermination(10, TimeUnit.SECONDS)) {
                bindPool.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (Exception e) {
            LOG.debug("closing {} failed", c, e);
        }
    }

    /**
     * Follows a leader election: only the leader schedules. Null means no election: this
     * scheduler leads.
     */
    public void setLeaderElection(LeaderElection election) {
        AutoCloseable old;
        AutoCloseable sub = null;
        if (election != null) {
            sub = election.onChange(this::leaderChanged);
        }
        synchronized (this) {
            old = leaderSubscription;
            leaderSubscription = sub;
        }
        closeQuietly(old);
        leaderChanged(election == null || election.isLeader());
    }

    private void leaderChanged(boolean isLeader) {
        if (isLeader != leader) {
            LOG.info("scheduler {} leader", isLeader ? "is now" : "is no longer");
        }
        leader = isLeader;
        queue.setPaused(!isLeader);
    }

    /** New settings without a restart: default profile, back-off, flush interval, pool sizes. */
    public void reconfigure(SchedulerSettings next) {
        SchedulerSettings previous = settings;
        settings = next;
        queue.configure(next.backoffInitial(), next.backoffMax(), next.unschedulableFlushInterval());
        resize(filterPool, Math.max(1, next.parallelism() - 1));
        resize(bindPool, next.bindWorkers());
        parallelizer.setParallelism(next.parallelism());
        if (!previous.requestedDefault().equals(next.requestedDefault())
                || !previous.defaultProfile().equals(next.defaultProfile())) {
            LOG.info("default scheduling profile is now {} (configured default {})", next.requestedDefault(),
                    next.defaultProfile());
            reportDefault();
            queue.moveAllToActiveOrBackoff();
        }
    }

    private static void resize(ThreadPoolExecutor pool, int size) {
        if (size > pool.getMaximumPoolSize()) {
            pool.setMaximumPoolSize(size);
            pool.setCorePoolSize(size);
        } else {
            pool.setCorePoolSize(size);
            pool.setMaximumPoolSize(size);
        }
    }

    /** Where {@link #setDefaultProfile} persists the choice (the component: ConfigurationAdmin). */
    public void setDefaultProfilePersister(Consumer<String> persister) {
        this.defaultProfilePersister = persister == null ? p -> {} : persister;
    }

    // --- whiteboard ---------------------------------------------------------------------------

    public void addProfile(SchedulingProfile profile) {
        String name = profile.name();
        synchronized (registryLock) {
            Registry r = registry;
            registry = new Registry(plus(r.profiles(), new Named<>(name, profile)), r.filters(), r.scores());
        }
        LOG.info("scheduling profile {} installed", name);
        reportDefault();
        queue.moveAllToActiveOrBackoff();
    }

    public void removeProfile(SchedulingProfile profile) {
        synchronized (registryLock) {
            Registry r = registry;
            registry = new Registry(minus(r.profiles(), profile), r.filters(), r.scores());
        }
        reportDefault();
        queue.moveAllToActiveOrBackoff();
    }

    /** @param name the plugin's {@code plugin.name} (its {@link FilterPlugin#name()} when null) */
    public void addFilter(FilterPlugin plugin, String name) {
        String n = name != null ? name : plugin.name();
        synchronized (registryLock) {
            Registry r = registry;
            registry = new Registry(r.profiles(), plus(r.filters(), new Named<>(n, plugin)), r.scores());
        }
        reportDefault();
        queue.moveAllToActiveOrBackoff();
    }

    public void removeFilter(FilterPlugin plugin) {
        synchronized (registryLock) {
            Registry r = registry;
            registry = new Registry(r.profiles(), minus(r.filters(), plugin), r.scores());
        }
        reportDefault();
        queue.moveAllToActiveOrBackoff();
    }

    /** @param name the plugin's {@code plugin.name} (its {@link ScorePlugin#name()} when null) */
    public void addScore(ScorePlugin plugin, String name) {
        String n = name != null ? name : plugin.name();
        synchronized (registryLock) {
            Registry r = registry;
            registry = new Registry(r.profiles(), r.filters(), plus(r.scores(), new Named<>(n, plugin)));
        }
        reportDefault();
        queue.moveAllToActiveOrBackoff();
    }

    public void removeScore(ScorePlugin plugin) {
        synchronized (registryLock) {
            Registry r = registry;
            registry = new Registry(r.profiles(), r.filters(), minus(r.scores(), plugin));
        }
        reportDefault();
        queue.moveAllToActiveOrBackoff();
    }

    private static <T> List<Named<T>> plus(List<Named<T>> list, Named<T> item) {
        List<Named<T>> copy = new ArrayList<>(list);
        copy.add(item);
        return List.copyOf(copy);
    }

    private static <T> List<Named<T>> minus(List<Named<T>> list, T plugin) {
        List<Named<T>> copy = new ArrayList<>(list);
        copy.removeIf(n -> n.plugin() == plugin);
        return List.copyOf(copy);
    }

    /** Resolves every profile of a registry; calls out to profiles, so never under a lock. */
    private static Map<String, Compiled> compile(Registry r) {
        Map<String, Compiled> out = new LinkedHashMap<>();
        for (Named<SchedulingProfile> named : r.profiles()) {
            if (out.containsKey(named.name())) {
                continue; // the first installed wins until it goes
            }
            SchedulingProfile p = named.plugin();
            List<String> missing = new ArrayList<>();
            List<String> filterNames = List.copyOf(p.filters());
            List<FilterPlugin> filters = new ArrayList<>();
            for (String f : filterNames) {
                FilterPlugin plugin = r.find(r.filters(), f);
                if (plugin == null) {
                    missing.add(f);
                } else {
                    filters.add(plugin);
                }
            }
            List<ScorePlugin> scores = new ArrayList<>();
            List<Long> weights = new ArrayList<>();
            for (Map.Entry<String, Integer> s : p.scores().entrySet()) {
                ScorePlugin plugin = r.find(r.scores(), s.getKey());
                if (plugin == null) {
                    if (!missing.contains(s.getKey())) {
                        missing.add(s.getKey());
                    }
                } else if (s.getValue() != null && s.getValue() > 0) {
                    scores.add(plugin);
                    weights.add((long) s.getValue());
                }
            }
            out.put(named.name(), new Compiled(named.name(), List.copyOf(filters), List.copyOf(scores),
                    weights.stream().mapToLong(Long::longValue).toArray(), List.copyOf(missing),
                    p.percentageOfNodesToScore()));
        }
        return out;
    }

    private Map<String, Compiled> compiledNow() {
        Registry r = registry;
        if (r != compiledFrom) {
            compiled = compile(r);
            compiledFrom = r;
        }
        return compiled;
    }

    /**
     * Which profile serves {@code default-scheduler} pods.
     *
     * @param profile the profile to use
     * @param fallbackFrom the selected profile that cannot serve now (so {@code profile} is the
     *     configured default standing in), or null
     * @param why why the selected profile cannot serve, or null
     */
    record Resolution(String profile, String fallbackFrom, String why) {}

    /**
     * The selected profile when it is installed and ready; else the configured default when that
     * one is (a fall-back: removing the selected strategy's bundle must not leave new pods
     * Pending); else the selected one, whose pods then wait with an event saying why.
     */
    static Resolution resolveDefault(Map<String, Compiled> profiles, SchedulerSettings s) {
        String requested = s.requestedDefault();
        String why = unusable(profiles.get(requested), requested);
        if (why == null || requested.equals(s.defaultProfile())) {
            return new Resolution(requested, null, null);
        }
        if (unusable(profiles.get(s.defaultProfile()), s.defaultProfile()) == null) {
            return new Resolution(s.defaultProfile(), requested, why);
        }
        return new Resolution(requested, null, null);
    }

    /** Null when the profile can schedule, else why not. */
    private static String unusable(Compiled profile, String name) {
        if (profile == null) {
            return "no scheduling profile \"" + name + "\" is installed";
        }
        if (!profile.missing().isEmpty()) {
            return "profile \"" + name + "\" is not ready: missing plugins " + profile.missing();
        }
        return null;
    }

    /**
     * Logs a change of the profile serving {@code default-scheduler}: a WARN when the selected
     * profile went and the configured default stands in, an INFO when it is back. Compiles the
     * registry (calls out to profiles), so never called under a lock.
     */
    private void reportDefault() {
        Resolution now = resolveDefault(compile(registry), settings);
        Resolution before = reportedDefault.getAndSet(now);
        if (now.equals(before)) {
            return;
        }
        if (now.fallbackFrom() != null) {
            LOG.warn("{}: pods of {} are scheduled with the configured default profile \"{}\" until it is back",
                    now.why(), DEFAULT_SCHEDULER, now.profile());
        } else if (before != null && before.fallbackFrom() != null && before.fallbackFrom().equals(now.profile())) {
            LOG.info("scheduling profile \"{}\" is back: it serves {} again", now.profile(), DEFAULT_SCHEDULER);
        }
    }

    // --- SchedulerRuntime ---------------------------------------------------------------------

    @Override
    public List<ProfileInfo> profiles() {
        Map<String, Compiled> all = compile(registry);
        String defaultProfile = resolveDefault(all, settings).profile();
        return all.values().stream()
                .map(c -> new ProfileInfo(c.name(), c.missing().isEmpty(), c.missing(), c.name().equals(defaultProfile)))
                .sorted(Comparator.comparing(ProfileInfo::name))
                .toList();
    }

    @Override
    public List<String> plugins() {
        Registry r = registry;
        TreeSet<String> names = new TreeSet<>();
        r.filters().forEach(n -> names.add(n.name()));
        r.scores().forEach(n -> names.add(n.name()));
        return List.copyOf(names);
    }

    /**
     * The profile serving {@code default-scheduler} now: the selected one, or the configured
     * default while the selected one is not installed or not ready.
     */
    @Override
    public String defaultProfile() {
        return resolveDefault(compile(registry), settings).profile();
    }

    /** The profile selected at run time ({@link #setDefaultProfile}), or the configured default. */
    public String selectedProfile() {
        return settings.requestedDefault();
    }

    @Override
    public void setDefaultProfile(String profile) {
        boolean installed = registry.profiles().stream().anyMatch(n -> n.name().equals(profile));
        if (!installed) {
            throw new IllegalArgumentException("no scheduling profile \"" + profile + "\" is installed");
        }
        SchedulerSettings current = settings;
        reconfigure(current.withSelectedProfile(profile));
        defaultProfilePersister.accept(profile);
    }

    @Override
    public QueueInfo queue() {
        int[] c = queue.counts();
        return new QueueInfo(c[0], c[1], c[2]);
    }

    @Override
    public long scheduled() {
        return scheduled.sum();
    }

    /** Where the queue holds a pod ({@code namespace/name}), for tests. */
    SchedulingQueue.Where queued(String key) {
        return queue.where(key);
    }

    // --- scheduling ---------------------------------------------------------------------------

    private void run() {
        try {
            while (running && !(informers.awaitSynced(Node.class, Duration.ofSeconds(1))
                    && informers.awaitSynced(Pod.class, Duration.ofSeconds(1)))) {
                // keep waiting: the API may not be up yet
            }
            while (running) {
                SchedulingQueue.Entry entry = queue.pop(Duration.ofSeconds(1));
                if (entry == null) {
                    continue;
                }
                try {
                    scheduleOne(entry);
                } catch (RuntimeException e) {
                    LOG.warn("scheduling {} failed", SchedulerCache.key(entry.pod()), e);
                    event(entry.pod(), EventRecorder.WARNING, "FailedScheduling", "scheduling failed: " + e);
                    queue.requeueBackoff(entry);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** One scheduling cycle; the binding cycle continues on a bind worker. */
    void scheduleOne(SchedulingQueue.Entry entry) {
        Pod pod = entry.pod();
        Map<String, Compiled> profiles = compiledNow();
        String profileName = requestedProfile(pod);
        Resolution fallback = null;
        if (profileName == null) {
            SchedulerSettings s = settings;
            Resolution r = resolveDefault(profiles, s);
            profileName = r.profile();
            fallback = r.fallbackFrom() != null ? r : null;
            String why = unusable(profiles.get(profileName), profileName);
            if (why != null && !profileName.equals(s.defaultProfile())) {
                // the selection cannot serve and the configured default cannot stand in: say both
                why += "; nor can the configured default: " + unusable(profiles.get(s.defaultProfile()), s.defaultProfile());
            }
            if (why != null) {
                unschedulable(entry, why, false);
                return;
            }
        }
        Compiled profile = profiles.get(profileName);
        String why = unusable(profile, profileName);
        if (why != null) {
            unschedulable(entry, why, false);
            return;
        }
        if (fallback != null) {
            event(pod, EventRecorder.WARNING, "ProfileFallback", fallback.why() + "; scheduling with the configured"
                    + " default profile \"" + fallback.profile() + "\"");
        }
        NodeInfo[] nodes = cache.snapshot();
        PodInfo info = new PodInfo(pod, Pods.requests(pod));
        int n = nodes.length;
        if (n == 0) {
            unschedulable(entry, FailureMessages.noNodeAvailable(pod, 0, List.of()), true);
            return;
        }
        int toFind = numFeasibleNodesToFind(n, profile.percentageOfNodesToScore());
        Cycle cycle = new Cycle(profile, info, nodes, nextStartNodeIndex % n, toFind);
        parallelizer.until(n, cycle::run);
        nextStartNodeIndex = (cycle.start + cycle.processed) % n;
        if (cycle.found == 0) {
            List<FilterStatus> statuses = new ArrayList<>(n);
            for (FilterStatus s : cycle.failed) {
                if (s != null) {
                    if (s.code() == FilterStatus.Code.ERROR) {
                        event(pod, EventRecorder.WARNING, "FailedScheduling", "running filter plugins: " + s.reasons());
                        queue.requeueBackoff(entry);
                        return;
                    }
                    statuses.add(s);
                }
            }
            unschedulable(entry, FailureMessages.noNodeAvailable(pod, n, statuses), true);
            return;
        }
        NodeInfo chosen = cycle.found == 1 ? cycle.feasible[0] : best(profile, info, cycle);
        cache.assume(pod, chosen.name(), info.requests());
        bindPool.execute(() -> bind(entry, pod, chosen.name()));
    }

    /**
     * One cycle's filtering and scoring. Each chunk of nodes is filtered and its feasible nodes
     * scored right away, while their data is in the CPU cache (Kubernetes scores in a second
     * pass; the result is the same, since normalizing waits until all are found), then the chunk
     * reports under one short lock.
     */
    private static final class Cycle {
        final Compiled profile;
        final PodInfo pod;
        final NodeInfo[] nodes;
        final int start;
        final int toFind;
        final int plugins;
        final FilterStatus[] failed;
        final NodeInfo[] feasible;
        /** Raw scores, {@code plugins} per feasible node. */
        final long[] raw;
        /**
         * Filters that answered SKIP: they do not apply to this pod, so other nodes need not ask
         * them. Written by several threads without a lock: a stale read only costs one more call.
         */
        final boolean[] skipped;
        int found;
        int processed;

        Cycle(Compiled profile, PodInfo pod, NodeInfo[] nodes, int start, int toFind) {
            this.profile = profile;
            this.pod = pod;
            this.nodes = nodes;
            this.start = start;
            this.toFind = toFind;
            this.plugins = profile.scores().size();
            this.failed = new FilterStatus[nodes.length];
            this.feasible = new NodeInfo[toFind];
            this.raw = new long[toFind * plugins];
            this.skipped = new boolean[profile.filters().size()];
        }

        boolean run(int from, int to) {
            int n = nodes.length;
            NodeInfo[] ok = new NodeInfo[to - from];
            long[] scores = new long[(to - from) * plugins];
            int count = 0;
            List<FilterPlugin> filters = profile.filters();
            List<ScorePlugin> scorers = profile.scores();
            for (int i = from; i < to; i++) {
                int index = start + i;
                NodeInfo node = nodes[index >= n ? index - n : index];
                FilterStatus status = runFilters(filters, skipped, pod, node);
                if (status != null) {
                    failed[i] = status;
                    continue;
                }
                for (int p = 0; p < plugins; p++) {
                    scores[count * plugins + p] = scorers.get(p).score(pod, node);
                }
                ok[count++] = node;
            }
            synchronized (this) {
                processed += to - from;
                for (int k = 0; k < count && found < toFind; k++) {
                    feasible[found] = ok[k];
                    System.arraycopy(scores, k * plugins, raw, found * plugins, plugins);
                    found++;
                }
                return found < toFind;
            }
        }
    }

    /** The profile a pod names, or null for the default ({@code default-scheduler} or no name). */
    private static String requestedProfile(Pod pod) {
        String name = pod.getSpec() == null ? null : pod.getSpec().getSchedulerName();
        return name == null || name.isEmpty() || name.equals(DEFAULT_SCHEDULER) ? null : name;
    }

    /** Null when every filter passes, else the first failure (as kube-scheduler, later filters do not run). */
    private static FilterStatus runFilters(List<FilterPlugin> filters, boolean[] skipped, PodInfo pod, NodeInfo node) {
        for (int i = 0; i < filters.size(); i++) {
            if (skipped[i]) {
                continue;
            }
            FilterStatus s;
            try {
                s = filters.get(i).filter(pod, node);
            } catch (RuntimeException e) {
                s = FilterStatus.error(filters.get(i).name() + ": " + e);
            }
            if (s == null) {
                s = FilterStatus.error(filters.get(i).name() + " returned no status");
            }
            if (s.code() == FilterStatus.Code.SKIP) {
                skipped[i] = true;
            } else if (s.code() != FilterStatus.Code.SUCCESS) {
                return s;
            }
        }
        return null;
    }

    /**
     * kube-scheduler's {@code numFeasibleNodesToFind}: every node in small clusters, else the
     * profile's percentage (adaptive: 50% minus 1% per 125 nodes, at least 5%), at least 100.
     */
    static int numFeasibleNodesToFind(int allNodes, int percentage) {
        if (allNodes < MIN_FEASIBLE_NODES_TO_FIND || percentage >= 100) {
            return allNodes;
        }
        int adaptive = percentage;
        if (adaptive <= 0) {
            adaptive = Math.max(MIN_FEASIBLE_NODES_PERCENTAGE, 50 - allNodes / 125);
        }
        int num = (int) ((long) allNodes * adaptive / 100);
        return Math.max(MIN_FEASIBLE_NODES_TO_FIND, num);
    }

    /** Normalizes the feasible nodes' scores, weights and sums them, and picks the highest (ties at random). */
    private NodeInfo best(Compiled profile, PodInfo pod, Cycle cycle) {
        List<ScorePlugin> plugins = profile.scores();
        int m = cycle.found;
        int pc = plugins.size();
        List<NodeInfo> feasible = Arrays.asList(cycle.feasible).subList(0, m);
        long[] total = new long[m];
        long[] column = new long[m];
        for (int p = 0; p < pc; p++) {
            for (int j = 0; j < m; j++) {
                column[j] = cycle.raw[j * pc + p];
            }
            plugins.get(p).normalize(pod, feasible, column);
            long weight = profile.weights()[p];
            for (int j = 0; j < m; j++) {
                long s = Math.max(ScorePlugin.MIN_SCORE, Math.min(ScorePlugin.MAX_SCORE, column[j]));
                total[j] += s * weight;
            }
        }
        // reservoir sampling over the maxima, as kube-scheduler's selectHost
        ThreadLocalRandom random = ThreadLocalRandom.current();
        int selected = 0;
        long max = total[0];
        int ties = 1;
        for (int j = 1; j < m; j++) {
            if (total[j] > max) {
                max = total[j];
                selected = j;
                ties = 1;
            } else if (total[j] == max) {
                ties++;
                if (random.nextInt(ties) == 0) {
                    selected = j;
                }
            }
        }
        return feasible.get(selected);
    }

    private void bind(SchedulingQueue.Entry entry, Pod pod, String nodeName) {
        // plain setters: fabric8 builders deep-copy on build, and this runs for every pod
        ObjectMeta meta = new ObjectMeta();
        meta.setName(pod.getMetadata().getName());
        meta.setNamespace(pod.getMetadata().getNamespace());
        meta.setUid(pod.getMetadata().getUid());
        ObjectReference target = new ObjectReference();
        target.setApiVersion("v1");
        target.setKind("Node");
        target.setName(nodeName);
        Binding binding = new Binding();
        binding.setMetadata(meta);
        binding.setTarget(target);
        try {
            client.bind(binding);
        } catch (RuntimeException e) {
            LOG.debug("binding {} to {} failed", SchedulerCache.key(pod), nodeName, e);
            cache.forget(pod);
            event(pod, EventRecorder.WARNING, "FailedScheduling", "Binding rejected: " + e.getMessage());
            queue.requeueBackoff(entry);
            queue.moveAllToActiveOrBackoff(); // what the pod held on that node is free again
            return;
        }
        scheduled.increment();
        queue.done(entry);
        event(pod, EventRecorder.NORMAL, "Scheduled", "Successfully assigned " + pod.getMetadata().getNamespace()
                + "/" + pod.getMetadata().getName() + " to " + nodeName);
    }

    /**
     * The pod stays pending: a Warning event, and (for fit failures) the {@code PodScheduled=False}
     * condition Kubernetes writes; it waits in the unschedulable queue for a change.
     */
    private void unschedulable(SchedulingQueue.Entry entry, String message, boolean writeCondition) {
        Pod pod = entry.pod();
        event(pod, EventRecorder.WARNING, "FailedScheduling", message);
        queue.requeueUnschedulable(entry);
        if (writeCondition && !hasCondition(pod, message)) {
            bindPool.execute(() -> patchCondition(pod, message));
        }
    }

    private static boolean hasCondition(Pod pod, String message) {
        if (pod.getStatus() == null || pod.getStatus().getConditions() == null) {
            return false;
        }
        for (PodCondition c : pod.getStatus().getConditions()) {
            if ("PodScheduled".equals(c.getType())) {
                return "False".equals(c.getStatus()) && "Unschedulable".equals(c.getReason())
                        && message.equals(c.getMessage());
            }
        }
        return false;
    }

    private void patchCondition(Pod pod, String message) {
        String now = Instant.now(clock).truncatedTo(ChronoUnit.SECONDS).toString();
        String patch = "{\"status\":{\"conditions\":[{\"type\":\"PodScheduled\",\"status\":\"False\","
                + "\"reason\":\"Unschedulable\",\"message\":" + json(message) + ",\"lastProbeTime\":null,"
                + "\"lastTransitionTime\":\"" + now + "\"}]}}";
        try {
            client.patchStatus(Pod.class, pod.getMetadata().getNamespace(), pod.getMetadata().getName(),
                    PatchType.STRATEGIC_MERGE, patch);
        } catch (RuntimeException e) {
            LOG.debug("writing PodScheduled=False on {} failed", SchedulerCache.key(pod), e);
        }
    }

    static String json(String s) {
        StringBuilder out = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"').toString();
    }

    private void event(Pod pod, String type, String reason, String message) {
        EventRecorder r = recorder;
        if (r == null) {
            return;
        }
        try {
            r.event(pod, type, reason, message);
        } catch (RuntimeException e) {
            LOG.debug("recording {} on {} failed", reason, SchedulerCache.key(pod), e);
        }
    }

    // --- informers ----------------------------------------------------------------------------

    private static boolean assigned(Pod pod) {
        return pod.getSpec() != null && pod.getSpec().getNodeName() != null && !pod.getSpec().getNodeName().isEmpty();
    }

    private static boolean terminal(Pod pod) {
        String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
        return "Succeeded".equals(phase) || "Failed".equals(phase);
    }

    /** Unassigned, not terminating, not finished: what the queue holds. */
    static boolean needsScheduling(Pod pod) {
        return !assigned(pod) && pod.getMetadata().getDeletionTimestamp() == null && !terminal(pod);
    }

    private final class PodListener implements InformerListener<Pod> {
        @Override
        public void onAdd(Pod pod) {
            if (assigned(pod)) {
                if (!terminal(pod)) {
                    cache.addOrUpdateBoundPod(pod);
                }
            } else if (needsScheduling(pod)) {
                queue.add(pod);
            }
        }

        @Override
        public void onUpdate(Pod old, Pod pod) {
            if (assigned(pod)) {
                if (!assigned(old)) {
                    queue.delete(pod);
                }
                if (terminal(pod)) {
                    cache.removePod(pod);
                    if (!terminal(old)) {
                        queue.moveAllToActiveOrBackoff(); // its resources are free
                    }
                } else {
                    cache.addOrUpdateBoundPod(pod);
                }
            } else if (needsScheduling(pod)) {
                queue.update(pod);
            } else {
                queue.delete(pod);
            }
        }

        @Override
        public void onDelete(Pod pod) {
            queue.delete(pod);
            boolean held = assigned(pod) || cache.isAssumed(pod);
            cache.removePod(pod);
            if (held) {
                queue.moveAllToActiveOrBackoff();
            }
        }
    }

    private final class NodeListener implements InformerListener<Node> {
        @Override
        public void onAdd(Node node) {
            cache.addOrUpdateNode(node);
            queue.moveAllToActiveOrBackoff();
        }

        @Override
        public void onUpdate(Node old, Node node) {
            cache.addOrUpdateNode(node);
            if (mayHelp(old, node)) {
                queue.moveAllToActiveOrBackoff();
            }
        }

        @Override
        public void onDelete(Node node) {
            cache.removeNode(node.getMetadata().getName());
        }
    }

    /** A node change that could make a pod fit: not the heartbeat-only updates. */
    private static boolean mayHelp(Node old, Node node) {
        return !Objects.equals(old.getSpec(), node.getSpec())
                || !Objects.equals(old.getMetadata().getLabels(), node.getMetadata().getLabels())
                || !Objects.equals(allocatable(old), allocatable(node))
                || !Objects.equals(ready(old), ready(node));
    }

    private static Object allocatable(Node node) {
        return node.getStatus() == null ? null : node.getStatus().getAllocatable();
    }

    private static String ready(Node node) {
        if (node.getStatus() == null || node.getStatus().getConditions() == null) {
            return null;
        }
        for (NodeCondition c : node.getStatus().getConditions()) {
            if ("Ready".equals(c.getType())) {
                return c.getStatus();
            }
        }
        return null;
    }
}
