package io.karavel.store.hazelcast.impl;

import static io.karavel.testing.Eventually.eventually;
import static io.karavel.testing.Eventually.eventuallyGet;
import static org.assertj.core.api.Assertions.assertThat;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.cp.CPGroup;
import com.hazelcast.cp.CPGroupId;
import com.hazelcast.cp.CPMember;
import com.hazelcast.cp.internal.RaftService;
import com.hazelcast.cp.internal.raft.impl.RaftNodeImpl;
import com.hazelcast.cp.internal.raft.impl.log.SnapshotEntry;
import com.hazelcast.cp.lock.FencedLock;
import com.hazelcast.cp.session.CPSession;
import com.hazelcast.instance.impl.HazelcastInstanceProxy;
import com.hazelcast.spi.impl.NodeEngineImpl;
import io.karavel.testing.FreePorts;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A member that joins a CP group after the group's log was compacted installs the leader's Raft
 * snapshot. Hazelcast 5.4 then uses that snapshot's objects as its live session and lock state,
 * so later commands rewrite the stored snapshot that the member would send to the next joiner.
 * With the refresher running, the stored snapshot stays what it was when stored.
 */
class InstalledSnapshotRefresherTest {
    private static final Duration WAIT = Duration.ofSeconds(60);

    private final List<Integer> ports = List.of(FreePorts.next(), FreePorts.next(), FreePorts.next(), FreePorts.next());
    private final String clusterName = "snapshots-" + System.nanoTime();
    private final List<HazelcastInstance> members = new ArrayList<>();

    @AfterEach
    void stopAll() {
        members.forEach(member -> member.getLifecycleService().terminate());
    }

    @Test
    void aSnapshotInstalledFromTheLeaderNoLongerChangesWithTheLiveState() throws Exception {
        HazelcastInstance a = start(0);
        HazelcastInstance b = start(1);
        HazelcastInstance c = start(2);
        // Enough commits in the default group that every member compacts its log (a snapshot every
        // 200 commits), but not so many that the joiner soon takes a snapshot of its own.
        for (HazelcastInstance member : List.of(a, b, c)) {
            FencedLock lock = member.getCPSubsystem().getLock("l");
            for (int i = 0; i < 37; i++) {
                lock.lock();
                lock.unlock();
            }
        }

        // c dies; d takes its seat and receives the leader's snapshot of the default group
        CPMember cSeat = c.getCPSubsystem().getLocalCPMember();
        c.getLifecycleService().terminate();
        members.remove(c);
        a.getCPSubsystem().getCPSubsystemManagementService().removeCPMember(cSeat.getUuid())
                .toCompletableFuture().get(30, TimeUnit.SECONDS);
        HazelcastInstance d = start(3);
        d.getCPSubsystem().getCPSubsystemManagementService().promoteToCPMember()
                .toCompletableFuture().get(30, TimeUnit.SECONDS);
        RaftNodeImpl dNode = defaultGroupNode(d);
        eventually("d installed a snapshot of the default group", WAIT,
                () -> onRaftThread(dNode, n -> n.state().log().snapshotIndex()) > 0);

        InstalledSnapshotRefresher refresher = new InstalledSnapshotRefresher(nodeEngine(d));
        SnapshotEntry installed = onRaftThread(dNode, n -> n.state().log().snapshot());
        eventually("d stored a snapshot of its own", WAIT, () -> {
            refresher.refreshAll();
            return onRaftThread(dNode, n -> n.state().log().snapshot()) != installed;
        });
        SnapshotEntry stored = onRaftThread(dNode, n -> n.state().log().snapshot());
        byte[] before = serialized(d, dNode, stored);

        // New sessions in the default group: a's session is closed, then a and d lock again. A
        // handful of commits, well under the next snapshot.
        var sessions = a.getCPSubsystem().getCPSessionManagementService();
        for (CPSession session : sessions.getAllSessions(CPGroup.DEFAULT_GROUP_NAME).toCompletableFuture()
                .get(10, TimeUnit.SECONDS)) {
            if (session.endpoint().equals(a.getCluster().getLocalMember().getAddress())) {
                sessions.forceCloseSession(CPGroup.DEFAULT_GROUP_NAME, session.id()).toCompletableFuture()
                        .get(10, TimeUnit.SECONDS);
            }
        }
        for (HazelcastInstance member : List.of(a, d)) {
            FencedLock lock = member.getCPSubsystem().getLock("l");
            lock.lock();
            lock.unlock();
        }

        SnapshotEntry storedNow = onRaftThread(dNode, n -> n.state().log().snapshot());
        assertThat((Object) storedNow)
                .as("the stored snapshot (replaced by a snapshot of Hazelcast's own: lower the commit count)")
                .isSameAs(stored);
        assertThat(serialized(d, dNode, stored)).as("the stored snapshot, serialized").isEqualTo(before);
    }

    private HazelcastInstance start(int index) {
        Config config = new Config().setClusterName(clusterName).setInstanceName(clusterName + "-" + index);
        config.getNetworkConfig().setPort(ports.get(index)).setPortAutoIncrement(false);
        config.getNetworkConfig().getInterfaces().setEnabled(true).addInterface("127.0.0.1");
        config.setProperty("hazelcast.local.localAddress", "127.0.0.1");
        JoinConfig join = config.getNetworkConfig().getJoin();
        join.getMulticastConfig().setEnabled(false);
        join.getAutoDetectionConfig().setEnabled(false);
        join.getTcpIpConfig().setEnabled(true).setMembers(
                ports.stream().map(port -> "127.0.0.1:" + port).collect(Collectors.toList()));
        config.getCPSubsystemConfig().setCPMemberCount(3).setGroupSize(3)
                .setSessionHeartbeatIntervalSeconds(1).setSessionTimeToLiveSeconds(30)
                .getRaftAlgorithmConfig().setCommitIndexAdvanceCountToSnapshot(200);
        HazelcastInstance member = Hazelcast.newHazelcastInstance(config);
        members.add(member);
        return member;
    }

    private static NodeEngineImpl nodeEngine(HazelcastInstance member) {
        return ((HazelcastInstanceProxy) member).getOriginal().node.getNodeEngine();
    }

    private static RaftNodeImpl defaultGroupNode(HazelcastInstance member) throws Exception {
        CPGroupId id = member.getCPSubsystem().getCPSubsystemManagementService()
                .getCPGroup(CPGroup.DEFAULT_GROUP_NAME).toCompletableFuture().get(30, TimeUnit.SECONDS).id();
        RaftService raft = nodeEngine(member).getService(RaftService.SERVICE_NAME);
        return (RaftNodeImpl) eventuallyGet("its Raft node of the default group", WAIT, () -> raft.getRaftNode(id));
    }

    /** Raft state is confined to its node's thread. */
    private static <T> T onRaftThread(RaftNodeImpl node, Function<RaftNodeImpl, T> read) {
        CompletableFuture<T> result = new CompletableFuture<>();
        node.execute(() -> {
            try {
                result.complete(read.apply(node));
            } catch (RuntimeException e) {
                result.completeExceptionally(e);
            }
        });
        return result.join();
    }

    private static byte[] serialized(HazelcastInstance member, RaftNodeImpl node, SnapshotEntry snapshot) {
        return onRaftThread(node, n -> {
            byte[] bytes = nodeEngine(member).getSerializationService().toData(snapshot.operation()).toByteArray();
            return Arrays.copyOf(bytes, bytes.length);
        });
    }
}
