package io.karavel.apiserver.impl.cluster;

import io.karavel.api.cluster.ControlPlane;
import io.karavel.api.cluster.ControlPlaneStatus;
import io.karavel.api.cluster.Role;
import io.karavel.apiserver.impl.http.Readyz;
import java.util.function.Supplier;

/**
 * The {@code replication} check of {@code /readyz}: a master is ready to serve when it leads or
 * follows a leader; catching up (its replica still far behind) or without a leader, it is not,
 * so load balancers and clients move to another master. A single master has no replication and
 * passes.
 */
public final class ReplicationCheck implements Supplier<Readyz.Result> {
    public static final String NAME = "replication";

    private final ControlPlaneServices services;

    public ReplicationCheck(ControlPlaneServices services) {
        this.services = services;
    }

    @Override
    public Readyz.Result get() {
        ControlPlane controlPlane = services.controlPlane().get();
        if (controlPlane == null) {
            return Readyz.Result.ok("standalone, no replication");
        }
        ControlPlaneStatus status = controlPlane.status();
        Role role = status.localRole();
        String where = status.leaderName().isEmpty()
                ? "no leader"
                : "lag=" + status.replicationLag() + " revisions, leader=" + status.leaderName() + ", term=" + status.term();
        if (role == Role.LEADER || role == Role.FOLLOWER) {
            return Readyz.Result.ok("role=" + role + ", " + where);
        }
        return Readyz.Result.failed("role=" + role + " (" + where + ")");
    }
}
