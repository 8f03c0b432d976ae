package io.karavel.scheduler.impl;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.karavel.api.scheduler.NodeInfo;
import io.karavel.api.scheduler.Resources;
import io.karavel.scheduler.plugins.NodeFacts;
import java.util.List;
import java.util.Set;

/** An immutable node snapshot; the cache builds a new one on every change of the node or its pods. */
record NodeInfoImpl(
        Node node,
        String name,
        List<Pod> pods,
        Resources allocatable,
        Resources requested,
        Set<String> usedHostPorts,
        NodeFacts facts) implements NodeInfo, NodeFacts.Carrier {

    NodeInfoImpl(Node node, String name, List<Pod> pods, Resources allocatable, Resources requested,
            Set<String> usedHostPorts) {
        this(node, name, List.copyOf(pods), allocatable, requested, Set.copyOf(usedHostPorts),
                NodeFacts.compute(node, pods));
    }
}
