package io.karavel.kubelet.impl.node;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeAddress;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.NodeStatus;
import io.fabric8.kubernetes.api.model.NodeStatusBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.karavel.api.runtime.RuntimeInfo;
import io.karavel.kubelet.impl.NodeAgentSettings;
import io.karavel.kubelet.impl.Times;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Registers the Node and keeps its status true: capacity, addresses, nodeInfo, conditions. The
 * status is written through {@code nodes/<name>/status} when something other than heartbeat times
 * changed, and at least every {@link NodeAgentSettings#statusReportInterval()} (the kubelet's
 * nodeStatusReportFrequency); liveness itself is the Lease's job ({@link LeaseHeartbeat}).
 */
public final class NodeStatusReporter {

    /** The version this node agent reports, Kubernetes-style. */
    public static final String KUBELET_VERSION = "v1.32.0-karavel";
    /** Node label naming the runtime that runs its pods. */
    public static final String RUNTIME_LABEL = "karavel.io/runtime";
    /** Node label saying whether that runtime isolates containers ("false" for the process runtime). */
    public static final String ISOLATED_LABEL = "karavel.io/runtime-isolated";
    /**
     * Prefix of the Node labels {@code runtime.karavel.io/<name>=true}, one per runtime the node
     * offers: the scheduler's RuntimeClass filter and RuntimeClass nodeSelectors match them.
     */
    public static final String AVAILABLE_LABEL_PREFIX = "runtime.karavel.io/";
    /** Node annotation listing the runtimes the node offers, comma-separated, by name. */
    public static final String AVAILABLE_ANNOTATION = "karavel.io/available-runtimes";

    private static final Logger LOG = LoggerFactory.getLogger(NodeStatusReporter.class);

    private final KubernetesClient client;
    private final NodeAgentSettings settings;
    private volatile RuntimeInfo runtime;
    private volatile List<String> available;
    private final int kubeletPort;
    private final Clock clock;
    private NodeStatus lastWritten;
    private Instant lastWrittenAt = Instant.EPOCH;

    /**
     * @param runtime the default runtime's info
     * @param available the names of every runtime the node offers
     */
    public NodeStatusReporter(KubernetesClient client, NodeAgentSettings settings, RuntimeInfo runtime,
                              List<String> available, int kubeletPort, Clock clock) {
        this.client = client;
        this.settings = settings;
        this.runtime = runtime;
        this.available = List.copyOf(available);
        this.kubeletPort = kubeletPort;
        this.clock = clock;
    }

    /**
     * The node's runtimes changed (its default, or the set it offers): rewrites the runtime labels
     * and annotation (labels of runtimes gone are removed) and the status' nodeInfo.
     */
    public void runtimes(RuntimeInfo defaultRuntime, List<String> names) {
        this.runtime = defaultRuntime;
        this.available = List.copyOf(names);
        Node current = client.nodes().withName(settings.nodeName()).get();
        Map<String, String> labels = new LinkedHashMap<>();
        if (current != null && current.getMetadata().getLabels() != null) {
            for (String key : current.getMetadata().getLabels().keySet()) {
                if (key.startsWith(AVAILABLE_LABEL_PREFIX)) {
                    labels.put(key, null); // JSON merge patch: null removes
                }
            }
        }
        labels.putAll(runtimeLabels());
        Map<String, Object> metadata = new LinkedHashMap<>();
        metadata.put("labels", labels);
        metadata.put("annotations", Map.of(AVAILABLE_ANNOTATION, String.join(",", names)));
        client.nodes().withName(settings.nodeName()).patch(PatchContext.of(PatchType.JSON_MERGE),
                client.getKubernetesSerialization().asJson(Map.of("metadata", metadata)));
        update(true);
    }

    private Map<String, String> runtimeLabels() {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put(RUNTIME_LABEL, runtime.name());
        labels.put(ISOLATED_LABEL, Boolean.toString(runtime.isolated()));
        for (String name : available) {
            labels.put(AVAILABLE_LABEL_PREFIX + name, "true");
        }
        return labels;
    }

    /** The Node's labels: the well-known ones, the runtime's, then the configured ones. */
    Map<String, String> labels() {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put("kubernetes.io/hostname", settings.nodeName());
        labels.put("kubernetes.io/os", "linux");
        labels.put("kubernetes.io/arch", arch());
        labels.putAll(runtimeLabels());
        labels.putAll(settings.labels());
        return labels;
    }

    /**
     * Creates the Node, or takes over an existing one of the same name (a restarted agent):
     * labels are merged in and the status rewritten. Returns the Node as stored.
     */
    public Node register() {
        Node wanted = new NodeBuilder()
                .withNewMetadata().withName(settings.nodeName()).withLabels(labels())
                .addToAnnotations(AVAILABLE_ANNOTATION, String.join(",", available)).endMetadata()
                .withNewSpec().endSpec()
                .build();
        Node node;
        try {
            node = client.nodes().resource(wanted).create();
            LOG.info("registered node {}", settings.nodeName());
        } catch (KubernetesClientException e) {
            if (e.getCode() != 409) {
                throw e;
            }
            node = client.nodes().withName(settings.nodeName()).edit(existing -> {
                // runtimes offered before the restart may be gone
                existing.getMetadata().getLabels().keySet().removeIf(k -> k.startsWith(AVAILABLE_LABEL_PREFIX));
                existing.getMetadata().getLabels().putAll(labels());
                if (existing.getMetadata().getAnnotations() == null) {
                    existing.getMetadata().setAnnotations(new LinkedHashMap<>());
                }
                existing.getMetadata().getAnnotations().put(AVAILABLE_ANNOTATION, String.join(",", available));
                return existing;
            });
            LOG.info("node {} already registered: taking it over", settings.nodeName());
        }
        lastWritten = null;
        update(true);
        return node;
    }

