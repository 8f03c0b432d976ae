package io.karavel.store.hazelcast.impl;

import static io.karavel.testing.Eventually.eventually;
import static io.karavel.testing.Eventually.eventuallyGet;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.karavel.api.cluster.ControlPlaneStatus;
import io.karavel.api.cluster.Role;
import io.karavel.api.store.Change;
import io.karavel.api.store.ConflictException;
import io.karavel.api.store.KeyExistsException;
import io.karavel.api.store.KeyValue;
import io.karavel.api.store.Watch;
import io.karavel.api.store.WatchListener;
import io.karavel.store.mapdb.impl.MapDbStore;
import io.karavel.testing.FreePorts;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three masters in one JVM, each a real Hazelcast member with its own replica directory, on
 * loopback ports. Process kills and pauses are in the itests (HaFailoverIT); here: election,
 * forwarding, replication, graceful handover, catch-up and snapshots.
 */
class ReplicatedStoreTest {
    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    private final List<Integer> ports = List.of(FreePorts.next(), FreePorts.next(), FreePorts.next());
    private final ReplicatedStore[] masters = new ReplicatedStore[3];

    @AfterEach
    void stopAll() {
        for (ReplicatedStore master : masters) {
            if (master != null) {
                master.close();
            }
        }
    }

    @Test
    void oneLeaderCommitsWritesMadeOnAnyMasterAndEveryReplicaGetsThem() throws Exception {
        startAll(10_000);
        ReplicatedStore leader = awaitLeader();
        ReplicatedStore follower = anyFollower(leader);

        KeyValue viaFollower = follower.create("/registry/a", bytes("1"));
        KeyValue viaLeader = leader.create("/registry/b", bytes("2"));

        // read-your-writes on the follower that forwarded the write
        assertSame(follower.get("/registry/a"), viaFollower);
        assertThat(viaLeader.modRevision()).isEqualTo(viaFollower.modRevision() + 1);
        for (ReplicatedStore master : masters) {
            eventually("replica has both keys", WAIT, () -> master.currentRevision() >= viaLeader.modRevision());
            assertSame(master.get("/registry/a"), viaFollower);
            assertSame(master.get("/registry/b"), viaLeader);
        }
        // the leader's errors reach the follower's caller as the same store errors
        assertThatThrownBy(() -> follower.create("/registry/a", bytes("again"))).isInstanceOf(KeyExistsException.class);
        assertThatThrownBy(() -> follower.update("/registry/a", bytes("x"), 99)).isInstanceOf(ConflictException.class);

        ControlPlaneStatus status = follower.status();
        assertThat(status.localRole()).isEqualTo(Role.FOLLOWER);
        assertThat(status.leaderName()).isEqualTo(leader.status().localName());
        assertThat(status.term()).isPositive();
        eventually("every master reported", WAIT, () -> follower.status().masters().size() == 3);
    }

    @Test
    void whenTheLeaderStopsAnotherTakesOverAndNoAcknowledgedWriteIsLost() throws Exception {
        startAll(10_000);
        ReplicatedStore leader = awaitLeader();
        ReplicatedStore writerMaster = anyFollower(leader);
        List<Long> revisionsSeen = new CopyOnWriteArrayList<>();
        Watch watch = writerMaster.watch("/registry/", writerMaster.currentRevision(), recordRevisions(revisionsSeen));
        Set<String> acknowledged = ConcurrentHashMap.newKeySet();
        AtomicBoolean writing = new AtomicBoolean(true);
        Thread writer = new Thread(() -> {
            for (int i = 0; writing.get(); i++) {
                try {
                    writerMaster.create("/registry/k" + i, bytes("v" + i));
                    acknowledged.add("/registry/k" + i);
                } catch (RuntimeException e) {
                    // 503 during the handover: not acknowledged, not counted
                }
            }
        });
        writer.start();
        eventually("writes flowing", WAIT, () -> acknowledged.size() > 50);

        int leaderIndex = indexOf(leader);
        leader.close();
        masters[leaderIndex] = null;
        ReplicatedStore newLeader = awaitLeader();
        int before = acknowledged.size();
        eventually("writes flowing again", WAIT, () -> acknowledged.size() > before + 50);
        writing.set(false);
        writer.join();

        long last = newLeader.currentRevision();
        for (ReplicatedStore master : masters) {
            if (master != null) {
                eventually("replica caught up", WAIT, () -> master.currentRevision() >= last);
                for (String key : acknowledged) {
                    assertThat(master.get(key)).as(key).isPresent();
                }
            }
        }
        eventually("watch saw everything", WAIT, () -> revisionsSeen.size() >= acknowledged.size());
        watch.close();
        assertThat(revisionsSeen).doesNotHaveDuplicates().isSorted();
    }

