package io.karavel.apiserver.impl.cluster;

import io.karavel.api.cluster.ControlPlane;
import io.karavel.api.controller.LeaderElection;
import java.util.function.Supplier;

/**
 * The HA services this API server consults when the replicated store provides them. Suppliers
 * rather than the services themselves: they come, go and are replaced while the server runs
 * (dynamic references), and each use reads the current one. A supplier answering null means the
 * service is absent: a single master, which is its own leader.
 *
 * @param controlPlane the control plane's status, or null
 * @param leaderElection who runs the control loops, or null
 */
public record ControlPlaneServices(Supplier<ControlPlane> controlPlane, Supplier<LeaderElection> leaderElection) {

    /** A single master: no control plane, always the leader. */
    public static ControlPlaneServices standalone() {
        return new ControlPlaneServices(() -> null, () -> null);
    }

    /** Whether this master should do the cluster-wide housekeeping (absent election: yes). */
    public boolean isLeader() {
        LeaderElection election = leaderElection.get();
        return election == null || election.isLeader();
    }
}