    /** Recomputes the status and writes it if it changed (or {@code force}, or it is due). */
    public void update(boolean force) {
        Instant now = clock.instant();
        boolean due = now.isAfter(lastWrittenAt.plus(settings.statusReportInterval()));
        if (!force && !due && lastWritten != null && !conditionsAsWritten()) {
            // someone else (the node lifecycle controller, after missed heartbeats) changed our
            // conditions: post ours again, with new transition times
            lastWritten = null;
        }
        NodeStatus status = status(now);
        if (!force && !due && lastWritten != null && sameIgnoringHeartbeats(status, lastWritten)) {
            return;
        }
        Node patch = new NodeBuilder().withStatus(status).build();
        client.nodes().withName(settings.nodeName()).subresource("status")
                .patch(PatchContext.of(PatchType.STRATEGIC_MERGE), client.getKubernetesSerialization().asJson(patch));
        lastWritten = status;
        lastWrittenAt = now;
    }

    /**
     * Whether the Node's conditions in the API still have the statuses this agent last wrote, as
     * the kubelet compares with the Node it fetched.
     */
    private boolean conditionsAsWritten() {
        Node current = client.nodes().withName(settings.nodeName()).get();
        if (current == null || current.getStatus() == null) {
            return false;
        }
        Map<String, String> posted = new java.util.HashMap<>();
        for (NodeCondition c : current.getStatus().getConditions()) {
            posted.put(c.getType(), c.getStatus());
        }
        for (NodeCondition mine : lastWritten.getConditions()) {
            if (!mine.getStatus().equals(posted.get(mine.getType()))) {
                return false;
            }
        }
        return true;
    }

    private NodeStatus status(Instant now) {
        String time = Times.format(now);
        Map<String, Quantity> capacity = new LinkedHashMap<>();
        capacity.put("cpu", new Quantity(settings.cpu()));
        capacity.put("memory", new Quantity(settings.memory()));
        capacity.put("pods", new Quantity(Integer.toString(settings.maxPods())));
        List<NodeCondition> conditions = new ArrayList<>();
        conditions.add(condition("Ready", "True", "KubeletReady", "kubelet is posting ready status", time));
        conditions.add(condition("MemoryPressure", "False", "KubeletHasSufficientMemory",
                "kubelet has sufficient memory available", time));
        conditions.add(condition("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure", time));
        conditions.add(condition("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available", time));
        return new NodeStatusBuilder()
                .withCapacity(capacity)
                .withAllocatable(capacity)
                .withAddresses(new NodeAddress(settings.nodeAddress(), "InternalIP"),
                        new NodeAddress(settings.nodeName(), "Hostname"))
                .withNewDaemonEndpoints().withNewKubeletEndpoint().withPort(Math.max(kubeletPort, 0))
                .endKubeletEndpoint().endDaemonEndpoints()
                .withNewNodeInfo()
                .withArchitecture(arch())
                .withOperatingSystem("linux")
                .withOsImage(System.getProperty("os.name") + " " + System.getProperty("os.version"))
                .withKernelVersion(System.getProperty("os.version"))
                .withContainerRuntimeVersion(runtime.name() + "://" + runtime.version())
                .withKubeletVersion(KUBELET_VERSION)
                .withKubeProxyVersion(KUBELET_VERSION)
                .withMachineID(settings.nodeName())
                .withSystemUUID(settings.nodeName())
                .withBootID("")
                .endNodeInfo()
                .withConditions(conditions)
                .build();
    }

    private NodeCondition condition(String type, String status, String reason, String message, String now) {
        String transition = now;
        if (lastWritten != null) {
            for (NodeCondition previous : lastWritten.getConditions()) {
                if (previous.getType().equals(type) && previous.getStatus().equals(status)) {
                    transition = previous.getLastTransitionTime();
                }
            }
        }
        return new NodeCondition(now, transition, message, reason, status, type);
    }

    private static boolean sameIgnoringHeartbeats(NodeStatus a, NodeStatus b) {
        NodeStatus x = new NodeStatusBuilder(a).withConditions(withoutHeartbeats(a.getConditions())).build();
        NodeStatus y = new NodeStatusBuilder(b).withConditions(withoutHeartbeats(b.getConditions())).build();
        return Objects.equals(x, y);
    }

    private static List<NodeCondition> withoutHeartbeats(List<NodeCondition> conditions) {
        List<NodeCondition> result = new ArrayList<>();
        for (NodeCondition c : conditions) {
            result.add(new NodeCondition(null, c.getLastTransitionTime(), c.getMessage(), c.getReason(), c.getStatus(),
                    c.getType()));
        }
        return result;
    }

    private static String arch() {
        String arch = System.getProperty("os.arch");
        return switch (arch) {
            case "x86_64", "amd64" -> "amd64";
            case "aarch64" -> "arm64";
            default -> arch;
        };
    }
}
