package io.karavel.apiserver.impl.table;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/** The columns kubectl shows for the built-in kinds (Kubernetes' printers), Name and Age aside. */
public final class BuiltinColumns {
    private BuiltinColumns() {}

    public static final List<TableColumn> NAMESPACE = List.of(
            TableColumn.of("Status", o -> o.path("status").path("phase").asText("")));

    public static final List<TableColumn> CONFIG_MAP = List.of(
            new TableColumn("Data", "integer", "Number of entries", 0,
                    o -> o.path("data").size() + o.path("binaryData").size()));

    public static final List<TableColumn> SECRET = List.of(
            TableColumn.of("Type", o -> o.path("type").asText("")),
            new TableColumn("Data", "integer", "Number of entries", 0, o -> o.path("data").size()));

    public static final List<TableColumn> POD = List.of(
            TableColumn.of("Ready", BuiltinColumns::podReady),
            TableColumn.of("Status", BuiltinColumns::podStatus),
            new TableColumn("Restarts", "integer", "Container restarts", 0, BuiltinColumns::restarts),
            TableColumn.wide("IP", o -> orNone(o.path("status").path("podIP").asText(""))),
            TableColumn.wide("Node", o -> orNone(o.path("spec").path("nodeName").asText(""))));

    public static final List<TableColumn> SERVICE = List.of(
            TableColumn.of("Type", o -> o.path("spec").path("type").asText("")),
            TableColumn.of("Cluster-IP", o -> orNone(o.path("spec").path("clusterIP").asText(""))),
            TableColumn.of("External-IP", BuiltinColumns::serviceExternalIp),
            TableColumn.of("Port(s)", BuiltinColumns::servicePorts),
            TableColumn.wide("Selector", o -> selector(o.path("spec").path("selector"))));

    public static final List<TableColumn> NODE = List.of(
            TableColumn.of("Status", BuiltinColumns::nodeStatus),
            TableColumn.of("Roles", o -> "<none>"),
            TableColumn.of("Version", o -> o.path("status").path("nodeInfo").path("kubeletVersion").asText("")),
            TableColumn.wide("Internal-IP", o -> nodeAddress(o, "InternalIP")),
            TableColumn.wide("External-IP", o -> nodeAddress(o, "ExternalIP")),
            TableColumn.wide("OS-Image", o -> orNone(o.path("status").path("nodeInfo").path("osImage").asText(""))),
            TableColumn.wide("Kernel-Version", o -> orNone(o.path("status").path("nodeInfo").path("kernelVersion").asText(""))),
            TableColumn.wide("Container-Runtime", o -> orNone(o.path("status").path("nodeInfo").path("containerRuntimeVersion").asText(""))));

    public static final List<TableColumn> DEPLOYMENT = List.of(
            TableColumn.of("Ready", o -> o.path("status").path("readyReplicas").asInt(0) + "/" + o.path("spec").path("replicas").asInt(0)),
            new TableColumn("Up-to-date", "integer", "Updated replicas", 0, o -> o.path("status").path("updatedReplicas").asInt(0)),
            new TableColumn("Available", "integer", "Available replicas", 0, o -> o.path("status").path("availableReplicas").asInt(0)),
            TableColumn.wide("Containers", o -> containers(o, "name")),
            TableColumn.wide("Images", o -> containers(o, "image")),
            TableColumn.wide("Selector", o -> io.karavel.apiserver.impl.rest.Scales.selectorString(o.path("spec").path("selector"))));

    public static final List<TableColumn> REPLICA_SET = List.of(
            new TableColumn("Desired", "integer", "Desired replicas", 0, o -> o.path("spec").path("replicas").asInt(0)),
            new TableColumn("Current", "integer", "Current replicas", 0, o -> o.path("status").path("replicas").asInt(0)),
            new TableColumn("Ready", "integer", "Ready replicas", 0, o -> o.path("status").path("readyReplicas").asInt(0)),
            TableColumn.wide("Containers", o -> containers(o, "name")),
            TableColumn.wide("Images", o -> containers(o, "image")),
            TableColumn.wide("Selector", o -> io.karavel.apiserver.impl.rest.Scales.selectorString(o.path("spec").path("selector"))));

