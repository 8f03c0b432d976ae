package io.karavel.bench;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.karavel.api.client.ObjectClient;
import io.karavel.api.controller.InformerListener;
import io.karavel.apiserver.impl.ApiServer;
import io.karavel.apiserver.impl.ApiServerSettings;
import io.karavel.controller.runtime.impl.SharedInformerFactory;
import io.karavel.scheduler.binpack.BinpackProfile;
import io.karavel.scheduler.impl.Scheduler;
import io.karavel.scheduler.impl.SchedulerSettings;
import io.karavel.scheduler.plugins.BuiltinPlugins;
import io.karavel.scheduler.spread.SpreadProfile;
import io.karavel.store.mapdb.impl.MapDbStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Scheduler throughput in the shape of kube-scheduler's {@code SchedulingBasic} (scheduler_perf):
 * N nodes (4 CPU, 32 GiB, 110 pods, Ready) and M pending pods (one container requesting 100m CPU
 * and 500 MiB), created through the in-process API before the scheduler starts; then the real
 * in-memory store, API server, the controller runtime's shared informers and the scheduler with
 * the built-in plugins and the spread (or binpack) profile. Measures pods bound per second from the
 * first binding the informer sees to the last, as the scheduler's informer observes them.
 *
 * <p>Usage: {@code SchedulerBench [--nodes 5000] [--pods 10000] [--profile spread]
 * [--parallelism 0] [--bind-workers 8] [--timeout-seconds 300]}
 */
public final class SchedulerBench {

    public static void main(String[] args) throws Exception {
        int nodes = 5000;
        int pods = 10000;
        String profile = SpreadProfile.NAME;
        int parallelism = 0;
        int bindWorkers = 8;
        int timeoutSeconds = 300;
        for (int i = 0; i < args.length; i += 2) {
            String value = args[i + 1];
            switch (args[i]) {
                case "--nodes" -> nodes = Integer.parseInt(value);
                case "--pods" -> pods = Integer.parseInt(value);
                case "--profile" -> profile = value;
                case "--parallelism" -> parallelism = Integer.parseInt(value);
                case "--bind-workers" -> bindWorkers = Integer.parseInt(value);
                case "--timeout-seconds" -> timeoutSeconds = Integer.parseInt(value);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }

        MapDbStore store = MapDbStore.openInMemory(MapDbStore.Options.defaults());
        ApiServer server = new ApiServer(store, new ApiServerSettings("127.0.0.1", 0, null));
        server.start();
        ObjectClient client = server.objectClient();
        try {
            long setupStart = System.nanoTime();
            createNodes(client, nodes);
            long nodesDone = System.nanoTime();
            createPods(client, pods);
            long podsDone = System.nanoTime();
            System.out.printf("setup: %d nodes in %.1f s, %d pods in %.1f s (through ObjectClient)%n", nodes,
                    seconds(nodesDone - setupStart), pods, seconds(podsDone - nodesDone));

            SharedInformerFactory informers = new SharedInformerFactory(store, client);
            BindWatch watch = new BindWatch(pods);
            AutoCloseable watching = informers.addListener(Pod.class, watch);
            SchedulerSettings settings = new SchedulerSettings(profile, bindWorkers, parallelism,
                    Duration.ofSeconds(1), Duration.ofSeconds(10), Duration.ofSeconds(60));
            Scheduler scheduler = new Scheduler(informers, client, settings);
            BuiltinPlugins.filters().forEach(f -> scheduler.addFilter(f, null));
            BuiltinPlugins.scores().forEach(s -> scheduler.addScore(s, null));
            scheduler.addProfile(new SpreadProfile());
            scheduler.addProfile(new BinpackProfile());
            Map<String, Long> threadsBefore = cpuByThreadGroup();
            long gcBefore = gcMillis();
            long cpuBefore = processCpuNanos();
            long started = System.nanoTime();
            scheduler.start();
            boolean all = watch.done.await(timeoutSeconds, TimeUnit.SECONDS);
            long cpuAfter = processCpuNanos();
            Map<String, Long> threadsAfter = cpuByThreadGroup();
            long gcAfter = gcMillis();
            long wall = System.nanoTime() - started;
            int bound = watch.bound.get();
            double window = seconds(watch.last.get() - watch.first.get());
            System.out.printf("profile %s, %d nodes, %d pods, parallelism %d, %d bind workers, %d cores%n", profile, nodes,
                    pods, settings.parallelism(), bindWorkers, Runtime.getRuntime().availableProcessors());
            System.out.printf("bound %d/%d pods%s%n", bound, pods, all ? "" : " (TIMED OUT)");
            System.out.printf("first bind %.2f s after the scheduler started (informer sync included)%n",
                    seconds(watch.first.get() - started));
            System.out.printf("first bind to last bind: %.2f s -> %.0f pods/s (target >= 2000)%n", window,
                    window > 0 ? (bound - 1) / window : 0);
            System.out.printf("process CPU while scheduling: %.1f cores on average over %.1f s (API server, store,"
                    + " informers, events and scheduler together)%n", (cpuAfter - cpuBefore) / (double) wall, seconds(wall));
            System.out.printf("scheduler: scheduled %d, queue %s%n", scheduler.scheduled(), scheduler.queue());
            System.out.printf("GC: %d ms of collections while scheduling (%s)%n", gcAfter - gcBefore,
                    java.lang.management.ManagementFactory.getGarbageCollectorMXBeans().stream()
                            .map(b -> b.getName()).toList());
            System.out.println("CPU by thread group while scheduling (ms; threads named by their pool, digits folded):");
            threadsAfter.entrySet().stream()
                    .map(e -> Map.entry(e.getKey(), e.getValue() - threadsBefore.getOrDefault(e.getKey(), 0L)))
                    .filter(e -> e.getValue() > 10_000_000L)
                    .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                    .forEach(e -> System.out.printf("  %-40s %8.0f%n", e.getKey(), e.getValue() / 1e6));
            scheduler.close();
            watching.close();
            informers.close();
            if (!all) {
                System.exit(1);
            }
        } finally {
            server.close();
            store.close();
        }
    }

    private static double seconds(long nanos) {
        return nanos / 1e9;
    }

    private static long processCpuNanos() {
        var os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
            return sun.getProcessCpuTime();
        }
        return 0;
    }

