package io.karavel.store.mapdb.impl;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.karavel.api.store.Change;
import io.karavel.api.store.KeyValue;
import io.karavel.api.store.ListResult;
import io.karavel.api.store.Mutation;
import io.karavel.api.store.RevisionCompactedException;
import io.karavel.api.store.StoreUnavailableException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The replica side of the store: write modes, the batch replicator, replicated batches, snapshots. */
class ReplicaTest {

    @TempDir
    Path dir;

    private final List<MapDbStore> opened = new ArrayList<>();

    @AfterEach
    void closeStores() {
        opened.forEach(MapDbStore::close);
    }

    private MapDbStore track(MapDbStore store) {
        opened.add(store);
        return store;
    }

    private MapDbStore openReplica(Path path) {
        return track(MapDbStore.openReplica(path, MapDbStore.Options.defaults()));
    }

    private static byte[] bytes(String s) {
        return s.getBytes(UTF_8);
    }

    /** A change as text: Change is a record over byte arrays, which compare by identity. */
    private static String describe(Change c) {
        return c.revision() + " " + c.type() + " " + c.key() + "=" + new String(c.value(), UTF_8) + " created@"
                + c.createRevision() + " was=" + (c.previousValue() == null ? "null" : new String(c.previousValue(), UTF_8));
    }

    private static List<String> describe(List<Change> changes) {
        return changes.stream().map(ReplicaTest::describe).toList();
    }

    private static String describe(KeyValue kv) {
        return kv.key() + "=" + new String(kv.value(), UTF_8) + " " + kv.createRevision() + "/" + kv.modRevision();
    }

    private static List<String> state(MapDbStore store) {
        ListResult all = store.list("/", null, 0);
        List<String> lines = new ArrayList<>(all.items().stream().map(ReplicaTest::describe).toList());
        lines.add("@" + all.revision());
        return lines;
    }

    /** What a leader may send: no previous values, deletes without their value. */
    private static List<Change> lean(List<Change> batch) {
        return batch.stream().map(c -> new Change(c.revision(), c.type(), c.key(),
                c.type() == Change.Type.DELETED ? new byte[0] : c.value(), c.createRevision(), null)).toList();
    }

    private static Change created(long revision, String key, String value) {
        return new Change(revision, Change.Type.CREATED, key, bytes(value), revision, null);
    }

