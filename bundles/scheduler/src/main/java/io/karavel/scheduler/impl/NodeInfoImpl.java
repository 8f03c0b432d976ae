package io.karavel.scheduler.impl;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Taint;
import io.karavel.api.scheduler.NodeInfo;
import io.karavel.api.scheduler.Resources;
import io.karavel.scheduler.plugins.NodeFacts;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An immutable node snapshot; the cache builds a new one on every change of the node or its pods.
 * It carries the built-in plugins' {@link NodeFacts} as its own fields: filtering hundreds of
 * nodes per pod is bound by memory access, and one object per node is what a filter touches.
 */
final class NodeInfoImpl implements NodeInfo, NodeFacts {
    private final Node node;
    private final String name;
    private final List<Pod> pods;
    private final Resources allocatable;
    private final Resources requested;
    private final Set<String> usedHostPorts;
    private final boolean ready;
    private final boolean unschedulable;
    private final List<Taint> taints;
    private final Map<String, String> labels;
    private final Map<String, Integer> controllerCounts;
    private final long allocatableMilliCpu;
    private final long allocatableMemory;
    private final long allocatablePods;
    private final long requestedMilliCpu;
    private final long requestedMemory;
    private final long nonZeroRequestedMilliCpu;
    private final long nonZeroRequestedMemory;
    private final long requestedPods;

    NodeInfoImpl(Node node, String name, List<Pod> pods, Resources allocatable, Resources requested,
            Set<String> usedHostPorts) {
        this.node = node;
        this.name = name;
        this.pods = List.copyOf(pods);
        this.allocatable = allocatable;
        this.requested = requested;
        this.usedHostPorts = Set.copyOf(usedHostPorts);
        NodeFacts.Computed facts = NodeFacts.Computed.of(node, pods, allocatable, requested);
        this.ready = facts.ready();
        this.unschedulable = facts.unschedulable();
        this.taints = facts.taints();
        this.labels = facts.labels();
        this.controllerCounts = facts.controllerCounts();
        this.allocatableMilliCpu = allocatable.milliCpu();
        this.allocatableMemory = allocatable.memoryBytes();
        this.allocatablePods = allocatable.pods();
        this.requestedMilliCpu = requested.milliCpu();
        this.requestedMemory = requested.memoryBytes();
        this.requestedPods = requested.pods();
        this.nonZeroRequestedMilliCpu = facts.nonZeroRequestedMilliCpu();
        this.nonZeroRequestedMemory = facts.nonZeroRequestedMemory();
    }

    @Override
    public long nonZeroRequestedMilliCpu() {
        return nonZeroRequestedMilliCpu;
    }

    @Override
    public long nonZeroRequestedMemory() {
        return nonZeroRequestedMemory;
    }

    @Override
    public Node node() {
        return node;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public List<Pod> pods() {
        return pods;
    }

    @Override
    public Resources allocatable() {
        return allocatable;
    }

    @Override
    public Resources requested() {
        return requested;
    }

    @Override
    public Set<String> usedHostPorts() {
        return usedHostPorts;
    }

    @Override
    public boolean ready() {
        return ready;
    }

    @Override
    public boolean unschedulable() {
        return unschedulable;
    }

    @Override
    public List<Taint> taints() {
        return taints;
    }

    @Override
    public Map<String, String> labels() {
        return labels;
    }

    @Override
    public Map<String, Integer> controllerCounts() {
        return controllerCounts;
    }

    @Override
    public long allocatableMilliCpu() {
        return allocatableMilliCpu;
    }

    @Override
    public long allocatableMemory() {
        return allocatableMemory;
    }

    @Override
    public long allocatablePods() {
        return allocatablePods;
    }

    @Override
    public long requestedMilliCpu() {
        return requestedMilliCpu;
    }

    @Override
    public long requestedMemory() {
        return requestedMemory;
    }

    @Override
    public long requestedPods() {
        return requestedPods;
    }

    @Override
    public String toString() {
        return name + "(" + requestedPods + " pods, " + requestedMilliCpu + "m/" + allocatableMilliCpu + "m)";
    }
}
