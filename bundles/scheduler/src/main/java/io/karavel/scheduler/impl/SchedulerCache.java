package io.karavel.scheduler.impl;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.karavel.api.scheduler.NodeInfo;
import io.karavel.api.scheduler.Resources;
import io.karavel.scheduler.plugins.Pods;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The scheduler's view of the cluster: per node, the Node and the pods on it, bound (from the
 * informer) or assumed (placed by this scheduler, binding in flight), as kube-scheduler's cache.
 * Every change rebuilds that node's immutable {@link NodeInfo}; {@link #snapshot()} hands the
 * scheduling cycle an array it may read without locks while the cache moves on.
 */
final class SchedulerCache {

    /** A pod the cache counts on a node, with what it costs computed once. */
    private record PodEntry(Pod pod, String nodeName, Resources requests, List<String> hostPorts, boolean assumed) {}

    private static final class NodeState {
        Node node;
        Resources allocatable = Resources.ZERO;
        final Map<String, PodEntry> pods = new LinkedHashMap<>();
        int index = -1;
    }

    private final Object lock = new Object();
    private final Map<String, NodeState> nodes = new HashMap<>();
    private final Map<String, PodEntry> pods = new HashMap<>();
    /** Nodes with a Node object, by index; each slot is replaced, never mutated. */
    private final List<NodeInfoImpl> infos = new ArrayList<>();
    private final List<String> infoNames = new ArrayList<>();
    private NodeInfo[] published = new NodeInfo[0];
    private boolean dirty;

    static String key(Pod pod) {
        return pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName();
    }

    /** The nodes as of now, in a stable order (nodes keep their index until one is removed). */
    NodeInfo[] snapshot() {
        synchronized (lock) {
            if (dirty) {
                published = infos.toArray(new NodeInfo[0]);
                dirty = false;
            }
            return published;
        }
    }

    int nodeCount() {
        synchronized (lock) {
            return infos.size();
        }
    }

    void addOrUpdateNode(Node node) {
        String name = node.getMetadata().getName();
        Resources allocatable = Pods.allocatable(node);
        synchronized (lock) {
            NodeState state = nodes.computeIfAbsent(name, n -> new NodeState());
            state.node = node;
            state.allocatable = allocatable;
            if (state.index < 0) {
                state.index = infos.size();
                infos.add(null);
                infoNames.add(name);
            }
            rebuild(state);
        }
    }

    void removeNode(String name) {
        synchronized (lock) {
            NodeState state = nodes.get(name);
            if (state == null || state.node == null) {
                return;
            }
            state.node = null;
            infos.remove(state.index);
            infoNames.remove(state.index);
            for (int i = state.index; i < infoNames.size(); i++) {
                nodes.get(infoNames.get(i)).index = i;
            }
            state.index = -1;
            if (state.pods.isEmpty()) {
                nodes.remove(name);
            }
            dirty = true;
        }
    }

    /**
     * A pod the informer shows bound to a node (also the confirmation of an assumed pod). A pod
     * that finished or left its node is removed.
     */
    void addOrUpdateBoundPod(Pod pod) {
        String nodeName = pod.getSpec().getNodeName();
        PodEntry entry = new PodEntry(pod, nodeName, Pods.requests(pod), Pods.hostPorts(pod), false);
        synchronized (lock) {
            PodEntry old = pods.put(key(pod), entry);
            if (old != null && !old.nodeName().equals(nodeName)) {
                removeFromNode(old);
            }
            NodeState state = nodes.computeIfAbsent(nodeName, n -> new NodeState());
            state.pods.put(key(pod), entry);
            rebuild(state);
        }
    }

    void removePod(Pod pod) {
        synchronized (lock) {
            PodEntry old = pods.remove(key(pod));
            if (old != null) {
                removeFromNode(old);
            }
        }
    }

    /** Counts the pod on the node before its binding is written, so the next cycles see it there. */
    void assume(Pod pod, String nodeName, Resources requests) {
        PodEntry entry = new PodEntry(pod, nodeName, requests, Pods.hostPorts(pod), true);
        synchronized (lock) {
            PodEntry old = pods.putIfAbsent(key(pod), entry);
            if (old != null) {
                return; // the informer already reported it bound
            }
            NodeState state = nodes.computeIfAbsent(nodeName, n -> new NodeState());
            state.pods.put(key(pod), entry);
            rebuild(state);
        }
    }

    /** Drops an assumption whose binding failed (a bound pod stays). */
    void forget(Pod pod) {
        synchronized (lock) {
            PodEntry old = pods.get(key(pod));
            if (old != null && old.assumed()) {
                pods.remove(key(pod));
                removeFromNode(old);
            }
        }
    }

    boolean isAssumed(Pod pod) {
        synchronized (lock) {
            PodEntry entry = pods.get(key(pod));
            return entry != null && entry.assumed();
        }
    }

    private void removeFromNode(PodEntry entry) {
        NodeState state = nodes.get(entry.nodeName());
        if (state == null) {
            return;
        }
        state.pods.remove(key(entry.pod()));
        if (state.node == null && state.pods.isEmpty()) {
            nodes.remove(entry.nodeName());
        } else {
            rebuild(state);
        }
    }

    private void rebuild(NodeState state) {
        if (state.node == null) {
            return;
        }
        List<Pod> podList = new ArrayList<>(state.pods.size());
        long cpu = 0;
        long memory = 0;
        Set<String> ports = null;
        for (PodEntry e : state.pods.values()) {
            podList.add(e.pod());
            cpu += e.requests().milliCpu();
            memory += e.requests().memoryBytes();
            if (!e.hostPorts().isEmpty()) {
                if (ports == null) {
                    ports = new HashSet<>();
                }
                ports.addAll(e.hostPorts());
            }
        }
        Resources requested = new Resources(cpu, memory, state.pods.size());
        infos.set(state.index, new NodeInfoImpl(state.node, state.node.getMetadata().getName(), podList,
                state.allocatable, requested, ports == null ? Set.of() : ports));
        dirty = true;
    }

    @Override
    public String toString() {
        return "SchedulerCache" + Arrays.toString(snapshot());
    }
}
