package io.karavel.store.hazelcast.impl;

import io.karavel.api.cluster.MasterStatus;
import io.karavel.api.cluster.Role;
import java.io.Serializable;

/**
 * What each master publishes about itself every second (map {@value ChangeLog#MASTERS_MAP},
 * entries expire when a master stops reporting).
 *
 * @param appliedSeq the next log sequence number it will apply (the leader trims below the
 *     smallest one)
 */
record MemberReport(String name, String clusterAddress, String apiUrl, String role, long revision, long appliedSeq,
        long reportedAtMillis) implements Serializable {
    private static final long serialVersionUID = 1L;

    MasterStatus toStatus() {
        return new MasterStatus(name, clusterAddress, apiUrl, Role.valueOf(role), revision, reportedAtMillis);
    }
}
