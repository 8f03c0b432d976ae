package io.karavel.shell.impl;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.karavel.api.client.ApiResource;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** kubectl's columns and cells for the main kinds. */
class PrintersTest {

    private static final Instant NOW = Instant.parse("2026-01-01T12:00:00Z");

    private static ApiResource resource(String group, String kind, String plural, boolean namespaced) {
        return new ApiResource(group, "v1", kind, plural, namespaced, List.of("list"), GenericKubernetesResource.class);
    }

    private static final ApiResource PODS = resource("", "Pod", "pods", true);

    private static JsonNode json(String text) throws Exception {
        return Json.MAPPER.readTree(text);
    }

    @Test
    void podsHaveReadyStatusRestartsAgeAndWideAddsIpAndNode() throws Exception {
        JsonNode pod = json("""
                {"metadata":{"name":"web-1","namespace":"demo","creationTimestamp":"2026-01-01T11:55:00Z"},
                 "spec":{"nodeName":"n1","containers":[{"name":"a"},{"name":"b"}]},
                 "status":{"phase":"Running","podIP":"127.77.0.5","containerStatuses":[
                   {"name":"a","ready":true,"restartCount":2,"state":{"running":{}},
                    "lastState":{"terminated":{"finishedAt":"2026-01-01T11:59:00Z"}}},
                   {"name":"b","ready":false,"restartCount":0,"state":{"waiting":{"reason":"CrashLoopBackOff"}}}]}}""");
        List<String> lines = Printers.table(PODS, List.of(pod), true, true, NOW).lines();
        assertThat(lines.get(0).split("\\s{2,}")).containsExactly("NAMESPACE", "NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP", "NODE");
        assertThat(lines.get(1).split("\\s{2,}"))
                .containsExactly("demo", "web-1", "1/2", "CrashLoopBackOff", "2 (60s ago)", "5m", "127.77.0.5", "n1");
        List<String> narrow = Printers.table(PODS, List.of(pod), false, false, NOW).lines();
        assertThat(narrow.get(0).split("\\s+")).containsExactly("NAME", "READY", "STATUS", "RESTARTS", "AGE");
    }

    @Test
    void podStatusFollowsKubectl() throws Exception {
        assertThat(Printers.podStatus(json("{\"status\":{\"phase\":\"Pending\"}}"))).isEqualTo("Pending");
        assertThat(Printers.podStatus(json("""
                {"status":{"phase":"Pending","containerStatuses":[{"state":{"waiting":{"reason":"ContainerCreating"}}}]}}""")))
                .isEqualTo("ContainerCreating");
        assertThat(Printers.podStatus(json("""
                {"status":{"phase":"Failed","containerStatuses":[{"state":{"terminated":{"exitCode":3}}}]}}""")))
                .isEqualTo("ExitCode:3");
        assertThat(Printers.podStatus(json("""
                {"metadata":{"deletionTimestamp":"2026-01-01T00:00:00Z"},"status":{"phase":"Running"}}""")))
                .isEqualTo("Terminating");
        assertThat(Printers.podStatus(json("""
                {"spec":{"initContainers":[{"name":"i"}]},"status":{"phase":"Pending",
                 "initContainerStatuses":[{"state":{"running":{}}}]}}""")))
                .isEqualTo("Init:0/1");
    }

    @Test
    void deploymentsServicesNodesAndUnknownKindsHaveTheirColumns() throws Exception {
        JsonNode deployment = json("""
                {"metadata":{"name":"web","creationTimestamp":"2026-01-01T10:00:00Z"},
                 "spec":{"replicas":3,"selector":{"matchLabels":{"app":"web"}},
                         "template":{"spec":{"containers":[{"name":"c","image":"busybox"}]}}},
                 "status":{"readyReplicas":2,"updatedReplicas":3,"availableReplicas":2}}""");
        List<String> lines = Printers.table(resource("apps", "Deployment", "deployments", true), List.of(deployment), true, false, NOW).lines();
        assertThat(lines.get(0).split("\\s+")).containsExactly("NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE", "CONTAINERS", "IMAGES", "SELECTOR");
        assertThat(lines.get(1).split("\\s+")).containsExactly("web", "2/3", "3", "2", "120m", "c", "busybox", "app=web");

        JsonNode service = json("""
                {"metadata":{"name":"np"},"spec":{"type":"NodePort","clusterIP":"127.96.0.9",
                 "ports":[{"port":80,"nodePort":30080,"protocol":"TCP"}]}}""");
        assertThat(Printers.table(resource("", "Service", "services", true), List.of(service), false, false, NOW).lines().get(1).split("\\s+"))
                .containsExactly("np", "NodePort", "127.96.0.9", "<none>", "80:30080/TCP", "<unknown>");

        JsonNode node = json("""
                {"metadata":{"name":"n1","labels":{"node-role.kubernetes.io/control-plane":""}},"spec":{"unschedulable":true},
                 "status":{"conditions":[{"type":"Ready","status":"True"}],"nodeInfo":{"kubeletVersion":"v1.30.0-karavel"}}}""");
        assertThat(Printers.table(resource("", "Node", "nodes", false), List.of(node), false, true, NOW).lines().get(1).split("\\s+"))
                .containsExactly("n1", "Ready,SchedulingDisabled", "control-plane", "<unknown>", "v1.30.0-karavel");

        JsonNode widget = json("{\"metadata\":{\"name\":\"w\",\"creationTimestamp\":\"2026-01-01T11:59:30Z\"}}");
        assertThat(Printers.table(resource("example.com", "Widget", "widgets", true), List.of(widget), true, false, NOW).lines())
                .containsExactly("NAME   AGE", "w      30s");
    }
}
