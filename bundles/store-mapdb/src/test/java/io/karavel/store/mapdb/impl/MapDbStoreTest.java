package io.karavel.store.mapdb.impl;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.karavel.api.store.Change;
import io.karavel.api.store.ConflictException;
import io.karavel.api.store.KeyExistsException;
import io.karavel.api.store.KeyNotFoundException;
import io.karavel.api.store.KeyValue;
import io.karavel.api.store.ListResult;
import io.karavel.api.store.Mutation;
import io.karavel.api.store.RevisionCompactedException;
import io.karavel.api.store.StoreUnavailableException;
import io.karavel.api.store.Watch;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MapDbStoreTest {

    @TempDir
    Path dir;

    private final List<MapDbStore> opened = new ArrayList<>();

    @AfterEach
    void closeStores() {
        opened.forEach(MapDbStore::close);
    }

    private MapDbStore open() {
        return track(MapDbStore.open(dir, MapDbStore.Options.defaults()));
    }

    private MapDbStore track(MapDbStore store) {
        opened.add(store);
        return store;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(UTF_8);
    }

    @Test
    void createGetUpdateDelete() {
        MapDbStore store = open();
        assertThat(store.currentRevision()).isZero();

        KeyValue created = store.create("/core/pods/ns/a", bytes("v1"));
        assertThat(created.createRevision()).isEqualTo(1);
        assertThat(created.modRevision()).isEqualTo(1);
        assertThat(store.get("/core/pods/ns/a")).get().extracting(KeyValue::value).isEqualTo(bytes("v1"));

        KeyValue updated = store.update("/core/pods/ns/a", bytes("v2"), 1);
        assertThat(updated.createRevision()).isEqualTo(1);
        assertThat(updated.modRevision()).isEqualTo(2);

        KeyValue unconditional = store.update("/core/pods/ns/a", bytes("v3"), 0);
        assertThat(unconditional.modRevision()).isEqualTo(3);

        KeyValue deleted = store.delete("/core/pods/ns/a", 3);
        assertThat(deleted.value()).isEqualTo(bytes("v3"));
        assertThat(deleted.modRevision()).isEqualTo(4);
        assertThat(store.get("/core/pods/ns/a")).isEmpty();
        assertThat(store.currentRevision()).isEqualTo(4);
    }

    @Test
    void failedWritesChangeNothing() {
        MapDbStore store = open();
        store.create("/k", bytes("v"));

        assertThatThrownBy(() -> store.create("/k", bytes("x"))).isInstanceOf(KeyExistsException.class);
        assertThatThrownBy(() -> store.update("/k", bytes("x"), 7)).isInstanceOf(ConflictException.class);
        assertThatThrownBy(() -> store.delete("/k", 7)).isInstanceOf(ConflictException.class);
        assertThatThrownBy(() -> store.update("/missing", bytes("x"), 0)).isInstanceOf(KeyNotFoundException.class);
        assertThatThrownBy(() -> store.delete("/missing", 0)).isInstanceOf(KeyNotFoundException.class);

        assertThat(store.currentRevision()).isEqualTo(1);
        assertThat(store.get("/k")).get().extracting(KeyValue::value).isEqualTo(bytes("v"));
    }

    @Test
    void mutationsOfOneBatchSeeEachOther() {
        MapDbStore store = track(MapDbStore.openInMemory());
        // Queued back to back, these are very likely to land in one batch; the outcome must be
        // the same as one by one in queue order either way.
        List<CompletableFuture<KeyValue>> results = List.of(
                store.commitAsync(Mutation.create("/b", bytes("1"))),
                store.commitAsync(Mutation.create("/b", bytes("2"))),
                store.commitAsync(Mutation.update("/b", bytes("3"), 1)),
                store.commitAsync(Mutation.delete("/b", 2)),
                store.commitAsync(Mutation.create("/b", bytes("4"))));
        assertThat(results.get(0).join().modRevision()).isEqualTo(1);
        assertThatThrownBy(() -> results.get(1).join()).hasCauseInstanceOf(KeyExistsException.class);
        assertThat(results.get(2).join().modRevision()).isEqualTo(2);
        assertThat(results.get(3).join().modRevision()).isEqualTo(3);
        KeyValue recreated = results.get(4).join();
        assertThat(recreated.createRevision()).isEqualTo(4);
        assertThat(store.get("/b")).get().extracting(KeyValue::value).isEqualTo(bytes("4"));
    }

    @Test
    void listPagesInKeyOrderWithinThePrefix() {
        MapDbStore store = track(MapDbStore.openInMemory());
        for (String key : List.of("/core/pods/b/2", "/core/pods/a/1", "/core/pods/a/2", "/core/podtemplates/a/1", "/core/pod")) {
            store.create(key, bytes(key));
        }
        ListResult all = store.list("/core/pods/", null, 0);
        assertThat(all.items()).extracting(KeyValue::key)
                .containsExactly("/core/pods/a/1", "/core/pods/a/2", "/core/pods/b/2");
        assertThat(all.revision()).isEqualTo(5);
        assertThat(all.more()).isFalse();

        ListResult page1 = store.list("/core/pods/", null, 2);
        assertThat(page1.items()).extracting(KeyValue::key).containsExactly("/core/pods/a/1", "/core/pods/a/2");
        assertThat(page1.more()).isTrue();
        ListResult page2 = store.list("/core/pods/", "/core/pods/a/2", 2);
        assertThat(page2.items()).extracting(KeyValue::key).containsExactly("/core/pods/b/2");
        assertThat(page2.more()).isFalse();

        assertThat(store.list("/core/pods/a/", null, 0).items()).hasSize(2);
        assertThat(store.list("/nothing/", null, 0).items()).isEmpty();
    }

    @Test
    void reopenKeepsDataAndRevisionContinues() {
        MapDbStore first = open();
        first.create("/a", bytes("1"));
        first.update("/a", bytes("2"), 1);
        first.create("/b", bytes("3"));
        first.delete("/b", 3);
        first.close();

        MapDbStore second = open();
        assertThat(second.currentRevision()).isEqualTo(4);
        assertThat(second.compactedRevision()).isEqualTo(4);
        KeyValue a = second.get("/a").orElseThrow();
        assertThat(a.value()).isEqualTo(bytes("2"));
        assertThat(a.createRevision()).isEqualTo(1);
        assertThat(a.modRevision()).isEqualTo(2);
        assertThat(second.get("/b")).isEmpty();
        assertThat(second.create("/c", bytes("4")).modRevision()).isEqualTo(5);
        assertThatThrownBy(() -> second.watch("/", 3, new RecordingListener()))
                .isInstanceOf(RevisionCompactedException.class);
    }

    @Test
    void closedStoreRefusesWritesAndClosesWatches() {
        MapDbStore store = MapDbStore.openInMemory();
        RecordingListener listener = new RecordingListener();
        store.watch("/", 0, listener);
        store.close();
        assertThatThrownBy(() -> store.create("/x", bytes("1"))).isInstanceOf(StoreUnavailableException.class);
        Await.until("watch closed", listener.closed::get);
        assertThat(listener.closeReason.get()).isInstanceOf(StoreUnavailableException.class);
    }

    @Test
    void watchReplaysHistoryThenLiveChangesInOrder() {
        MapDbStore store = track(MapDbStore.openInMemory());
        store.create("/w/a", bytes("1"));
        store.create("/other/x", bytes("1"));
        store.update("/w/a", bytes("2"), 1);

        RecordingListener listener = new RecordingListener();
        Watch watch = store.watch("/w/", 0, listener);
        store.delete("/w/a", 3);
        store.create("/w/b", bytes("1"));

        Await.until("4 changes", () -> listener.changes.size() == 4);
        assertThat(listener.changes).extracting(Change::type).containsExactly(
                Change.Type.CREATED, Change.Type.UPDATED, Change.Type.DELETED, Change.Type.CREATED);
        assertThat(listener.revisions()).containsExactly(1L, 3L, 4L, 5L);
        Change update = listener.changes.get(1);
        assertThat(update.previousValue()).isEqualTo(bytes("1"));
        assertThat(listener.changes.get(2).value()).isEqualTo(bytes("2"));

        watch.close();
        Await.until("closed", listener.closed::get);
        assertThat(listener.closeReason.get()).isNull();
        store.create("/w/c", bytes("1"));
        assertThat(store.currentRevision()).isEqualTo(6);
        assertThat(listener.changes).hasSize(4);
    }

    @Test
    void aWatchFromARevisionTheStoreHasNotReachedGetsOnlyTheChangesAfterIt() {
        // A replica behind the master a client watched before: the client resumes from that
        // master's revision, and what the replica applies up to it was delivered already.
        MapDbStore store = track(MapDbStore.openInMemory());
        store.create("/w/a", bytes("1"));
        RecordingListener listener = new RecordingListener();
        store.watch("/w/", 3, listener);

        store.create("/w/b", bytes("1"));
        store.create("/w/c", bytes("1"));
        store.create("/w/d", bytes("1"));
        store.create("/w/e", bytes("1"));

        Await.until("2 changes", () -> listener.changes.size() == 2);
        assertThat(listener.revisions()).containsExactly(4L, 5L);
    }

    @Test
    void compactedHistoryIsRefused() {
        MapDbStore store = track(MapDbStore.openInMemory(MapDbStore.Options.defaults().withHistorySize(3)));
        for (int i = 1; i <= 5; i++) {
            store.create("/k" + i, bytes("v"));
        }
        // History holds revisions 3..5: a watch may start after 2 or later.
        assertThat(store.compactedRevision()).isEqualTo(2);
        assertThatThrownBy(() -> store.watch("/", 1, new RecordingListener()))
                .isInstanceOf(RevisionCompactedException.class);

        RecordingListener listener = new RecordingListener();
        store.watch("/", 2, listener);
        Await.until("3 changes", () -> listener.changes.size() == 3);
        assertThat(listener.revisions()).containsExactly(3L, 4L, 5L);
    }

    @Test
    void listenerThatFailsIsClosedWithoutHarmingOthers() {
        MapDbStore store = track(MapDbStore.openInMemory());
        RecordingListener healthy = new RecordingListener();
        RecordingListener failing = new RecordingListener() {
            @Override
            public void onChange(Change change) {
                throw new IllegalStateException("boom");
            }
        };
        store.watch("/", 0, failing);
        store.watch("/", 0, healthy);
        store.create("/a", bytes("1"));
        store.create("/b", bytes("1"));
        Await.until("failing closed", failing.closed::get);
        assertThat(failing.closeReason.get()).isInstanceOf(StoreUnavailableException.class);
        Await.until("healthy got both", () -> healthy.changes.size() == 2);
        assertThat(healthy.closed.get()).isFalse();
    }

    @Test
    void slowListenerDoesNotBlockWritersAndIsClosedWhenTooFarBehind() throws Exception {
        MapDbStore store = track(MapDbStore.openInMemory(MapDbStore.Options.defaults().withMaxWatchLag(10)));
        CompletableFuture<Void> release = new CompletableFuture<>();
        RecordingListener blocked = new RecordingListener() {
            @Override
            public void onChange(Change change) {
                release.join(); // a listener breaking the contract: it blocks
                super.onChange(change);
            }
        };
        RecordingListener healthy = new RecordingListener();
        store.watch("/", 0, blocked);
        store.watch("/", 0, healthy);
        for (int i = 0; i < 50; i++) {
            store.create("/k" + i, bytes("v")); // would hang here if delivery blocked writers
            int expected = i + 1;
            // the healthy watch keeps up (and so stays within the lag limit that applies to it too)
            Await.until("healthy got " + expected, () -> healthy.changes.size() == expected);
        }
        assertThat(healthy.closed.get()).isFalse();
        release.complete(null);
        Await.until("blocked closed", blocked.closed::get);
        assertThat(blocked.closeReason.get()).isInstanceOf(StoreUnavailableException.class);
        assertThat(blocked.changes.size()).isLessThanOrEqualTo(11);
    }

    @Test
    void revisionsAreGapFreeUnderConcurrentWriters() throws Exception {
        MapDbStore store = open();
        int threads = 8;
        int perThread = 50;
        List<Thread> writers = new ArrayList<>();
        List<Long> revisions = java.util.Collections.synchronizedList(new ArrayList<>());
        for (int t = 0; t < threads; t++) {
            int id = t;
            writers.add(new Thread(() -> {
                for (int i = 0; i < perThread; i++) {
                    revisions.add(store.create("/g/" + id + "/" + i, bytes("v")).modRevision());
                }
            }));
        }
        writers.forEach(Thread::start);
        for (Thread writer : writers) {
            writer.join();
        }
        assertThat(revisions.stream().sorted().collect(Collectors.toList()))
                .isEqualTo(LongStream.rangeClosed(1, threads * perThread).boxed().collect(Collectors.toList()));
        assertThat(store.currentRevision()).isEqualTo(threads * perThread);
    }

    @Test
    void journalIsCheckpointedAndReleasedAndReopenSeesEverything() {
        MapDbStore.Options options = MapDbStore.Options.defaults()
                .withJournalSegmentBytes(16 * 1024)
                .withCheckpointIntervalMillis(20);
        MapDbStore store = MapDbStore.open(dir, options);
        for (int i = 0; i < 200; i++) {
            store.create("/j/" + i, new byte[1024]);
        }
        // 200 KiB went through 16 KiB segments: checkpoints must have released most of them.
        Await.until("journal released", () -> store.durableState().journalSegments() <= 2);
        store.close();

        MapDbStore reopened = track(MapDbStore.open(dir, options));
        assertThat(reopened.currentRevision()).isEqualTo(200);
        assertThat(reopened.list("/j/", null, 0).items()).hasSize(200);
    }

    /** Simulates a MapDB commit torn by a crash: an entry the file's digest does not account for. */
    private void damage(String checkpointFile) {
        org.mapdb.DB db = org.mapdb.DBMaker.fileDB(dir.resolve(checkpointFile).toFile())
                .transactionEnable().fileChannelEnable().make();
        db.hashMap("keys", org.mapdb.Serializer.STRING, org.mapdb.Serializer.BYTE_ARRAY).createOrOpen()
                .put("/ghost", new byte[20]);
        db.commit();
        db.close();
    }

    @Test
    void damagedCheckpointIsRebuiltFromTheOtherOne() {
        MapDbStore store = open();
        store.create("/a", bytes("1"));
        store.create("/b", bytes("2"));
        store.close();
        damage("checkpoint-a.db");

        MapDbStore reopened = open();
        assertThat(reopened.currentRevision()).isEqualTo(2);
        assertThat(reopened.list("/", null, 0).items()).extracting(KeyValue::key).containsExactly("/a", "/b");
        reopened.create("/c", bytes("3"));
        reopened.close();

        damage("checkpoint-b.db"); // now the rebuilt one must carry the state
        MapDbStore again = open();
        assertThat(again.list("/", null, 0).items()).extracting(KeyValue::key).containsExactly("/a", "/b", "/c");
        assertThat(again.currentRevision()).isEqualTo(3);
    }

    @Test
    void bothCheckpointsDamagedIsReportedNotServed() {
        MapDbStore store = open();
        store.create("/a", bytes("1"));
        store.close();
        damage("checkpoint-a.db");
        damage("checkpoint-b.db");
        assertThatThrownBy(this::open).isInstanceOf(IllegalStateException.class).hasMessageContaining("damaged");
    }

    @Test
    void failedDiskWriteFailsTheBatchAndPublishesNothing() throws Exception {
        MapDbStore store = open();
        store.create("/before", bytes("1"));
        RecordingListener listener = new RecordingListener();
        store.watch("/", 1, listener);

        store.durableState().journalForTests().breakForTests();
        assertThatThrownBy(() -> store.create("/lost", bytes("2"))).isInstanceOf(StoreUnavailableException.class);
        assertThatThrownBy(() -> store.create("/later", bytes("3"))).isInstanceOf(StoreUnavailableException.class);
        assertThat(store.get("/lost")).isEmpty();
        assertThat(store.currentRevision()).isEqualTo(1);
        assertThat(store.list("/", null, 0).items()).extracting(KeyValue::key).containsExactly("/before");
        store.close();
        assertThat(listener.changes).isEmpty();

        MapDbStore reopened = open();
        assertThat(reopened.get("/lost")).isEmpty();
        assertThat(reopened.get("/before")).isPresent();
        assertThat(reopened.create("/after", bytes("4")).modRevision()).isEqualTo(2);
    }
}
