package io.karavel.store.hazelcast.impl;

import com.hazelcast.cp.CPGroup;
import com.hazelcast.cp.CPGroupId;
import com.hazelcast.cp.internal.RaftService;
import com.hazelcast.cp.internal.raft.SnapshotAwareService;
import com.hazelcast.cp.internal.raft.impl.RaftNode;
import com.hazelcast.cp.internal.raft.impl.RaftNodeImpl;
import com.hazelcast.cp.internal.raft.impl.RaftNodeStatus;
import com.hazelcast.cp.internal.raft.impl.log.LogEntry;
import com.hazelcast.cp.internal.raft.impl.log.RaftLog;
import com.hazelcast.cp.internal.raft.impl.log.SnapshotEntry;
import com.hazelcast.cp.internal.raft.impl.state.RaftGroupMembers;
import com.hazelcast.cp.internal.raft.impl.state.RaftState;
import com.hazelcast.cp.internal.raftop.snapshot.RestoreSnapshotOp;
import com.hazelcast.spi.impl.NodeEngineImpl;
import com.hazelcast.spi.impl.servicemanager.ServiceInfo;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Works around a Hazelcast 5.4 CP Subsystem bug that made the CP state of the masters diverge
 * under back-to-back leader kills.
 *
 * <p>A member that installs a Raft snapshot sent by its group leader uses the snapshot's objects
 * as its live CP session and lock registries (RaftSessionService and the blocking services put
 * them in place without a copy), while its Raft log keeps the same snapshot entry to send to
 * followers later. Every command the member applies afterwards also changes that stored
 * snapshot. When the member later leads the group and a restarted master needs a snapshot, it
 * gets the old index with newer sessions and locks: its replay then fails lock operations on
 * sessions that "do not exist", assigns different session ids, and the group's state machines
 * disagree. The leader lock was then freed seconds late (HaFailoverIT: 2 of 20 kills took over
 * 6 s; docs/ha.md).
 *
 * <p>The repair: whenever a group's stored snapshot is one this class has not made, take a fresh
 * snapshot of the live state on the group's Raft thread, as Hazelcast itself does every
 * {@code commitIndexAdvanceCountToSnapshot} commits, and store it instead. Its objects are copies,
 * so the live state no longer reaches into it. Hazelcast's own snapshots are replaced too, once
 * each, which costs a copy of the registries (a few sessions and one lock).
 *
 * <p>This reads Hazelcast internals (there is no public API for any of it): Hazelcast is pinned
 * to 5.4.0, the last release with an open-source CP Subsystem.
 */
final class InstalledSnapshotRefresher {

    private static final Logger LOG = LoggerFactory.getLogger(InstalledSnapshotRefresher.class);
    /** As Hazelcast's RaftNodeImpl: the log entries kept behind a snapshot for lagging followers. */
    private static final float SHARE_OF_ENTRIES_KEPT = 0.1f;

    private final NodeEngineImpl nodeEngine;
    private final RaftService raft;
    private final int entriesKept;
    /** Per group, the snapshot this class stored last. */
    private final Map<CPGroupId, SnapshotEntry> refreshed = new ConcurrentHashMap<>();

    InstalledSnapshotRefresher(NodeEngineImpl nodeEngine) {
        this.nodeEngine = nodeEngine;
        this.raft = nodeEngine.getService(RaftService.SERVICE_NAME);
        int snapshotEvery = nodeEngine.getConfig().getCPSubsystemConfig().getRaftAlgorithmConfig()
                .getCommitIndexAdvanceCountToSnapshot();
        this.entriesKept = (int) (snapshotEvery * SHARE_OF_ENTRIES_KEPT);
    }

    /** Queues a check of every local Raft node of a data group on that node's own thread. */
    void refreshAll() {
        try {
            for (RaftNode node : raft.getAllRaftNodes()) {
                if (node instanceof RaftNodeImpl impl
                        && !CPGroup.METADATA_CP_GROUP_NAME.equals(node.getGroupId().getName())) {
                    impl.execute(() -> refresh(impl));
                }
            }
        } catch (RuntimeException e) {
            // scheduled every 250 ms: one failure (the member shutting down) must not end it
            LOG.debug("Could not check the Raft snapshots: {}", e.toString());
        }
    }

    /** Runs on the Raft node's thread, between two commands: the live state is at lastApplied. */
    private void refresh(RaftNodeImpl node) {
        try {
            CPGroupId group = node.getGroupId();
            if (node.getStatus() != RaftNodeStatus.ACTIVE) {
                return;
            }
            RaftState state = node.state();
            RaftLog log = state.log();
            SnapshotEntry stored = log.snapshot();
            if (stored.index() == 0 || refreshed.get(group) == stored) {
                return;
            }
            long index = state.lastApplied();
            LogEntry last = index > stored.index() ? log.getLogEntry(index) : null;
            if (last == null) {
                return; // nothing applied since the snapshot: the next check retries
            }
            List<RestoreSnapshotOp> operations = new ArrayList<>();
            for (ServiceInfo info : nodeEngine.getServiceInfos(SnapshotAwareService.class)) {
                Object snapshot = ((SnapshotAwareService<?>) info.getService()).takeSnapshot(group, index);
                if (snapshot != null) {
                    operations.add(new RestoreSnapshotOp(info.getName(), snapshot));
                }
            }
            RaftGroupMembers members = state.committedGroupMembers();
            SnapshotEntry fresh = new SnapshotEntry(last.term(), index, operations, members.index(), members.members());
            // Keep what Hazelcast keeps behind a snapshot of its own, and never less than before.
            log.setSnapshot(fresh, Math.max(stored.index(), index - entriesKept));
            log.flush();
            refreshed.put(group, fresh);
            LOG.info("Replaced the Raft snapshot of CP group {} at index {} with one of the live state at index {}",
                    group.getName(), stored.index(), index);
        } catch (RuntimeException e) {
            LOG.warn("Could not refresh the Raft snapshot of CP group {}: {}", node.getGroupId().getName(), e.toString());
        }
    }
}