    @Test
    void aRestartedMasterCatchesUpFromTheLog() throws Exception {
        startAll(10_000);
        ReplicatedStore leader = awaitLeader();
        int followerIndex = stopAFollowerAfterOneWrite(leader);

        for (int i = 0; i < 40; i++) {
            leader.create("/registry/while-down-" + i, bytes("v"));
        }
        leader.delete("/registry/before", 0);
        ReplicatedStore restarted = start(followerIndex, 10_000);

        assertCaughtUpAndFollowing(leader, restarted);
        assertThat(restarted.snapshotsInstalled()).isZero();
    }

    @Test
    void aRestartedMasterTheLogNoLongerReachesInstallsASnapshot() throws Exception {
        startAll(5);
        ReplicatedStore leader = awaitLeader();
        int followerIndex = stopAFollowerAfterOneWrite(leader);

        for (int i = 0; i < 40; i++) {
            leader.create("/registry/while-down-" + i, bytes("v"));
        }
        leader.delete("/registry/before", 0);
        // once the stopped master's report expired, the leader trims all but the last 5 batches
        eventually("log trimmed", WAIT, () -> leader.head().firstSeq() > 30);
        ReplicatedStore restarted = start(followerIndex, 5);

        assertCaughtUpAndFollowing(leader, restarted);
        assertThat(restarted.snapshotsInstalled()).isEqualTo(1);
    }

    private int stopAFollowerAfterOneWrite(ReplicatedStore leader) throws Exception {
        ReplicatedStore follower = anyFollower(leader);
        int followerIndex = indexOf(follower);
        leader.create("/registry/before", bytes("x"));
        eventually("follower has it", WAIT, () -> follower.get("/registry/before").isPresent());
        follower.close();
        masters[followerIndex] = null;
        return followerIndex;
    }

    private void assertCaughtUpAndFollowing(ReplicatedStore leader, ReplicatedStore restarted) throws Exception {
        eventually("restarted master caught up", WAIT, () -> restarted.currentRevision() == leader.currentRevision());
        assertThat(restarted.list("/registry/", null, 0).items()).map(KeyValue::key)
                .containsExactlyElementsOf(leader.list("/registry/", null, 0).items().stream().map(KeyValue::key).toList());
        assertThat(restarted.get("/registry/before")).isEmpty();
        KeyValue after = restarted.create("/registry/after", bytes("y"));
        assertSame(leader.get("/registry/after"), after);
    }

    /** KeyValue holds a byte array: compare its parts. */
    private static void assertSame(Optional<KeyValue> actual, KeyValue expected) {
        assertThat(actual).isPresent();
        assertThat(actual.get().key()).isEqualTo(expected.key());
        assertThat(actual.get().value()).isEqualTo(expected.value());
        assertThat(actual.get().createRevision()).isEqualTo(expected.createRevision());
        assertThat(actual.get().modRevision()).isEqualTo(expected.modRevision());
    }

    private WatchListener recordRevisions(List<Long> revisions) {
        return new WatchListener() {
            @Override
            public void onChange(Change change) {
                revisions.add(change.revision());
            }
        };
    }

    private void startAll(int logRetention) {
        for (int i = 0; i < 3; i++) {
            start(i, logRetention);
        }
    }

    private ReplicatedStore start(int index, int logRetention) {
        List<String> members = ports.stream().map(p -> "127.0.0.1:" + p).toList();
        ClusterSettings settings = new ClusterSettings(members, "127.0.0.1", ports.get(index), "m" + index,
                "test-" + ports.get(0), "http://127.0.0.1:" + (7000 + index), dir.resolve("m" + index),
                MapDbStore.Options.defaults(), Duration.ofSeconds(3), Duration.ofMillis(500), 4, Duration.ofSeconds(3),
                Duration.ofSeconds(10), Duration.ofSeconds(3), logRetention, Duration.ofSeconds(20));
        ReplicatedStore store = new ReplicatedStore(settings);
        store.start();
        masters[index] = store;
        return store;
    }

    private ReplicatedStore awaitLeader() throws Exception {
        return eventuallyGet("a leader", WAIT, () -> {
            List<ReplicatedStore> leaders = new ArrayList<>();
            for (ReplicatedStore master : masters) {
                if (master != null && master.isLeader()) {
                    leaders.add(master);
                }
            }
            assertThat(leaders).hasSizeLessThanOrEqualTo(1);
            return leaders.isEmpty() ? null : leaders.get(0);
        });
    }

    private ReplicatedStore anyFollower(ReplicatedStore leader) throws Exception {
        return eventuallyGet("a follower", WAIT, () -> {
            for (ReplicatedStore master : masters) {
                if (master != null && master != leader && master.status().localRole() == Role.FOLLOWER) {
                    return master;
                }
            }
            return null;
        });
    }

    private int indexOf(ReplicatedStore store) {
        for (int i = 0; i < masters.length; i++) {
            if (masters[i] == store) {
                return i;
            }
        }
        throw new IllegalArgumentException("not a master of this test");
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
