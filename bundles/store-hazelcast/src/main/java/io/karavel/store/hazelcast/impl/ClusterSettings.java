package io.karavel.store.hazelcast.impl;

import io.karavel.store.mapdb.impl.MapDbStore;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * How this master joins the others: everything {@link ReplicatedStore} needs, read from the
 * component configuration (see {@code etc/io.karavel.store.hazelcast.cfg} for each meaning).
 *
 * @param members every master's Hazelcast address, {@code host:port}, this one included
 * @param host this master's Hazelcast bind address
 * @param port this master's Hazelcast port
 * @param memberName this master's name, unique among the masters
 * @param clusterName the Hazelcast cluster name (masters of different clusters never join)
 * @param apiUrl this master's API server URL, shown in the cluster status
 * @param dir the directory of this master's local replica
 * @param storeOptions the local replica's tuning
 * @param sessionTtl how long the leader lock outlives a master that stopped heartbeating
 * @param raftLeaderHeartbeat the CP Raft leader's heartbeat period
 * @param raftMissedHeartbeats missed heartbeats before a CP Raft follower starts an election
 * @param memberHeartbeatTimeout silence after which a master is removed from the cluster
 * @param forwardTimeout how long a follower waits for the leader to commit a forwarded write
 * @param lockCheckTimeout how long a commit waits to confirm the leader still holds the lock
 * @param logRetention log entries (batches) kept for masters that catch up from the log
 * @param bootstrapWait on a fresh log, how long to wait for every master before a majority elects
 *     the one with the newest data
 */
record ClusterSettings(List<String> members, String host, int port, String memberName, String clusterName,
        String apiUrl, Path dir, MapDbStore.Options storeOptions, Duration sessionTtl, Duration raftLeaderHeartbeat,
        int raftMissedHeartbeats, Duration memberHeartbeatTimeout, Duration forwardTimeout,
        Duration lockCheckTimeout, int logRetention, Duration bootstrapWait) {

    ClusterSettings {
        members = List.copyOf(members);
        Objects.requireNonNull(memberName, "memberName");
        if (members.size() < 3) {
            // Raft needs 3 members to survive the loss of one; 2 masters would be less available than 1.
            throw new IllegalArgumentException("an HA control plane needs at least 3 masters in `members`, got "
                    + members);
        }
        if (members.size() > 7) {
            throw new IllegalArgumentException("at most 7 masters are supported (3 or 5 recommended), got "
                    + members.size());
        }
        if (logRetention < 1) {
            throw new IllegalArgumentException("log.retention must be at least 1");
        }
    }

    /** Parses {@code host:port, host:port, ...}; blanks are ignored. */
    static List<String> parseMembers(String list) {
        if (list == null || list.isBlank()) {
            return List.of();
        }
        return Arrays.stream(list.split(","))
                .map(String::trim)
                .filter(s -> !s.isEmpty())
                .map(ClusterSettings::checkAddress)
                .toList();
    }

    private static String checkAddress(String address) {
        int colon = address.lastIndexOf(':');
        if (colon <= 0 || colon == address.length() - 1) {
            throw new IllegalArgumentException("master address '" + address + "' is not host:port");
        }
        try {
            Integer.parseInt(address.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("master address '" + address + "' has no numeric port");
        }
        return address;
    }

    /** The CP Subsystem spans every master: Raft majority = a majority of the masters. */
    int cpMemberCount() {
        return members.size();
    }

    /** Raft groups have an odd size: with 4 or 6 masters one of them is a spare CP member. */
    int cpGroupSize() {
        return members.size() % 2 == 1 ? members.size() : members.size() - 1;
    }

    /** A majority of the configured masters. */
    int majority() {
        return members.size() / 2 + 1;
    }

    String clusterAddress() {
        return host + ":" + port;
    }
}
