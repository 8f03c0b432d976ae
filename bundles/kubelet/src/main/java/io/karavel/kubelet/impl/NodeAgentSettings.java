package io.karavel.kubelet.impl;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * Everything one node agent needs to know, from its configuration (or a test).
 *
 * @param nodeName the Node's name
 * @param nodeAddress the node's address: the Node's InternalIP, the pods' hostIP, where the agent's
 *     HTTP server (logs, exec) listens
 * @param kubeletPort the port of that server, 0 for any free port, -1 for none (hollow nodes)
 * @param rootDir where pod volumes live ({@code <rootDir>/pods/<uid>/volumes/<name>})
 * @param heartbeatInterval how often the node Lease is renewed
 * @param leaseDurationSeconds the Lease's {@code leaseDurationSeconds}
 * @param statusUpdateInterval how often the Node status is recomputed (and written if changed)
 * @param statusReportInterval how often it is written even when unchanged
 * @param syncPeriod how often the runtime's containers are relisted to notice changes (exits), which
 *     wake the pods concerned
 * @param podResyncPeriod how often every pod is synced even when nothing seems to have changed
 * @param backoffInitial first restart back-off after a container failure (Kubernetes: 10 s)
 * @param backoffMax longest restart back-off (Kubernetes: 5 min)
 * @param cpu the node's CPU capacity ("4", "500m")
 * @param memory its memory capacity ("16Gi")
 * @param maxPods how many pods it takes
 * @param labels extra Node labels
 */
public record NodeAgentSettings(String nodeName, String nodeAddress, int kubeletPort, Path rootDir,
                                Duration heartbeatInterval, int leaseDurationSeconds, Duration statusUpdateInterval,
                                Duration statusReportInterval, Duration syncPeriod, Duration podResyncPeriod,
                                Duration backoffInitial,
                                Duration backoffMax, String cpu, String memory, int maxPods,
                                Map<String, String> labels) {
    public NodeAgentSettings {
        labels = Map.copyOf(labels);
    }

    /** The same settings for another node name (hollow nodes share one configuration). */
    public NodeAgentSettings withNodeName(String name, int port) {
        return new NodeAgentSettings(name, nodeAddress, port, rootDir, heartbeatInterval, leaseDurationSeconds,
                statusUpdateInterval, statusReportInterval, syncPeriod, podResyncPeriod, backoffInitial, backoffMax,
                cpu, memory,
                maxPods, labels);
    }
}
