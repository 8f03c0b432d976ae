package io.karavel.bench;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.PutOption;
import io.karavel.store.mapdb.impl.MapDbStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Durable creates of 1 KiB values, Karavel's MapDB store side by side with etcd, at several
 * writer counts. Each operation is a create-if-absent of a new key that returns only once the
 * write is durable: {@link MapDbStore#create} embedded in this JVM (the way the API server calls
 * it), and an etcd transaction {@code If(version(key) == 0) Then(put)} over etcd's gRPC API on
 * loopback (the way kube-apiserver calls etcd).
 *
 * <p>Usage: {@code StoreBench --etcd http://127.0.0.1:PORT --dir DIR [--seconds 8]
 * [--writers 1,16,64]}. Without {@code --etcd} only the Karavel store runs.
 */
public final class StoreBench {

    private static final int VALUE_BYTES = 1024;

    /** One system under test: a blocking, durable create-if-absent. */
    interface Target extends AutoCloseable {
        String name();

        void create(String key, byte[] value) throws Exception;

        @Override
        void close() throws Exception;
    }

    record Cell(String target, int writers, long ops, double seconds, long p50Nanos, long p99Nanos, long errors) {
        double opsPerSecond() {
            return ops / seconds;
        }
    }

    public static void main(String[] args) throws Exception {
        String etcd = null;
        Path dir = null;
        int seconds = 8;
        int[] writerCounts = {1, 16, 64};
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--etcd" -> etcd = args[++i];
                case "--dir" -> dir = Path.of(args[++i]);
                case "--seconds" -> seconds = Integer.parseInt(args[++i]);
                case "--writers" -> writerCounts = Arrays.stream(args[++i].split(",")).mapToInt(Integer::parseInt).toArray();
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        if (dir == null) {
            dir = Files.createTempDirectory("karavel-bench-");
        }

        List<Target> targets = new ArrayList<>();
        targets.add(new KaravelTarget(dir.resolve("karavel-store")));
        if (etcd != null) {
            targets.add(new EtcdTarget(etcd));
        }
        List<Cell> cells = new ArrayList<>();
        try {
            for (int writers : writerCounts) {
                // Alternate targets within each writer count so that both see the same disk state.
                for (Target target : targets) {
                    run(target, writers, 1, "warmup" + writers);
                    Cell cell = run(target, writers, seconds, "w" + writers);
                    System.err.printf("%-8s %3d writers: %8.0f ops/s  p50 %6.2f ms  p99 %6.2f ms%n",
                            cell.target(), writers, cell.opsPerSecond(), cell.p50Nanos() / 1e6, cell.p99Nanos() / 1e6);
                    cells.add(cell);
                }
            }
        } finally {
            for (Target target : targets) {
                target.close();
            }
        }
        printTable(cells, writerCounts, targets);
    }

    /** Runs {@code writers} threads creating fresh keys for {@code seconds}. */
    static Cell run(Target target, int writers, int seconds, String phase) throws InterruptedException {
        long[][] latencies = new long[writers][];
        int[] counts = new int[writers];
        long[] errors = new long[writers];
        AtomicReference<Throwable> firstError = new AtomicReference<>();
        CountDownLatch start = new CountDownLatch(1);
        long durationNanos = Duration.ofSeconds(seconds).toNanos();
        List<Thread> threads = new ArrayList<>();
        long[] startedAt = new long[1];
        for (int w = 0; w < writers; w++) {
            int id = w;
            latencies[w] = new long[1 << 16];
            Thread thread = new Thread(() -> {
                byte[] value = new byte[VALUE_BYTES];
                new Random(id).nextBytes(value);
                try {
                    start.await();
                } catch (InterruptedException e) {
                    return;
                }
                long end = startedAt[0] + durationNanos;
                for (long n = 0; ; n++) {
                    long before = System.nanoTime();
                    if (before >= end) {
                        break;
                    }
                    try {
                        target.create("/bench/" + phase + "/" + id + "/" + n, value);
                    } catch (Exception e) {
                        errors[id]++;
                        firstError.compareAndSet(null, e);
                        continue;
                    }
                    long took = System.nanoTime() - before;
                    if (counts[id] == latencies[id].length) {
                        latencies[id] = Arrays.copyOf(latencies[id], latencies[id].length * 2);
                    }
                    latencies[id][counts[id]++] = took;
                }
            }, "bench-" + target.name() + "-" + id);
            threads.add(thread);
            thread.start();
        }
        startedAt[0] = System.nanoTime();
        start.countDown();
        for (Thread thread : threads) {
            thread.join();
        }
        double elapsed = (System.nanoTime() - startedAt[0]) / 1e9;
        int total = Arrays.stream(counts).sum();
        long[] all = new long[total];
        int offset = 0;
        for (int w = 0; w < writers; w++) {
            System.arraycopy(latencies[w], 0, all, offset, counts[w]);
            offset += counts[w];
        }
        Arrays.sort(all);
        long errorCount = Arrays.stream(errors).sum();
        if (firstError.get() != null) {
            System.err.println(target.name() + ": " + errorCount + " failed ops, first: " + firstError.get());
        }
        return new Cell(target.name(), writers, total, elapsed, percentile(all, 50), percentile(all, 99), errorCount);
    }

