package io.karavel.store.hazelcast.impl;

import com.hazelcast.config.AdvancedNetworkConfig;
import com.hazelcast.config.Config;
import com.hazelcast.config.ExecutorConfig;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.MapConfig;
import com.hazelcast.config.MergePolicyConfig;
import com.hazelcast.config.ServerSocketEndpointConfig;
import com.hazelcast.config.cp.CPSubsystemConfig;
import com.hazelcast.config.cp.FencedLockConfig;
import com.hazelcast.spi.merge.DiscardMergePolicy;

/** The Hazelcast member configuration of a master. */
final class HazelcastConfigs {
    private HazelcastConfigs() {}

    static final String LEADER_LOCK = "karavel-leader";
    static final String FORWARD_EXECUTOR = "karavel-forward";

    static Config memberConfig(ClusterSettings settings, ClassLoader classLoader) {
        Config config = new Config();
        config.setClusterName(settings.clusterName());
        config.setInstanceName("karavel-" + settings.memberName());
        // Log entries, heads and tasks are this bundle's classes: Hazelcast must resolve them here.
        config.setClassLoader(classLoader);
        config.getMemberAttributeConfig().setAttribute("karavel.name", settings.memberName());

        config.setProperty("hazelcast.logging.type", "slf4j");
        config.setProperty("hazelcast.phone.home.enabled", "false");
        config.setProperty("hazelcast.shutdownhook.enabled", "false");
        // A sync backup that times out must fail the write, not let it pass as if replicated
        // (STACK.md: otherwise IMap writes succeed after the backup timeout).
        config.setProperty("hazelcast.operation.fail.on.indeterminate.state", "true");
        config.setProperty("hazelcast.operation.backup.timeout.millis", "3000");
        // Failure detection in seconds rather than Hazelcast's minute: failover time depends on it.
        long heartbeatTimeout = Math.max(2, settings.memberHeartbeatTimeout().toSeconds());
        config.setProperty("hazelcast.heartbeat.interval.seconds", "1");
        config.setProperty("hazelcast.max.no.heartbeat.seconds", Long.toString(heartbeatTimeout));
        config.setProperty("hazelcast.wait.seconds.before.join", "1");
        config.setProperty("hazelcast.merge.first.run.delay.seconds", "5");
        config.setProperty("hazelcast.merge.next.run.delay.seconds", "5");
        // A handful of small maps: fewer partitions make joins and migrations quick.
        config.setProperty("hazelcast.partition.count", "31");
        // No Raft leadership rebalancing (two groups, nothing to balance): it can pick a dead master's
        // CP member still listed, and a transfer whose target is then removed never ends, every
        // append to that group refused (CannotReplicateException) for good.
        config.setProperty("hazelcast.raft.leadership.rebalance.period", Integer.toString(Integer.MAX_VALUE));

        // The member endpoint of the advanced network config, not the default unified one: on a
        // connection to a master that is frozen (SIGSTOP, a long GC pause) the kernel completes the
        // TCP handshake but the peer never answers the protocol header. The unified encoder then
        // reprocesses its queued frames in a busy loop on an IO thread, starving the connections
        // to the live masters on that thread until they suspect each other and the cluster splits
        // (seen as ~6 million empty pipeline passes a second). The member encoder blocks instead.
        ServerSocketEndpointConfig memberEndpoint = new ServerSocketEndpointConfig()
                .setPort(settings.port()).setPortAutoIncrement(false);
        memberEndpoint.getInterfaces().setEnabled(true).addInterface(settings.host());
        AdvancedNetworkConfig network = config.getAdvancedNetworkConfig().setEnabled(true);
        network.setMemberEndpointConfig(memberEndpoint);
        config.setProperty("hazelcast.local.localAddress", settings.host());
        JoinConfig join = network.getJoin();
        join.getMulticastConfig().setEnabled(false);
        join.getAutoDetectionConfig().setEnabled(false);
        join.getTcpIpConfig().setEnabled(true).setMembers(settings.members());

        CPSubsystemConfig cp = config.getCPSubsystemConfig();
        cp.setCPMemberCount(settings.cpMemberCount());
        cp.setGroupSize(settings.cpGroupSize());
        int ttl = (int) Math.max(2, settings.sessionTtl().toSeconds());
        cp.setSessionHeartbeatIntervalSeconds(1);
        cp.setSessionTimeToLiveSeconds(ttl);
        // A dead master's CP seat is freed by its replacement (see CpSeats); this is the fallback.
        cp.setMissingCPMemberAutoRemovalSeconds(Math.max(ttl, 60));
        cp.getRaftAlgorithmConfig()
                .setLeaderHeartbeatPeriodInMillis(settings.raftLeaderHeartbeat().toMillis())
                .setMaxMissedLeaderHeartbeatCount(settings.raftMissedHeartbeats())
                .setLeaderElectionTimeoutInMillis(Math.max(500, settings.raftLeaderHeartbeat().toMillis() * 2));
        // Not reentrant: the leader takes it once, on its leadership thread.
        cp.addLockConfig(new FencedLockConfig(LEADER_LOCK, 1));

        // Every master keeps every entry (sync backups), so a leader's death loses no appended batch.
        int backups = Math.min(6, settings.members().size() - 1);
        for (String name : new String[] {ChangeLog.LOG_MAP, ChangeLog.MASTERS_MAP}) {
            MapConfig map = new MapConfig(name).setBackupCount(backups).setAsyncBackupCount(0);
            // After a split heals, the side that kept the cluster wins: entries a cut-off master
            // holds must never overwrite the current ones.
            map.setMergePolicyConfig(new MergePolicyConfig(DiscardMergePolicy.class.getName(), 100));
            config.addMapConfig(map);
        }
        config.addExecutorConfig(new ExecutorConfig(FORWARD_EXECUTOR, 16));
        return config;
    }
}
