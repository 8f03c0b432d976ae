package io.karavel.store.hazelcast.impl;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceAware;
import java.io.Serializable;
import java.util.concurrent.Callable;

/**
 * Asks the leader for its whole state, for a master whose replica the log no longer reaches
 * (it was down too long, or the log is new after a full restart and its state differs).
 */
final class SnapshotRequest implements Callable<SnapshotRequest.Snapshot>, Serializable, HazelcastInstanceAware {
    private static final long serialVersionUID = 1L;

    private transient HazelcastInstance instance;

    @Override
    public void setHazelcastInstance(HazelcastInstance hazelcastInstance) {
        this.instance = hazelcastInstance;
    }

    @Override
    public Snapshot call() {
        ReplicatedStore store = ReplicatedStore.running(instance.getName());
        return store == null ? null : store.snapshotAsLeader();
    }

    /**
     * @param generation the log generation the snapshot belongs to
     * @param revision the revision of the state
     * @param resumeSeq a log position at or before the first entry after {@code revision}: the
     *     follower continues there (entries it already has are skipped by revision)
     * @param items the encoded entries ({@link ChangeCodec#encodeKeyValues})
     */
    record Snapshot(String generation, long revision, long resumeSeq, byte[] items) implements Serializable {
        private static final long serialVersionUID = 1L;
    }
}
