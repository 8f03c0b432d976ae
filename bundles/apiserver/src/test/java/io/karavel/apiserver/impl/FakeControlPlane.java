package io.karavel.apiserver.impl;

import io.karavel.api.cluster.ControlPlane;
import io.karavel.api.cluster.ControlPlaneStatus;
import io.karavel.api.cluster.MasterStatus;
import io.karavel.api.cluster.Role;
import io.karavel.api.controller.LeaderElection;
import java.util.List;
import java.util.function.Consumer;

/** A control plane whose status a test sets; also its LeaderElection (leader when the status says LEADER). */
final class FakeControlPlane implements ControlPlane, LeaderElection {
    private volatile ControlPlaneStatus status;

    FakeControlPlane(ControlPlaneStatus status) {
        this.status = status;
    }

    /** Master {@code local} of m1, m2, m3 in {@code role}; at term 7, m1 leads unless {@code local} does or none does. */
    static ControlPlaneStatus threeMasters(String local, Role role, long localRevision, long leaderRevision) {
        boolean leaderless = role == Role.UNAVAILABLE;
        String leader = leaderless ? "" : role == Role.LEADER ? local : "m1";
        List<MasterStatus> masters = List.of(
                new MasterStatus("m1", "127.0.0.1:5701", "http://127.0.0.1:6443", leaderless ? Role.UNAVAILABLE : Role.LEADER,
                        leaderRevision, 1_764_115_200_000L),
                new MasterStatus("m2", "127.0.0.1:5702", "http://127.0.0.1:6444", local.equals("m2") ? role : Role.FOLLOWER,
                        local.equals("m2") ? localRevision : leaderRevision, 1_764_115_201_000L),
                new MasterStatus("m3", "127.0.0.1:5703", "", Role.FOLLOWER, leaderRevision, 1_764_115_202_000L));
        return new ControlPlaneStatus(local, role, localRevision, leader, leaderRevision, leaderless ? 0 : 7, masters);
    }

    void set(ControlPlaneStatus status) {
        this.status = status;
    }

    @Override
    public ControlPlaneStatus status() {
        return status;
    }

    @Override
    public boolean isLeader() {
        return status.localRole() == Role.LEADER;
    }

    @Override
    public AutoCloseable onChange(Consumer<Boolean> listener) {
        return () -> { };
    }
}
