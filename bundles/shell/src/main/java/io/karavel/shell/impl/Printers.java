package io.karavel.shell.impl;

import com.fasterxml.jackson.databind.JsonNode;
import io.karavel.api.client.ApiResource;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.stream.Collectors;

/**
 * kubectl's table columns for the kinds Karavel serves (its {@code printers} package), read from
 * the objects' JSON so typed and custom resources go through the same code. A kind without its
 * own columns prints {@code NAME AGE}, as kubectl does for a custom resource without printer
 * columns. With every namespace ({@code -A}) a {@code NAMESPACE} column comes first.
 */
final class Printers {

    static final String NONE = "<none>";

    /** One column: header and how to read the cell from an object. */
    record Column(String header, BiFunction<JsonNode, Instant, String> cell) {}

    private record Layout(List<Column> columns, List<Column> wide) {}

    private static final Column NAME = new Column("NAME", (o, now) -> Json.text(o, "metadata.name"));
    private static final Column AGE = new Column("AGE", (o, now) -> Age.since(Json.text(o, "metadata.creationTimestamp"), now));

    private static final Map<String, Layout> LAYOUTS = Map.ofEntries(
            Map.entry("/pods", new Layout(
                    List.of(NAME, col("READY", Printers::podReady), col("STATUS", Printers::podStatus),
                            new Column("RESTARTS", Printers::podRestarts), AGE),
                    List.of(col("IP", o -> or(Json.text(o, "status.podIP"))), col("NODE", o -> or(Json.text(o, "spec.nodeName")))))),
            Map.entry("apps/deployments", new Layout(
                    List.of(NAME,
                            col("READY", o -> count(o, "status.readyReplicas") + "/" + count(o, "spec.replicas")),
                            col("UP-TO-DATE", o -> count(o, "status.updatedReplicas")),
                            col("AVAILABLE", o -> count(o, "status.availableReplicas")), AGE),
                    workloadWide())),
            Map.entry("apps/replicasets", new Layout(
                    List.of(NAME, col("DESIRED", o -> count(o, "spec.replicas")), col("CURRENT", o -> count(o, "status.replicas")),
                            col("READY", o -> count(o, "status.readyReplicas")), AGE),
                    workloadWide())),
            Map.entry("/services", new Layout(
                    List.of(NAME, col("TYPE", o -> or(Json.text(o, "spec.type"))), col("CLUSTER-IP", o -> or(Json.text(o, "spec.clusterIP"))),
                            col("EXTERNAL-IP", Printers::externalIp), col("PORT(S)", Printers::servicePorts), AGE),
                    List.of(col("SELECTOR", o -> selector(Json.stringMap(o, "spec.selector")))))),
            Map.entry("/namespaces", new Layout(List.of(NAME, col("STATUS", o -> or(Json.text(o, "status.phase"))), AGE), List.of())),
            Map.entry("/nodes", new Layout(
                    List.of(NAME, col("STATUS", Printers::nodeStatus), col("ROLES", Printers::nodeRoles), AGE,
                            col("VERSION", o -> or(Json.text(o, "status.nodeInfo.kubeletVersion")))),
                    List.of(col("INTERNAL-IP", o -> nodeAddress(o, "InternalIP")),
                            col("CONTAINER-RUNTIME", o -> or(Json.text(o, "status.nodeInfo.containerRuntimeVersion")))))),
            Map.entry("/configmaps", new Layout(
                    List.of(NAME, col("DATA", o -> Integer.toString(o.path("data").size() + o.path("binaryData").size())), AGE), List.of())),
            Map.entry("/secrets", new Layout(
                    List.of(NAME, col("TYPE", o -> or(Json.text(o, "type"))), col("DATA", o -> Integer.toString(o.path("data").size())), AGE),
                    List.of())),
            Map.entry("/endpoints", new Layout(List.of(NAME, col("ENDPOINTS", Printers::endpoints), AGE), List.of())),
            Map.entry("/events", new Layout(
                    List.of(new Column("LAST SEEN", Printers::eventLastSeen), col("TYPE", o -> or(Json.text(o, "type"))),
                            col("REASON", o -> or(Json.text(o, "reason"))),
                            col("OBJECT", o -> Json.text(o, "involvedObject.kind").toLowerCase(java.util.Locale.ROOT) + "/"
                                    + Json.text(o, "involvedObject.name")),
                            col("MESSAGE", o -> or(Json.text(o, "message")))),
                    List.of())),
            Map.entry("discovery.k8s.io/endpointslices", new Layout(
                    List.of(NAME, col("ADDRESSTYPE", o -> or(Json.text(o, "addressType"))), col("PORTS", Printers::slicePorts),
                            col("ENDPOINTS", Printers::sliceEndpoints), AGE),
                    List.of())),
            Map.entry("coordination.k8s.io/leases", new Layout(
                    List.of(NAME, col("HOLDER", o -> orEmpty(Json.text(o, "spec.holderIdentity"))), AGE), List.of())),
            Map.entry("apiextensions.k8s.io/customresourcedefinitions", new Layout(
                    List.of(NAME, col("CREATED AT", o -> orEmpty(Json.text(o, "metadata.creationTimestamp")))), List.of())));

