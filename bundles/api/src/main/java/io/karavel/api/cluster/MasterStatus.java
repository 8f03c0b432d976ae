package io.karavel.api.cluster;

import java.util.Objects;

/**
 * One master, as it last reported itself.
 *
 * @param name the master's member name (unique in the cluster)
 * @param clusterAddress its replication address, {@code host:port}
 * @param apiUrl its API server, e.g. {@code http://127.0.0.1:6443}; empty if unknown
 * @param role its role when it last reported
 * @param revision the last revision applied to its replica
 * @param lastSeenMillis when it last reported, epoch milliseconds
 */
public record MasterStatus(String name, String clusterAddress, String apiUrl, Role role, long revision,
        long lastSeenMillis) {
    public MasterStatus {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(clusterAddress, "clusterAddress");
        Objects.requireNonNull(apiUrl, "apiUrl");
        Objects.requireNonNull(role, "role");
    }
}
