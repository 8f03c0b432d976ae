package io.karavel.api.cluster;

import java.util.List;
import java.util.Objects;

/**
 * The control plane from one master's point of view.
 *
 * @param localName this master's member name
 * @param localRole this master's role now
 * @param localRevision the last revision applied to this master's replica
 * @param leaderName the leader's member name; empty when there is none
 * @param leaderRevision the leader's last committed revision as last seen here; equals
 *     {@code localRevision} on the leader
 * @param term the leader's fencing token (from the leader lock); 0 when there is no leader
 * @param masters every master that reported recently, this one included, by name
 */
public record ControlPlaneStatus(String localName, Role localRole, long localRevision, String leaderName,
        long leaderRevision, long term, List<MasterStatus> masters) {
    public ControlPlaneStatus {
        Objects.requireNonNull(localName, "localName");
        Objects.requireNonNull(localRole, "localRole");
        Objects.requireNonNull(leaderName, "leaderName");
        masters = List.copyOf(masters);
    }

    /** How many revisions this master's replica is behind the leader (0 on the leader). */
    public long replicationLag() {
        return Math.max(0, leaderRevision - localRevision);
    }
}