    private static final Layout GENERIC = new Layout(List.of(NAME, AGE), List.of());

    private Printers() {}

    /** The columns for {@code resource}, wide ones inserted where kubectl puts them (at the end). */
    static List<Column> columns(ApiResource resource, boolean wide, boolean withNamespace) {
        Layout layout = LAYOUTS.getOrDefault(resource.group() + "/" + resource.plural(), GENERIC);
        List<Column> columns = new ArrayList<>();
        if (withNamespace && resource.namespaced()) {
            columns.add(col("NAMESPACE", o -> Json.text(o, "metadata.namespace")));
        }
        columns.addAll(layout.columns());
        if (wide) {
            columns.addAll(layout.wide());
        }
        return columns;
    }

    static KubeTable table(ApiResource resource, List<? extends JsonNode> objects, boolean wide, boolean withNamespace, Instant now) {
        List<Column> columns = columns(resource, wide, withNamespace);
        KubeTable table = new KubeTable(columns.stream().map(Column::header).toList());
        for (JsonNode object : objects) {
            List<String> row = new ArrayList<>(columns.size());
            for (Column column : columns) {
                String cell = column.cell().apply(object, now);
                row.add(cell == null ? NONE : cell);
            }
            table.add(row);
        }
        return table;
    }

    private static Column col(String header, java.util.function.Function<JsonNode, String> cell) {
        return new Column(header, (o, now) -> cell.apply(o));
    }

    private static List<Column> workloadWide() {
        return List.of(
                col("CONTAINERS", o -> joined(o.path("spec").path("template").path("spec").path("containers"), "name")),
                col("IMAGES", o -> joined(o.path("spec").path("template").path("spec").path("containers"), "image")),
                col("SELECTOR", o -> selector(Json.stringMap(o, "spec.selector.matchLabels"))));
    }

    private static String or(String value) {
        return value == null || value.isEmpty() ? NONE : value;
    }

    private static String orEmpty(String value) {
        return value == null ? "" : value;
    }

    private static String count(JsonNode o, String path) {
        return Integer.toString(Json.at(o, path).asInt(0));
    }

    private static String joined(JsonNode array, String field) {
        List<String> values = new ArrayList<>();
        array.forEach(item -> values.add(item.path(field).asText()));
        return values.isEmpty() ? NONE : String.join(",", values);
    }

