package io.karavel.apiserver.impl.service;

import java.time.Duration;

/**
 * Where Service cluster IPs and node ports come from, and how often leaked allocations are
 * repaired.
 *
 * @param clusterIpRange the cluster IP range (IPv4 only)
 * @param nodePortRange the node port range
 * @param repairInterval how often the repair pass runs (it also runs once at startup)
 * @param repairGrace how old an allocation without its Service must be before the repair removes
 *     it: a create allocates before it writes the Service, so a young allocation may just be
 *     waiting for its Service
 */
public record ServiceNetworkSettings(
        Ipv4Range clusterIpRange, PortRange nodePortRange, Duration repairInterval, Duration repairGrace) {
    public static final String DEFAULT_CLUSTER_IP_RANGE = "127.96.0.0/16";
    public static final String DEFAULT_NODE_PORT_RANGE = "30000-32767";
    public static final Duration DEFAULT_REPAIR_INTERVAL = Duration.ofSeconds(60);
    public static final Duration DEFAULT_REPAIR_GRACE = Duration.ofSeconds(60);

    public ServiceNetworkSettings {
        if (repairInterval.isNegative() || repairInterval.isZero()) {
            throw new IllegalArgumentException("the service repair interval must be positive");
        }
        if (repairGrace.isNegative()) {
            throw new IllegalArgumentException("the service repair grace period must not be negative");
        }
    }

    /** The defaults: 127.96.0.0/16, 30000-32767, repair every 60 s, 60 s grace. */
    public static ServiceNetworkSettings defaults() {
        return of(DEFAULT_CLUSTER_IP_RANGE, DEFAULT_NODE_PORT_RANGE);
    }

    /** The given ranges with the default repair timing. */
    public static ServiceNetworkSettings of(String clusterIpRange, String nodePortRange) {
        return new ServiceNetworkSettings(Ipv4Range.parse(clusterIpRange), PortRange.parse(nodePortRange),
                DEFAULT_REPAIR_INTERVAL, DEFAULT_REPAIR_GRACE);
    }

    public ServiceNetworkSettings withRepair(Duration interval, Duration grace) {
        return new ServiceNetworkSettings(clusterIpRange, nodePortRange, interval, grace);
    }
}