    public static final List<TableColumn> EVENT = List.of(
            TableColumn.of("Type", o -> o.path("type").asText("")),
            TableColumn.of("Reason", o -> o.path("reason").asText("")),
            TableColumn.of("Object", o -> o.path("involvedObject").path("kind").asText("").toLowerCase(java.util.Locale.ROOT)
                    + "/" + o.path("involvedObject").path("name").asText("")),
            TableColumn.of("Message", o -> o.path("message").asText("")));

    /** {@code ENDPOINTS}: up to three ready {@code ip:port} pairs, then "+ N more...", as kubectl. */
    public static final List<TableColumn> ENDPOINTS = List.of(
            TableColumn.of("Endpoints", BuiltinColumns::endpoints));

    public static final List<TableColumn> ENDPOINT_SLICE = List.of(
            TableColumn.of("AddressType", o -> o.path("addressType").asText("")),
            TableColumn.of("Ports", o -> {
                List<String> ports = new java.util.ArrayList<>();
                o.path("ports").forEach(p -> ports.add(p.path("port").asText("")));
                return ports.isEmpty() ? "<unset>" : String.join(",", ports);
            }),
            TableColumn.of("Endpoints", o -> {
                List<String> addresses = new java.util.ArrayList<>();
                o.path("endpoints").forEach(e -> e.path("addresses").forEach(a -> addresses.add(a.asText())));
                return abbreviate(addresses);
            }));

    private static String endpoints(com.fasterxml.jackson.databind.JsonNode o) {
        List<String> all = new java.util.ArrayList<>();
        for (com.fasterxml.jackson.databind.JsonNode subset : o.path("subsets")) {
            for (com.fasterxml.jackson.databind.JsonNode address : subset.path("addresses")) {
                if (subset.path("ports").isEmpty()) {
                    all.add(address.path("ip").asText());
                }
                for (com.fasterxml.jackson.databind.JsonNode port : subset.path("ports")) {
                    all.add(address.path("ip").asText() + ":" + port.path("port").asText());
                }
            }
        }
        return all.isEmpty() ? "<none>" : abbreviate(all);
    }

    private static String abbreviate(List<String> items) {
        if (items.size() <= 3) {
            return String.join(",", items);
        }
        return String.join(",", items.subList(0, 3)) + " + " + (items.size() - 3) + " more...";
    }

    public static final List<TableColumn> LEASE = List.of(
            TableColumn.of("Holder", o -> o.path("spec").path("holderIdentity").asText("")));

    /** {@code events.k8s.io/v1} Events: {@code regarding} and {@code note} instead of involvedObject and message. */
    public static final List<TableColumn> EVENT_V1 = List.of(
            TableColumn.of("Type", o -> o.path("type").asText("")),
            TableColumn.of("Reason", o -> o.path("reason").asText("")),
            TableColumn.of("Object", o -> o.path("regarding").path("kind").asText("").toLowerCase(java.util.Locale.ROOT)
                    + "/" + o.path("regarding").path("name").asText("")),
            TableColumn.of("Note", o -> o.path("note").asText("")));

    /** A field of every container of a workload's pod template, comma-separated. */
    private static String containers(JsonNode workload, String field) {
        List<String> values = new ArrayList<>();
        for (JsonNode c : workload.path("spec").path("template").path("spec").path("containers")) {
            values.add(c.path(field).asText(""));
        }
        return String.join(",", values);
    }

    private static String orNone(String s) {
        return s.isEmpty() ? "<none>" : s;
    }

    private static String podReady(JsonNode pod) {
        int total = pod.path("spec").path("containers").size();
        int ready = 0;
        for (JsonNode s : pod.path("status").path("containerStatuses")) {
            if (s.path("ready").asBoolean(false)) {
                ready++;
            }
        }
        return ready + "/" + total;
    }

    private static long restarts(JsonNode pod) {
        long sum = 0;
        for (JsonNode s : pod.path("status").path("containerStatuses")) {
            sum += s.path("restartCount").asLong(0);
        }
        return sum;
    }

    /**
     * kubectl's EXTERNAL-IP: the external IPs; for a LoadBalancer the load balancer's ingress too,
     * {@code <pending>} while it has none; an ExternalName Service's name.
     */
    private static String serviceExternalIp(JsonNode svc) {
        JsonNode spec = svc.path("spec");
        List<String> external = new ArrayList<>();
        spec.path("externalIPs").forEach(ip -> external.add(ip.asText()));
        switch (spec.path("type").asText("ClusterIP")) {
            case "ClusterIP", "NodePort":
                return external.isEmpty() ? "<none>" : String.join(",", external);
            case "LoadBalancer": {
                List<String> all = new ArrayList<>();
                for (JsonNode ingress : svc.path("status").path("loadBalancer").path("ingress")) {
                    String ip = ingress.path("ip").asText("");
                    all.add(ip.isEmpty() ? ingress.path("hostname").asText("") : ip);
                }
                all.addAll(external);
                return all.isEmpty() ? "<pending>" : String.join(",", all);
            }
            case "ExternalName":
                return spec.path("externalName").asText("");
            default:
                return "<unknown>";
        }
    }

