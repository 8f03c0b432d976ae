package io.karavel.scheduler.plugins;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.Toleration;
import io.karavel.api.scheduler.FilterStatus;
import io.karavel.api.scheduler.Resources;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What the scheduler reads from pods and nodes, computed the way kube-scheduler does: effective
 * requests, allocatable, host ports, tolerations, the controlling owner.
 */
public final class Pods {
    private static final BigDecimal THOUSAND = BigDecimal.valueOf(1000);

    /**
     * A filter's answer when it does not apply to the pod at all (no node selector, no host
     * ports...): the scheduler then stops asking it about this pod's other nodes, as a
     * Kubernetes PreFilter returning Skip does.
     */
    public static final FilterStatus SKIP = new FilterStatus(FilterStatus.Code.SKIP, List.of());

    private Pods() {}

    /**
     * The pod's effective requests: the larger of the sum of its containers and each init
     * container, plus overhead, with {@code pods = 1}.
     */
    public static Resources requests(Pod pod) {
        long cpu = 0;
        long memory = 0;
        if (pod.getSpec() == null) {
            return new Resources(0, 0, 1);
        }
        for (Container c : nullSafe(pod.getSpec().getContainers())) {
            Map<String, Quantity> r = c.getResources() == null ? null : c.getResources().getRequests();
            cpu += milliCpu(r);
            memory += bytes(r, "memory");
        }
        for (Container c : nullSafe(pod.getSpec().getInitContainers())) {
            Map<String, Quantity> r = c.getResources() == null ? null : c.getResources().getRequests();
            cpu = Math.max(cpu, milliCpu(r));
            memory = Math.max(memory, bytes(r, "memory"));
        }
        Map<String, Quantity> overhead = pod.getSpec().getOverhead();
        cpu += milliCpu(overhead);
        memory += bytes(overhead, "memory");
        return new Resources(cpu, memory, 1);
    }

    /** {@code status.allocatable}, else {@code status.capacity}, per resource. */
    public static Resources allocatable(Node node) {
        Map<String, Quantity> allocatable = node.getStatus() == null ? null : node.getStatus().getAllocatable();
        Map<String, Quantity> capacity = node.getStatus() == null ? null : node.getStatus().getCapacity();
        return new Resources(
                milliCpu(pick(allocatable, capacity, "cpu")),
                bytes(pick(allocatable, capacity, "memory"), "memory"),
                bytes(pick(allocatable, capacity, "pods"), "pods"));
    }

    private static Map<String, Quantity> pick(Map<String, Quantity> first, Map<String, Quantity> second, String key) {
        return first != null && first.containsKey(key) ? first : second;
    }

    private static long milliCpu(Map<String, Quantity> resources) {
        Quantity q = resources == null ? null : resources.get("cpu");
        if (q == null) {
            return 0;
        }
        return Quantity.getAmountInBytes(q).multiply(THOUSAND).setScale(0, RoundingMode.CEILING).longValue();
    }

    private static long bytes(Map<String, Quantity> resources, String key) {
        Quantity q = resources == null ? null : resources.get(key);
        if (q == null) {
            return 0;
        }
        return Quantity.getAmountInBytes(q).setScale(0, RoundingMode.CEILING).longValue();
    }

    /** The host ports the pod asks for, as {@code protocol/hostIP/port} (hostIP {@code 0.0.0.0} when unset). */
    public static List<String> hostPorts(Pod pod) {
        if (pod.getSpec() == null) {
            return List.of();
        }
        List<String> ports = null;
        for (Container c : nullSafe(pod.getSpec().getContainers())) {
            for (ContainerPort p : nullSafe(c.getPorts())) {
                if (p.getHostPort() != null && p.getHostPort() > 0) {
                    if (ports == null) {
                        ports = new ArrayList<>();
                    }
                    String protocol = p.getProtocol() == null || p.getProtocol().isEmpty() ? "TCP" : p.getProtocol();
                    String ip = p.getHostIP() == null || p.getHostIP().isEmpty() ? "0.0.0.0" : p.getHostIP();
                    ports.add(protocol + "/" + ip + "/" + p.getHostPort());
                }
            }
        }
        return ports == null ? List.of() : ports;
    }

    /**
     * Whether one of the tolerations tolerates the taint, as {@code v1.Toleration.ToleratesTaint}:
     * an empty effect matches every effect, an empty key with {@code Exists} matches every key.
     */
    public static boolean tolerates(List<Toleration> tolerations, Taint taint) {
        for (Toleration t : tolerations) {
            String effect = t.getEffect();
            if (effect != null && !effect.isEmpty() && !effect.equals(taint.getEffect())) {
                continue;
            }
            String key = t.getKey();
            boolean exists = "Exists".equals(t.getOperator());
            if (key == null || key.isEmpty()) {
                if (exists) {
                    return true;
                }
                continue;
            }
            if (!key.equals(taint.getKey())) {
                continue;
            }
            if (exists) {
                return true;
            }
            String want = t.getValue() == null ? "" : t.getValue();
            String have = taint.getValue() == null ? "" : taint.getValue();
            if (want.equals(have)) {
                return true;
            }
        }
        return false;
    }

    /** The pod's tolerations, never null. */
    public static List<Toleration> tolerations(Pod pod) {
        return pod.getSpec() == null ? List.of() : nullSafe(pod.getSpec().getTolerations());
    }

    /** The node's taints, never null. */
    public static List<Taint> taints(Node node) {
        return node.getSpec() == null ? List.of() : nullSafe(node.getSpec().getTaints());
    }

    /** The uid of the pod's controlling owner (e.g. its ReplicaSet), or null. */
    public static String controllerUid(Pod pod) {
        for (OwnerReference ref : nullSafe(pod.getMetadata().getOwnerReferences())) {
            if (Boolean.TRUE.equals(ref.getController())) {
                return ref.getUid();
            }
        }
        return null;
    }

    static <T> List<T> nullSafe(List<T> list) {
        return list == null ? List.of() : list;
    }
}