    static String selector(Map<String, String> selector) {
        return selector.isEmpty() ? NONE
                : selector.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(","));
    }

    // --- pods ----------------------------------------------------------------------------------

    private static String podReady(JsonNode pod) {
        int total = pod.path("spec").path("containers").size();
        int ready = 0;
        for (JsonNode status : pod.path("status").path("containerStatuses")) {
            if (status.path("ready").asBoolean(false)) {
                ready++;
            }
        }
        return ready + "/" + total;
    }

    /** kubectl's pod STATUS: the reason of the most telling container, else the phase. */
    static String podStatus(JsonNode pod) {
        String reason = Json.text(pod, "status.reason");
        if (reason == null || reason.isEmpty()) {
            reason = or(Json.text(pod, "status.phase"));
        }
        boolean initializing = false;
        JsonNode initStatuses = pod.path("status").path("initContainerStatuses");
        int initCount = pod.path("spec").path("initContainers").size();
        for (int i = 0; i < initStatuses.size(); i++) {
            JsonNode state = initStatuses.get(i).path("state");
            JsonNode terminated = state.path("terminated");
            if (!terminated.isMissingNode() && terminated.path("exitCode").asInt(0) == 0) {
                continue;
            }
            if (!terminated.isMissingNode()) {
                String why = terminated.path("reason").asText("");
                reason = why.isEmpty() ? "Init:ExitCode:" + terminated.path("exitCode").asInt() : "Init:" + why;
            } else {
                String waiting = state.path("waiting").path("reason").asText("");
                reason = !waiting.isEmpty() && !waiting.equals("PodInitializing") ? "Init:" + waiting : "Init:" + i + "/" + initCount;
            }
            initializing = true;
            break;
        }
        if (!initializing) {
            boolean hasRunning = false;
            JsonNode statuses = pod.path("status").path("containerStatuses");
            for (int i = statuses.size() - 1; i >= 0; i--) {
                JsonNode status = statuses.get(i);
                JsonNode state = status.path("state");
                String waiting = state.path("waiting").path("reason").asText("");
                JsonNode terminated = state.path("terminated");
                if (!waiting.isEmpty()) {
                    reason = waiting;
                } else if (!terminated.isMissingNode()) {
                    String why = terminated.path("reason").asText("");
                    if (!why.isEmpty()) {
                        reason = why;
                    } else if (terminated.path("signal").asInt(0) != 0) {
                        reason = "Signal:" + terminated.path("signal").asInt();
                    } else {
                        reason = "ExitCode:" + terminated.path("exitCode").asInt();
                    }
                } else if (!state.path("running").isMissingNode() && status.path("ready").asBoolean(false)) {
                    hasRunning = true;
                }
            }
            if (reason.equals("Completed") && hasRunning) {
                reason = podReadyCondition(pod) ? "Running" : "NotReady";
            }
        }
        if (Json.text(pod, "metadata.deletionTimestamp") != null) {
            reason = "NodeLost".equals(Json.text(pod, "status.reason")) ? "Unknown" : "Terminating";
        }
        return reason;
    }

    private static boolean podReadyCondition(JsonNode pod) {
        for (JsonNode condition : pod.path("status").path("conditions")) {
            if ("Ready".equals(condition.path("type").asText()) && "True".equals(condition.path("status").asText())) {
                return true;
            }
        }
        return false;
    }

    /** The restart total, with how long ago the last one was (as kubectl prints it). */
    private static String podRestarts(JsonNode pod, Instant now) {
        int restarts = 0;
        Instant last = null;
        for (JsonNode status : pod.path("status").path("containerStatuses")) {
            restarts += status.path("restartCount").asInt(0);
            String finished = Json.text(status, "lastState.terminated.finishedAt");
            if (finished != null) {
                try {
                    Instant at = Instant.parse(finished);
                    last = last == null || at.isAfter(last) ? at : last;
                } catch (java.time.format.DateTimeParseException ignored) {
                    // an unreadable time only loses the "(ago)" part
                }
            }
        }
        return restarts > 0 && last != null
                ? restarts + " (" + Age.human(java.time.Duration.between(last, now)) + " ago)"
                : Integer.toString(restarts);
    }

    // --- services, endpoints -------------------------------------------------------------------

    private static String externalIp(JsonNode service) {
        List<String> ips = new ArrayList<>();
        service.path("spec").path("externalIPs").forEach(ip -> ips.add(ip.asText()));
        if ("LoadBalancer".equals(Json.text(service, "spec.type"))) {
            service.path("status").path("loadBalancer").path("ingress").forEach(i ->
                    ips.add(i.hasNonNull("ip") ? i.path("ip").asText() : i.path("hostname").asText()));
            if (ips.isEmpty()) {
                return "<pending>";
            }
        }
        return ips.isEmpty() ? NONE : String.join(",", ips);
    }

    private static String servicePorts(JsonNode service) {
        List<String> ports = new ArrayList<>();
        for (JsonNode port : service.path("spec").path("ports")) {
            String protocol = port.path("protocol").asText("TCP");
            ports.add(port.hasNonNull("nodePort")
                    ? port.path("port").asInt() + ":" + port.path("nodePort").asInt() + "/" + protocol
                    : port.path("port").asInt() + "/" + protocol);
        }
        return ports.isEmpty() ? NONE : String.join(",", ports);
    }

    /** Up to three {@code ip:port}, then {@code + N more...} like kubectl. */
    private static String endpoints(JsonNode endpoints) {
        List<String> all = new ArrayList<>();
        for (JsonNode subset : endpoints.path("subsets")) {
            for (JsonNode address : subset.path("addresses")) {
                if (subset.path("ports").isEmpty()) {
                    all.add(address.path("ip").asText());
                }
                for (JsonNode port : subset.path("ports")) {
                    all.add(address.path("ip").asText() + ":" + port.path("port").asInt());
                }
            }
        }
        return abbreviated(all);
    }

    private static String abbreviated(List<String> all) {
        if (all.isEmpty()) {
            return NONE;
        }
        String shown = String.join(",", all.subList(0, Math.min(3, all.size())));
        return all.size() > 3 ? shown + " + " + (all.size() - 3) + " more..." : shown;
    }

    private static String slicePorts(JsonNode slice) {
        List<String> ports = new ArrayList<>();
        slice.path("ports").forEach(p -> ports.add(Integer.toString(p.path("port").asInt())));
        return ports.isEmpty() ? NONE : String.join(",", ports);
    }

    private static String sliceEndpoints(JsonNode slice) {
        List<String> all = new ArrayList<>();
        slice.path("endpoints").forEach(e -> e.path("addresses").forEach(a -> all.add(a.asText())));
        return abbreviated(all);
    }

    // --- nodes, events -------------------------------------------------------------------------

    static String nodeStatus(JsonNode node) {
        String status = "Unknown";
        for (JsonNode condition : node.path("status").path("conditions")) {
            if ("Ready".equals(condition.path("type").asText())) {
                String value = condition.path("status").asText();
                status = "True".equals(value) ? "Ready" : "False".equals(value) ? "NotReady" : "Unknown";
            }
        }
        return node.path("spec").path("unschedulable").asBoolean(false) ? status + ",SchedulingDisabled" : status;
    }

    private static String nodeRoles(JsonNode node) {
        List<String> roles = new ArrayList<>();
        Json.stringMap(node, "metadata.labels").forEach((key, value) -> {
            if (key.startsWith("node-role.kubernetes.io/")) {
                roles.add(key.substring("node-role.kubernetes.io/".length()));
            } else if (key.equals("kubernetes.io/role")) {
                roles.add(value);
            }
        });
        return roles.isEmpty() ? NONE : String.join(",", roles.stream().sorted().toList());
    }

    private static String nodeAddress(JsonNode node, String type) {
        for (JsonNode address : node.path("status").path("addresses")) {
            if (type.equals(address.path("type").asText())) {
                return address.path("address").asText();
            }
        }
        return NONE;
    }

    private static String eventLastSeen(JsonNode event, Instant now) {
        for (String path : List.of("lastTimestamp", "eventTime", "firstTimestamp", "metadata.creationTimestamp")) {
            String at = Json.text(event, path);
            if (at != null && !at.isEmpty()) {
                return Age.since(at, now);
            }
        }
        return "<unknown>";
    }
}