    private static long gcMillis() {
        long sum = 0;
        for (var gc : java.lang.management.ManagementFactory.getGarbageCollectorMXBeans()) {
            sum += Math.max(0, gc.getCollectionTime());
        }
        return sum;
    }

    /** CPU time of live threads, summed by name with digits folded (one entry per pool). */
    private static Map<String, Long> cpuByThreadGroup() {
        var threads = java.lang.management.ManagementFactory.getThreadMXBean();
        Map<String, Long> out = new java.util.TreeMap<>();
        for (long id : threads.getAllThreadIds()) {
            var info = threads.getThreadInfo(id);
            long cpu = threads.getThreadCpuTime(id);
            if (info != null && cpu > 0) {
                out.merge(info.getThreadName().replaceAll("[0-9]+", "N"), cpu, Long::sum);
            }
        }
        return out;
    }

    /** Counts pods the informer shows bound, with the times of the first and last. */
    private static final class BindWatch implements InformerListener<Pod> {
        final CountDownLatch done = new CountDownLatch(1);
        final AtomicInteger bound = new AtomicInteger();
        final AtomicLong first = new AtomicLong();
        final AtomicLong last = new AtomicLong();
        final int expected;

        BindWatch(int expected) {
            this.expected = expected;
        }

        @Override
        public void onAdd(Pod pod) {
            if (assigned(pod)) {
                count();
            }
        }

        @Override
        public void onUpdate(Pod oldPod, Pod pod) {
            if (!assigned(oldPod) && assigned(pod)) {
                count();
            }
        }

        @Override
        public void onDelete(Pod pod) {}

        private void count() {
            long now = System.nanoTime();
            first.compareAndSet(0, now);
            last.set(now);
            if (bound.incrementAndGet() == expected) {
                done.countDown();
            }
        }

        private static boolean assigned(Pod pod) {
            return pod.getSpec().getNodeName() != null && !pod.getSpec().getNodeName().isEmpty();
        }
    }

    private static void createNodes(ObjectClient client, int count) throws Exception {
        Map<String, Quantity> capacity = Map.of("cpu", new Quantity("4"), "memory", new Quantity("32Gi"),
                "pods", new Quantity("110"));
        parallel(count, i -> {
            String name = "node-" + i;
            Node node = new NodeBuilder()
                    .withNewMetadata().withName(name).addToLabels("kubernetes.io/hostname", name).endMetadata()
                    .withNewSpec().endSpec()
                    .withNewStatus().withCapacity(capacity).withAllocatable(capacity)
                    .addNewCondition().withType("Ready").withStatus("True").withReason("KubeletReady").endCondition()
                    .endStatus()
                    .build();
            Node created = client.create(node);
            if (created.getStatus() == null || created.getStatus().getAllocatable() == null
                    || created.getStatus().getAllocatable().isEmpty()) {
                // the API server may drop status on create, as Kubernetes does for pods
                client.updateStatus(new NodeBuilder(created).withStatus(node.getStatus()).build());
            }
        });
    }

    private static void createPods(ObjectClient client, int count) throws Exception {
        parallel(count, i -> client.create(new PodBuilder()
                .withNewMetadata().withName("pod-" + i).withNamespace("default").endMetadata()
                .withNewSpec()
                .addNewContainer().withName("pause").withImage("registry.k8s.io/pause:3.9")
                .withNewResources().addToRequests("cpu", new Quantity("100m")).addToRequests("memory", new Quantity("500Mi"))
                .endResources()
                .endContainer()
                .endSpec()
                .build()));
    }

    private interface IndexTask {
        void run(int index) throws Exception;
    }

    private static void parallel(int count, IndexTask task) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        AtomicInteger next = new AtomicInteger();
        List<Future<?>> futures = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            futures.add(pool.submit(() -> {
                for (int i = next.getAndIncrement(); i < count; i = next.getAndIncrement()) {
                    task.run(i);
                }
                return null;
            }));
        }
        for (Future<?> f : futures) {
            f.get();
        }
        pool.shutdown();
    }
}
