package io.karavel.scheduler.plugins;

import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Taint;
import io.karavel.api.scheduler.NodeInfo;
import io.karavel.api.scheduler.PodInfo;
import io.karavel.api.scheduler.Resources;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Synthetic nodes, pods and node snapshots for plugin and scheduler tests. */
public final class Fixtures {
    private Fixtures() {}

    /** A Ready node with {@code cpu} cores, {@code memory} (e.g. {@code 8Gi}) and room for 110 pods. */
    public static Node node(String name, String cpu, String memory) {
        return nodeBuilder(name, cpu, memory).build();
    }

    public static NodeBuilder nodeBuilder(String name, String cpu, String memory) {
        Map<String, Quantity> resources = Map.of("cpu", new Quantity(cpu), "memory", new Quantity(memory),
                "pods", new Quantity("110"));
        return new NodeBuilder()
                .withNewMetadata().withName(name).addToLabels("kubernetes.io/hostname", name).endMetadata()
                .withNewSpec().endSpec()
                .withNewStatus()
                .withCapacity(resources)
                .withAllocatable(resources)
                .addNewCondition().withType("Ready").withStatus("True").endCondition()
                .endStatus();
    }

    public static Taint taint(String key, String value, String effect) {
        return new Taint(effect, key, null, value);
    }

    /** A pending pod in {@code default} with one container requesting {@code cpu} and {@code memory} (null: none). */
    public static Pod pod(String name, String cpu, String memory) {
        return podBuilder(name, cpu, memory).build();
    }

    public static PodBuilder podBuilder(String name, String cpu, String memory) {
        ContainerBuilder container = new ContainerBuilder().withName("main").withImage("busybox");
        if (cpu != null) {
            container.editOrNewResources().addToRequests("cpu", new Quantity(cpu)).endResources();
        }
        if (memory != null) {
            container.editOrNewResources().addToRequests("memory", new Quantity(memory)).endResources();
        }
        return new PodBuilder()
                .withNewMetadata().withName(name).withNamespace("default").endMetadata()
                .withNewSpec().withContainers(container.build()).endSpec();
    }

    public static PodInfo info(Pod pod) {
        return new PodInfo(pod, Pods.requests(pod));
    }

    /** A node snapshot with these pods on it, summed as the scheduler's cache does. */
    public static NodeInfo nodeInfo(Node node, Pod... pods) {
        Resources requested = Resources.ZERO;
        Set<String> ports = new HashSet<>();
        for (Pod p : pods) {
            requested = requested.plus(Pods.requests(p));
            ports.addAll(Pods.hostPorts(p));
        }
        return new TestNodeInfo(node, List.of(pods), Pods.allocatable(node), requested, Set.copyOf(ports));
    }

    record TestNodeInfo(Node node, List<Pod> pods, Resources allocatable, Resources requested, Set<String> usedHostPorts)
            implements NodeInfo {}

    /** Scores every node, then normalizes, as the scheduler does. */
    public static long[] scores(io.karavel.api.scheduler.ScorePlugin plugin, PodInfo pod, List<NodeInfo> nodes) {
        long[] scores = new long[nodes.size()];
        for (int i = 0; i < scores.length; i++) {
            scores[i] = plugin.score(pod, nodes.get(i));
        }
        plugin.normalize(pod, new ArrayList<>(nodes), scores);
        return scores;
    }
}