    private static long percentile(long[] sorted, int p) {
        if (sorted.length == 0) {
            return 0;
        }
        int index = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(index, sorted.length - 1))];
    }

    private static void printTable(List<Cell> cells, int[] writerCounts, List<Target> targets) {
        StringBuilder out = new StringBuilder();
        out.append("| writers | store | ops/s | p50 ms | p99 ms | errors |\n");
        out.append("|--------:|-------|------:|-------:|-------:|-------:|\n");
        for (Cell cell : cells) {
            out.append(String.format("| %d | %s | %.0f | %.2f | %.2f | %d |%n", cell.writers(), cell.target(),
                    cell.opsPerSecond(), cell.p50Nanos() / 1e6, cell.p99Nanos() / 1e6, cell.errors()));
        }
        if (targets.size() == 2) {
            out.append("\n| writers | karavel/etcd throughput | karavel/etcd p99 |\n|--------:|------:|------:|\n");
            for (int writers : writerCounts) {
                Cell k = find(cells, "karavel", writers);
                Cell e = find(cells, "etcd", writers);
                out.append(String.format("| %d | %.2fx | %.2fx |%n", writers,
                        k.opsPerSecond() / e.opsPerSecond(), (double) k.p99Nanos() / e.p99Nanos()));
            }
        }
        System.out.print(out);
    }

    private static Cell find(List<Cell> cells, String target, int writers) {
        return cells.stream().filter(c -> c.target().equals(target) && c.writers() == writers).findFirst().orElseThrow();
    }

    /** Karavel's store, embedded. */
    static final class KaravelTarget implements Target {
        private final MapDbStore store;

        KaravelTarget(Path dir) {
            this.store = MapDbStore.open(dir, MapDbStore.Options.defaults());
        }

        @Override
        public String name() {
            return "karavel";
        }

        @Override
        public void create(String key, byte[] value) {
            store.create(key, value);
        }

        @Override
        public void close() {
            store.close();
        }
    }

    /** etcd over gRPC: a transaction that puts only if the key has never been written. */
    static final class EtcdTarget implements Target {
        private final Client client;
        private final KV kv;

        EtcdTarget(String endpoint) {
            this.client = Client.builder().endpoints(endpoint).build();
            this.kv = client.getKVClient();
        }

        @Override
        public String name() {
            return "etcd";
        }

        @Override
        public void create(String key, byte[] value) throws ExecutionException, InterruptedException {
            ByteSequence k = ByteSequence.from(key, StandardCharsets.UTF_8);
            TxnResponse response = kv.txn()
                    .If(new Cmp(k, Cmp.Op.EQUAL, CmpTarget.version(0)))
                    .Then(Op.put(k, ByteSequence.from(value), PutOption.DEFAULT))
                    .commit()
                    .get();
            if (!response.isSucceeded()) {
                throw new IllegalStateException("key exists: " + key);
            }
        }

        @Override
        public void close() {
            client.close();
        }
    }
}