    @Test
    void replicatorGetsEachNumberedBatchBeforeItIsDurable() {
        MapDbStore store = track(MapDbStore.open(dir, MapDbStore.Options.defaults()));
        List<List<Change>> batches = new CopyOnWriteArrayList<>();
        List<String> seenAtReplication = new CopyOnWriteArrayList<>();
        store.enableWrites(batch -> {
            Change first = batch.get(0);
            seenAtReplication.add(Thread.currentThread().getName().startsWith("karavel-store-committer-")
                    + " durable=" + store.durableState().revision() + " current=" + store.currentRevision()
                    + " visible=" + store.get(first.key()).map(kv -> kv.modRevision() == first.revision()).orElse(false));
            batches.add(batch);
        });

        store.create("/a", bytes("1"));
        store.update("/a", bytes("2"), 1);
        assertThatThrownBy(() -> store.create("/a", bytes("x"))).hasMessageContaining("exists"); // nothing to replicate
        store.delete("/a", 2);

        assertThat(seenAtReplication).containsExactly(
                "true durable=0 current=0 visible=false",
                "true durable=1 current=1 visible=false",
                "true durable=2 current=2 visible=false");
        assertThat(batches.stream().flatMap(List::stream).map(ReplicaTest::describe)).containsExactly(
                "1 CREATED /a=1 created@1 was=null",
                "2 UPDATED /a=2 created@1 was=1",
                "3 DELETED /a=2 created@1 was=2");
        assertThatThrownBy(() -> batches.get(0).add(created(9, "/x", "y")))
                .isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void throwingReplicatorFailsTheWholeBatchAndChangesNothing() throws Exception {
        MapDbStore store = track(MapDbStore.open(dir, MapDbStore.Options.defaults()));
        store.create("/before", bytes("0"));
        RecordingListener watcher = new RecordingListener();
        store.watch("/", 1, watcher);

        CountDownLatch firstEntered = new CountDownLatch(1);
        CountDownLatch releaseFirst = new CountDownLatch(1);
        StoreUnavailableException noMajority = new StoreUnavailableException("no majority");
        List<Integer> batchSizes = new CopyOnWriteArrayList<>();
        store.enableWrites(batch -> {
            batchSizes.add(batch.size());
            if (batchSizes.size() == 1) {
                firstEntered.countDown();
                await(releaseFirst);
                throw new IllegalStateException("connection lost");
            }
            throw noMajority;
        });

        // The first write blocks the committer in the replicator; the next three queue up behind
        // it and are decided together as the second batch.
        CompletableFuture<KeyValue> first = store.commitAsync(Mutation.create("/one", bytes("1")));
        assertThat(firstEntered.await(30, TimeUnit.SECONDS)).isTrue();
        List<CompletableFuture<KeyValue>> second = List.of(
                store.commitAsync(Mutation.create("/two", bytes("2"))),
                store.commitAsync(Mutation.create("/three", bytes("3"))),
                store.commitAsync(Mutation.create("/before", bytes("dup")))); // invalid on its own
        releaseFirst.countDown();

        assertThatThrownBy(first::join).cause().isInstanceOf(StoreUnavailableException.class)
                .hasRootCauseInstanceOf(IllegalStateException.class).hasMessageContaining("connection lost");
        for (CompletableFuture<KeyValue> write : second) {
            assertThatThrownBy(write::join).cause().isSameAs(noMajority);
        }
        assertThat(batchSizes).containsExactly(1, 2);
        assertThat(store.currentRevision()).isEqualTo(1);
        assertThat(store.durableState().revision()).isEqualTo(1);
        assertThat(state(store)).containsExactly("/before=0 1/1", "@1");

        // The next batch reuses revision 2, and it is the first change the watch sees.
        store.enableWrites(null);
        assertThat(store.create("/after", bytes("a")).modRevision()).isEqualTo(2);
        Await.until("watch sees the write", () -> watcher.changes.size() == 1);
        assertThat(watcher.revisions()).containsExactly(2L);
        store.close();
        MapDbStore reopened = track(MapDbStore.open(dir, MapDbStore.Options.defaults()));
        assertThat(state(reopened)).containsExactly("/after=a 2/2", "/before=0 1/1", "@2");
    }

    @Test
    void disabledWritesFailFastAndQueuedOnesFailToo() throws Exception {
        MapDbStore store = track(MapDbStore.openInMemory());
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        store.enableWrites(batch -> {
            if (batch.get(0).revision() == 1) {
                entered.countDown();
                await(release);
            }
        });
        CompletableFuture<KeyValue> inFlight = store.commitAsync(Mutation.create("/a", bytes("1")));
        assertThat(entered.await(30, TimeUnit.SECONDS)).isTrue();
        CompletableFuture<KeyValue> queued1 = store.commitAsync(Mutation.create("/b", bytes("1")));
        CompletableFuture<KeyValue> queued2 = store.commitAsync(Mutation.create("/c", bytes("1")));
        store.disableWrites("stepping down");
        release.countDown();

        assertThat(inFlight.join().modRevision()).isEqualTo(1); // decided before: it completes
        for (CompletableFuture<KeyValue> queued : List.of(queued1, queued2)) {
            assertThatThrownBy(queued::join).cause().isInstanceOf(StoreUnavailableException.class)
                    .hasMessage("stepping down");
        }
        CompletableFuture<KeyValue> late = store.commitAsync(Mutation.create("/d", bytes("1")));
        assertThat(late).isCompletedExceptionally(); // failed before reaching the queue
        assertThatThrownBy(() -> store.create("/d", bytes("1"))).isInstanceOf(StoreUnavailableException.class)
                .hasMessage("stepping down");
        assertThat(state(store)).containsExactly("/a=1 1/1", "@1");

        store.enableWrites(null);
        assertThat(store.create("/d", bytes("1")).modRevision()).isEqualTo(2);
    }

    @Test
    void replicaStartsWithWritesDisabled() {
        MapDbStore fileReplica = openReplica(dir);
        MapDbStore memoryReplica = track(MapDbStore.openReplicaInMemory(MapDbStore.Options.defaults()));
        for (MapDbStore replica : List.of(fileReplica, memoryReplica)) {
            assertThatThrownBy(() -> replica.create("/a", bytes("1")))
                    .isInstanceOf(StoreUnavailableException.class).hasMessage(MapDbStore.NOT_THE_LEADER);
            replica.enableWrites(null);
            assertThat(replica.create("/a", bytes("1")).modRevision()).isEqualTo(1);
        }
        assertThat(fileReplica.description()).isEqualTo(dir.toString());
        assertThat(memoryReplica.description()).isEqualTo("in-memory");
    }

    @Test
    void replicaFedTheLeadersBatchesServesTheSameReadsAndWatches() {
        MapDbStore replica = openReplica(dir.resolve("replica"));
        MapDbStore leader = track(MapDbStore.open(dir.resolve("leader"), MapDbStore.Options.defaults()));
        // Lean batches: the replica must fill previous values (and deleted values) itself.
        leader.enableWrites(batch -> replica.applyReplicated(lean(batch)).join());
        RecordingListener leaderWatch = new RecordingListener();
        RecordingListener replicaWatch = new RecordingListener();
        leader.watch("/pods/", 0, leaderWatch);
        replica.watch("/pods/", 0, replicaWatch);

        leader.create("/pods/a", bytes("app=web"));
        leader.create("/other/x", bytes("1"));
        leader.update("/pods/a", bytes("app=db"), 0);
        List<CompletableFuture<KeyValue>> oneBatch = List.of(
                leader.commitAsync(Mutation.create("/pods/b", bytes("app=web"))),
                leader.commitAsync(Mutation.update("/pods/b", bytes("app=db"), 0)),
                leader.commitAsync(Mutation.delete("/pods/b", 0)),
                leader.commitAsync(Mutation.create("/pods/b", bytes("app=cache"))));
        oneBatch.forEach(CompletableFuture::join);
        leader.delete("/pods/a", 0);

        assertThat(replica.currentRevision()).isEqualTo(leader.currentRevision()).isEqualTo(8);
        assertThat(state(replica)).isEqualTo(state(leader));
        assertThat(replica.list("/pods/", null, 1)).usingRecursiveComparison().isEqualTo(leader.list("/pods/", null, 1));
        assertThat(replica.get("/pods/b").map(ReplicaTest::describe)).isEqualTo(leader.get("/pods/b").map(ReplicaTest::describe));
        Await.until("both watches see 7 changes",
                () -> leaderWatch.changes.size() == 7 && replicaWatch.changes.size() == 7);
        assertThat(describe(replicaWatch.changes)).isEqualTo(describe(leaderWatch.changes));
        // a selector "app=web" learns from previousValue that /pods/a left it
        assertThat(describe(replicaWatch.changes.get(1))).isEqualTo("3 UPDATED /pods/a=app=db created@1 was=app=web");
        assertThat(describe(replicaWatch.changes.get(6))).isEqualTo("8 DELETED /pods/a=app=db created@1 was=app=db");

        // A watch started on the replica in the past replays the same history.
        RecordingListener late = new RecordingListener();
        replica.watch("/pods/", 3, late);
        Await.until("late watch replays", () -> late.changes.size() == 5);
        assertThat(describe(late.changes)).isEqualTo(describe(leaderWatch.changes.subList(2, 7)));

        replica.close();
        MapDbStore reopened = openReplica(dir.resolve("replica"));
        assertThat(state(reopened)).isEqualTo(state(leader));
    }

    @Test
    void redeliveredChangesAreSkipped() {
        MapDbStore replica = track(MapDbStore.openReplicaInMemory(MapDbStore.Options.defaults()));
        RecordingListener watcher = new RecordingListener();
        replica.watch("/", 0, watcher);
        List<Change> first = List.of(created(1, "/a", "1"), created(2, "/b", "2"), created(3, "/c", "3"));
        assertThat(replica.applyReplicated(first).join()).isEqualTo(3);
        assertThat(replica.applyReplicated(first).join()).isEqualTo(3);
        assertThat(replica.applyReplicated(List.of()).join()).isEqualTo(3);
        List<Change> overlapping = List.of(created(2, "/b", "2"), created(3, "/c", "3"), created(4, "/d", "4"));
        assertThat(replica.applyReplicated(overlapping).join()).isEqualTo(4);

        Await.until("4 changes", () -> watcher.changes.size() == 4);
        assertThat(watcher.revisions()).containsExactly(1L, 2L, 3L, 4L);
        assertThat(state(replica)).containsExactly("/a=1 1/1", "/b=2 2/2", "/c=3 3/3", "/d=4 4/4", "@4");
    }

    @Test
    void aGapOrAHoleInTheBatchFailsAndAppliesNothing() {
        MapDbStore replica = openReplica(dir);
        replica.applyReplicated(List.of(created(1, "/a", "1"), created(2, "/b", "2"))).join();

        assertThatThrownBy(() -> replica.applyReplicated(List.of(created(4, "/d", "4"), created(5, "/e", "5"))).join())
                .cause().isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("expected revision 3, received 4");
        assertThatThrownBy(() -> replica.applyReplicated(List.of(created(3, "/c", "3"), created(5, "/e", "5"))).join())
                .cause().isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("revision 5 follows 3");
        assertThat(state(replica)).containsExactly("/a=1 1/1", "/b=2 2/2", "@2");
        assertThat(replica.applyReplicated(List.of(created(3, "/c", "3"))).join()).isEqualTo(3);
    }

    private static final List<KeyValue> SNAPSHOT = List.of(
            new KeyValue("/s/a", bytes("a"), 2, 40),
            new KeyValue("/s/b", bytes("b"), 41, 50));

    @Test
    void snapshotBelowTheOwnRevisionReplacesTheStateOnDiskAndApplyingContinues() {
        MapDbStore replica = openReplica(dir);
        List<Change> own = new ArrayList<>();
        for (int r = 1; r <= 60; r++) {
            own.add(created(r, "/own/" + r, "v"));
        }
        replica.applyReplicated(own).join();

        replica.installSnapshot(SNAPSHOT, 50).join();
        assertThat(state(replica)).containsExactly("/s/a=a 2/40", "/s/b=b 41/50", "@50");
        assertThat(replica.compactedRevision()).isEqualTo(50);
        replica.close();

        MapDbStore reopened = openReplica(dir);
        assertThat(state(reopened)).containsExactly("/s/a=a 2/40", "/s/b=b 41/50", "@50");
        assertThat(storeFiles()).containsExactly("CURRENT", "state-1");
        assertThatThrownBy(() -> reopened.applyReplicated(List.of(created(52, "/x", "x"))).join())
                .cause().hasMessageContaining("expected revision 51");
        reopened.applyReplicated(List.of(created(51, "/s/c", "c"),
                new Change(52, Change.Type.UPDATED, "/s/a", bytes("a2"), 2, null))).join();
        assertThat(state(reopened)).containsExactly("/s/a=a2 2/52", "/s/b=b 41/50", "/s/c=c 51/51", "@52");
        reopened.close();

        assertThat(state(openReplica(dir))).containsExactly("/s/a=a2 2/52", "/s/b=b 41/50", "/s/c=c 51/51", "@52");
    }

    @Test
    void snapshotAboveTheOwnRevisionAndASecondOneReplaceTheState() {
        MapDbStore replica = openReplica(dir);
        replica.applyReplicated(List.of(created(1, "/own", "v"))).join();
        replica.installSnapshot(SNAPSHOT, 50).join();
        replica.applyReplicated(List.of(created(51, "/s/c", "c"))).join();
        replica.installSnapshot(List.of(new KeyValue("/t", bytes("t"), 7, 700)), 1000).join();
        assertThat(state(replica)).containsExactly("/t=t 7/700", "@1000");
        assertThat(storeFiles()).containsExactly("CURRENT", "state-2");
        replica.close();

        MapDbStore reopened = openReplica(dir);
        assertThat(state(reopened)).containsExactly("/t=t 7/700", "@1000");
        assertThat(reopened.applyReplicated(List.of(created(1001, "/u", "u"))).join()).isEqualTo(1001);
        reopened.installSnapshot(List.of(), 3).join();
        assertThat(state(reopened)).containsExactly("@3");
        reopened.close();
        assertThat(state(openReplica(dir))).containsExactly("@3");
    }

    @Test
    void snapshotInTheHeapReplacesTheState() {
        MapDbStore replica = track(MapDbStore.openReplicaInMemory(MapDbStore.Options.defaults()));
        replica.applyReplicated(List.of(created(1, "/own", "v"))).join();
        replica.installSnapshot(SNAPSHOT, 50).join();
        assertThat(state(replica)).containsExactly("/s/a=a 2/40", "/s/b=b 41/50", "@50");
        assertThat(replica.applyReplicated(List.of(created(51, "/s/c", "c"))).join()).isEqualTo(51);
        assertThat(replica.get("/own")).isEmpty();
    }

    @Test
    void snapshotClosesEveryWatchAndNewOnesStartAtItsRevision() {
        MapDbStore replica = openReplica(dir);
        replica.applyReplicated(List.of(created(1, "/s/own", "v"))).join();
        RecordingListener before = new RecordingListener();
        replica.watch("/s/", 0, before);
        Await.until("replayed", () -> before.changes.size() == 1);

        replica.installSnapshot(SNAPSHOT, 50).join();
        Await.until("watch closed", before.closed::get);
        assertThat(before.closeReason.get()).isInstanceOf(RevisionCompactedException.class)
                .hasMessageContaining("replaced by a snapshot at revision 50");
        assertThatThrownBy(() -> replica.watch("/s/", 1, new RecordingListener()))
                .isInstanceOf(RevisionCompactedException.class);

        RecordingListener after = new RecordingListener();
        replica.watch("/s/", 50, after);
        replica.applyReplicated(List.of(new Change(51, Change.Type.DELETED, "/s/a", new byte[0], 2, null))).join();
        Await.until("after sees the delete", () -> after.changes.size() == 1);
        assertThat(describe(after.changes.get(0))).isEqualTo("51 DELETED /s/a=a created@2 was=a");
        assertThat(before.changes).hasSize(1);
    }

    @Test
    void invalidSnapshotsAreRefused() {
        MapDbStore replica = track(MapDbStore.openReplicaInMemory(MapDbStore.Options.defaults()));
        assertThatThrownBy(() -> replica.installSnapshot(SNAPSHOT, 49).join())
                .cause().isInstanceOf(IllegalArgumentException.class).hasMessageContaining("/s/b");
        assertThatThrownBy(() -> replica.installSnapshot(List.of(SNAPSHOT.get(0), SNAPSHOT.get(0)), 50).join())
                .cause().isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void awaitRevisionReturnsOncePublishedOrFalseAtTheTimeout() throws Exception {
        MapDbStore replica = track(MapDbStore.openReplicaInMemory(MapDbStore.Options.defaults()));
        assertThat(replica.awaitRevision(0, Duration.ZERO)).isTrue();
        assertThat(replica.awaitRevision(1, Duration.ofMillis(20))).isFalse();

        CompletableFuture<Boolean> waiter = CompletableFuture.supplyAsync(() -> {
            try {
                return replica.awaitRevision(2, Duration.ofSeconds(30));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        replica.applyReplicated(List.of(created(1, "/a", "1"))).join();
        assertThat(waiter).isNotDone(); // revision 1 woke it, but 2 is not there yet
        replica.applyReplicated(List.of(created(2, "/b", "2"))).join();
        assertThat(waiter.get(30, TimeUnit.SECONDS)).isTrue();

        CompletableFuture<Boolean> bySnapshot = CompletableFuture.supplyAsync(() -> {
            try {
                return replica.awaitRevision(100, Duration.ofSeconds(30));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        replica.installSnapshot(List.of(), 100).join();
        assertThat(bySnapshot.get(30, TimeUnit.SECONDS)).isTrue();

        CompletableFuture<Boolean> byClose = CompletableFuture.supplyAsync(() -> {
            try {
                return replica.awaitRevision(200, Duration.ofSeconds(30));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        replica.close();
        assertThat(byClose.get(30, TimeUnit.SECONDS)).isFalse();
    }

    private List<String> storeFiles() {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            if (!latch.await(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("test latch not released");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
