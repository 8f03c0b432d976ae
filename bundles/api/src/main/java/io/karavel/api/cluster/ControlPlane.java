package io.karavel.api.cluster;

import org.osgi.annotation.versioning.ProviderType;

/**
 * The HA control plane as seen from this master. Registered by the replicated store; absent on a
 * single master (which then is the leader, with no replication).
 */
@ProviderType
public interface ControlPlane {

    /** A snapshot of the control plane now. Never blocks on the network for long. */
    ControlPlaneStatus status();
}
