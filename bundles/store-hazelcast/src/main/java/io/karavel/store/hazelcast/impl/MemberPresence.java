package io.karavel.store.hazelcast.impl;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceAware;
import java.io.Serializable;
import java.util.UUID;
import java.util.concurrent.Callable;

/**
 * Asks another master whether a member is still in its view of the cluster. A master that saw the
 * leader leave closes the leader's CP session only when a majority agrees it is gone: a master
 * that was itself paused sees everyone "leave" as it resumes, and must not depose a live leader.
 */
final class MemberPresence implements Callable<Boolean>, Serializable, HazelcastInstanceAware {
    private static final long serialVersionUID = 1L;

    private final UUID member;
    private transient HazelcastInstance instance;

    MemberPresence(UUID member) {
        this.member = member;
    }

    @Override
    public void setHazelcastInstance(HazelcastInstance hazelcastInstance) {
        this.instance = hazelcastInstance;
    }

    /** Whether the member is present here. */
    @Override
    public Boolean call() {
        return instance.getCluster().getMembers().stream().anyMatch(m -> m.getUuid().equals(member));
    }
}