    private static String servicePorts(JsonNode svc) {
        List<String> ports = new ArrayList<>();
        for (JsonNode p : svc.path("spec").path("ports")) {
            String node = p.path("nodePort").asInt(0) > 0 ? ":" + p.get("nodePort").asText() : "";
            ports.add(p.path("port").asText() + node + "/" + p.path("protocol").asText("TCP"));
        }
        return ports.isEmpty() ? "<none>" : String.join(",", ports);
    }

    private static String selector(JsonNode selector) {
        List<String> terms = new ArrayList<>();
        selector.fields().forEachRemaining(e -> terms.add(e.getKey() + "=" + e.getValue().asText()));
        java.util.Collections.sort(terms); // as labels.FormatLabels
        return terms.isEmpty() ? "<none>" : String.join(",", terms);
    }

    private static String nodeAddress(JsonNode node, String type) {
        for (JsonNode a : node.path("status").path("addresses")) {
            if (a.path("type").asText().equals(type)) {
                return a.path("address").asText();
            }
        }
        return "<none>";
    }

    /**
     * kubectl's pod STATUS: the phase (or status.reason), replaced by what explains it best: an
     * init container's progress ("Init:0/1", "Init:CrashLoopBackOff"), a container's waiting or
     * terminated reason (CrashLoopBackOff, ErrImagePull, Completed...), "Terminating" while deleted.
     */
    private static String podStatus(JsonNode pod) {
        JsonNode status = pod.path("status");
        String reason = status.path("reason").asText(status.path("phase").asText(""));
        JsonNode inits = status.path("initContainerStatuses");
        boolean initializing = false;
        for (int i = 0; i < inits.size(); i++) {
            JsonNode state = inits.get(i).path("state");
            if (state.path("terminated").path("exitCode").asInt(-1) == 0 && state.has("terminated")) {
                continue;
            }
            initializing = true;
            if (state.has("terminated")) {
                String r = state.path("terminated").path("reason").asText("");
                reason = "Init:" + (r.isEmpty() ? "ExitCode:" + state.path("terminated").path("exitCode").asInt() : r);
            } else if (state.has("waiting") && !state.path("waiting").path("reason").asText("").isEmpty()
                    && !state.path("waiting").path("reason").asText().equals("PodInitializing")) {
                reason = "Init:" + state.path("waiting").path("reason").asText();
            } else {
                reason = "Init:" + i + "/" + pod.path("spec").path("initContainers").size();
            }
            break;
        }
        if (!initializing) {
            boolean running = false;
            JsonNode containers = status.path("containerStatuses");
            for (int i = containers.size() - 1; i >= 0; i--) {
                JsonNode c = containers.get(i);
                JsonNode state = c.path("state");
                if (state.has("waiting") && !state.path("waiting").path("reason").asText("").isEmpty()) {
                    reason = state.path("waiting").path("reason").asText();
                } else if (state.has("terminated")) {
                    String r = state.path("terminated").path("reason").asText("");
                    reason = r.isEmpty() ? "ExitCode:" + state.path("terminated").path("exitCode").asInt() : r;
                } else if (state.has("running") && c.path("ready").asBoolean(false)) {
                    running = true;
                }
            }
            if (reason.equals("Completed") && running) {
                reason = "Running";
            }
        }
        if (pod.path("metadata").hasNonNull("deletionTimestamp")) {
            reason = "Terminating";
        }
        return reason;
    }

    private static String nodeStatus(JsonNode node) {
        String status = "Unknown";
        for (JsonNode c : node.path("status").path("conditions")) {
            if (c.path("type").asText().equals("Ready")) {
                status = c.path("status").asText().equals("True") ? "Ready" : "NotReady";
            }
        }
        if (node.path("spec").path("unschedulable").asBoolean(false)) {
            status += ",SchedulingDisabled";
        }
        return status;
    }
}
