package io.karavel.store.mapdb.impl;

import static org.assertj.core.api.Assertions.assertThat;

import io.karavel.api.store.Change;
import io.karavel.api.store.ConflictException;
import io.karavel.api.store.KeyValue;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConcurrencyTest {

    @TempDir
    Path dir;

    private static byte[] encode(long n) {
        return ByteBuffer.allocate(8).putLong(n).array();
    }

    private static long decode(byte[] b) {
        return ByteBuffer.wrap(b).getLong();
    }

    @Test
    void compareAndSwapCounterCountsEverySuccessExactlyOnce() throws Exception {
        try (MapDbStore store = MapDbStore.open(dir, MapDbStore.Options.defaults())) {
            store.create("/counter", encode(0));
            int threads = 16;
            int incrementsPerThread = 25;
            AtomicLong successes = new AtomicLong();
            AtomicLong conflicts = new AtomicLong();
            CountDownLatch start = new CountDownLatch(1);
            List<Thread> workers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                workers.add(new Thread(() -> {
                    try {
                        start.await();
                    } catch (InterruptedException e) {
                        return;
                    }
                    for (int i = 0; i < incrementsPerThread; i++) {
                        while (true) { // read, modify, compare-and-swap, retry on conflict
                            KeyValue current = store.get("/counter").orElseThrow();
                            try {
                                store.update("/counter", encode(decode(current.value()) + 1), current.modRevision());
                                successes.incrementAndGet();
                                break;
                            } catch (ConflictException e) {
                                conflicts.incrementAndGet();
                            }
                        }
                    }
                }));
            }
            workers.forEach(Thread::start);
            start.countDown();
            for (Thread worker : workers) {
                worker.join();
            }
            KeyValue counter = store.get("/counter").orElseThrow();
            assertThat(successes.get()).isEqualTo((long) threads * incrementsPerThread);
            assertThat(decode(counter.value())).isEqualTo(successes.get());
            // one create, then one revision per successful swap: conflicts consumed none
            assertThat(counter.modRevision()).isEqualTo(1 + successes.get());
            assertThat(store.currentRevision()).isEqualTo(counter.modRevision());
        }
    }

    @Test
    void watchStartedInThePastWhileWritersRunSeesEveryChangeOnceInOrder() throws Exception {
        try (MapDbStore store = MapDbStore.openInMemory()) {
            int writers = 4;
            int perWriter = 300;
            long total = (long) writers * perWriter;
            AtomicBoolean failed = new AtomicBoolean();
            List<Thread> threads = new ArrayList<>();
            CountDownLatch someWritten = new CountDownLatch(100);
            for (int w = 0; w < writers; w++) {
                int id = w;
                threads.add(new Thread(() -> {
                    for (int i = 0; i < perWriter; i++) {
                        try {
                            store.create("/race/" + id + "/" + i, new byte[] {1});
                            someWritten.countDown();
                        } catch (RuntimeException e) {
                            failed.set(true);
                        }
                    }
                }));
            }
            RecordingListener fromStart = new RecordingListener();
            store.watch("/race/", 0, fromStart);
            threads.forEach(Thread::start);
            someWritten.await();
            // Started while writes land: replays the history up to now, then joins the live stream.
            RecordingListener fromPast = new RecordingListener();
            store.watch("/race/", 50, fromPast);
            for (Thread thread : threads) {
                thread.join();
            }
            assertThat(failed).isFalse();
            Await.until("all delivered", () -> fromStart.changes.size() == total
                    && fromPast.changes.size() == total - 50);
            assertThat(fromStart.revisions())
                    .isEqualTo(LongStream.rangeClosed(1, total).boxed().collect(Collectors.toList()));
            assertThat(fromPast.revisions())
                    .isEqualTo(LongStream.rangeClosed(51, total).boxed().collect(Collectors.toList()));
            assertThat(fromStart.overlaps.get()).isZero();
            assertThat(fromPast.changes).allMatch(c -> c.type() == Change.Type.CREATED);
        }
    }

    @Test
    void listIsASnapshotWhileBatchesLand() throws Exception {
        // Each writer moves a token between two keys in one key space: at any snapshot, the
        // number of keys equals what was committed at that snapshot's revision.
        try (MapDbStore store = MapDbStore.openInMemory()) {
            AtomicBoolean stop = new AtomicBoolean();
            Thread writer = new Thread(() -> {
                int i = 0;
                while (!stop.get() && i < 2_000) {
                    store.create("/snap/" + String.format("%06d", i++), new byte[] {1});
                }
            });
            writer.start();
            int checks = 0;
            while (writer.isAlive() && checks < 500) {
                var snapshot = store.list("/snap/", null, 0);
                // one create per revision and no other writes: count == revision exactly
                assertThat((long) snapshot.items().size()).isEqualTo(snapshot.revision());
                checks++;
            }
            stop.set(true);
            writer.join();
            assertThat(store.list("/snap/", null, 0).items()).hasSize((int) store.currentRevision());
        }
    }
}
