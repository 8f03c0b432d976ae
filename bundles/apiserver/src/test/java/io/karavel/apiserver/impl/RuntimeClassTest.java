package io.karavel.apiserver.impl;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.karavel.testing.Kubectl;
import org.junit.jupiter.api.Test;

/**
 * {@code node.k8s.io/v1 RuntimeClass}: served (CRUD, discovery, kubectl), validated (handler a
 * DNS label, immutable), and the RuntimeClass admission of pods: unknown classes rejected, the
 * class's scheduling merged into the pod, conflicts rejected.
 */
class RuntimeClassTest extends KubectlTestSupport {

    private static final String RC = "/apis/node.k8s.io/v1/runtimeclasses";
    private static final String PODS = "/api/v1/namespaces/default/pods";

    private static String runtimeClass(String name, String handler, String scheduling) {
        return "{\"apiVersion\":\"node.k8s.io/v1\",\"kind\":\"RuntimeClass\",\"metadata\":{\"name\":\"" + name
                + "\"},\"handler\":\"" + handler + "\"" + (scheduling == null ? "" : ",\"scheduling\":" + scheduling)
                + "}";
    }

    private static String pod(String name, String runtimeClass, String extraSpec) {
        return "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"" + name + "\"},\"spec\":{"
                + (runtimeClass == null ? "" : "\"runtimeClassName\":\"" + runtimeClass + "\",")
                + (extraSpec == null ? "" : extraSpec + ",")
                + "\"containers\":[{\"name\":\"c\",\"image\":\"busybox\"}]}}";
    }

    @Test
    void createsGetsListsUpdatesAndDeletesARuntimeClass() throws Exception {
        TestServer.Reply created = server.post(RC, runtimeClass("crud", "process", null));
        assertThat(created.code()).as(created.text()).isEqualTo(201);
        assertThat(created.json().path("metadata").path("uid").asText()).isNotEmpty();
        assertThat(created.json().path("handler").asText()).isEqualTo("process");

        TestServer.Reply got = server.get(RC + "/crud");
        assertThat(got.code()).isEqualTo(200);
        assertThat(got.json().path("kind").asText()).isEqualTo("RuntimeClass");
        assertThat(got.json().path("apiVersion").asText()).isEqualTo("node.k8s.io/v1");
        JsonNode list = server.get(RC).json();
        assertThat(list.path("kind").asText()).isEqualTo("RuntimeClassList");
        assertThat(list.path("items").findValuesAsText("name")).contains("crud");

        // labels may change; the handler may not
        TestServer.Reply labelled = server.patch(RC + "/crud", "application/merge-patch+json",
                "{\"metadata\":{\"labels\":{\"tier\":\"fast\"}}}");
        assertThat(labelled.code()).as(labelled.text()).isEqualTo(200);
        TestServer.Reply changed = server.patch(RC + "/crud", "application/merge-patch+json", "{\"handler\":\"podman\"}");
        assertThat(changed.code()).isEqualTo(422);
        assertThat(changed.json().path("message").asText())
                .isEqualTo("RuntimeClass.node.k8s.io \"crud\" is invalid: handler: Invalid value: \"podman\": field is immutable");

        assertThat(server.delete(RC + "/crud").code()).isEqualTo(200);
        assertThat(server.get(RC + "/crud").code()).isEqualTo(404);
    }

    @Test
    void theHandlerMustBeADnsLabel() throws Exception {
        TestServer.Reply bad = server.post(RC, runtimeClass("bad", "Not_A.Label", null));
        assertThat(bad.code()).isEqualTo(422);
        assertThat(bad.json().path("details").path("causes").get(0).path("field").asText()).isEqualTo("handler");
        assertThat(bad.json().path("message").asText()).contains("handler: Invalid value: \"Not_A.Label\": a lowercase RFC 1123 label");
        TestServer.Reply empty = server.post(RC, "{\"apiVersion\":\"node.k8s.io/v1\",\"kind\":\"RuntimeClass\","
                + "\"metadata\":{\"name\":\"empty\"}}");
        assertThat(empty.code()).isEqualTo(422);
        assertThat(empty.json().path("details").path("causes").get(0).path("field").asText()).isEqualTo("handler");
    }

    @Test
    void isInDiscoveryAndKubectlGetShowsTheHandler() throws Exception {
        assertThat(server.get("/apis/node.k8s.io/v1").json().path("resources").findValuesAsText("name"))
                .contains("runtimeclasses");
        ok("apply", "-f", write("rc.yaml", """
                apiVersion: node.k8s.io/v1
                kind: RuntimeClass
                metadata: {name: fast}
                handler: process
                """).toString());
        Kubectl.Run get = ok("get", "runtimeclass", "fast", "--no-headers");
        assertThat(get.out()).contains("fast", "process");
        assertThat(ok("get", "runtimeclasses").out()).contains("HANDLER");
        ok("delete", "runtimeclass", "fast");
    }

    @Test
    void aPodNamingAnUnknownRuntimeClassIsForbidden() throws Exception {
        TestServer.Reply rejected = server.post(PODS, pod("orphan", "nope", null));
        assertThat(rejected.code()).isEqualTo(403);
        assertThat(rejected.json().path("reason").asText()).isEqualTo("Forbidden");
        assertThat(rejected.json().path("message").asText())
                .isEqualTo("pods \"orphan\" is forbidden: pod rejected: RuntimeClass \"nope\" not found");
        assertThat(server.get(PODS + "/orphan").code()).isEqualTo(404);
        // no runtimeClassName: nothing to check
        assertThat(server.post(PODS, pod("plain", null, null)).code()).isEqualTo(201);
        server.delete(PODS + "/plain?gracePeriodSeconds=0");
    }

    @Test
    void mergesTheRuntimeClassSchedulingIntoThePod() throws Exception {
        assertThat(server.post(RC, runtimeClass("sandboxed", "podman",
                "{\"nodeSelector\":{\"runtime.karavel.io/podman\":\"true\"},"
                        + "\"tolerations\":[{\"key\":\"sandbox\",\"operator\":\"Exists\",\"effect\":\"NoSchedule\"}]}"))
                .code()).isEqualTo(201);
        TestServer.Reply created = server.post(PODS, pod("merged", "sandboxed",
                "\"nodeSelector\":{\"disk\":\"ssd\"},\"tolerations\":[{\"key\":\"sandbox\",\"operator\":\"Exists\","
                        + "\"effect\":\"NoSchedule\"},{\"key\":\"other\",\"operator\":\"Exists\"}]"));
        assertThat(created.code()).as(created.text()).isEqualTo(201);
        JsonNode spec = server.get(PODS + "/merged").json().path("spec");
        assertThat(spec.path("nodeSelector").path("disk").asText()).isEqualTo("ssd");
        assertThat(spec.path("nodeSelector").path("runtime.karavel.io/podman").asText()).isEqualTo("true");
        assertThat(spec.path("tolerations").findValuesAsText("key")).containsExactly("sandbox", "other");

        TestServer.Reply conflict = server.post(PODS, pod("conflicting", "sandboxed",
                "\"nodeSelector\":{\"runtime.karavel.io/podman\":\"false\"}"));
        assertThat(conflict.code()).isEqualTo(403);
        assertThat(conflict.json().path("message").asText()).isEqualTo("pods \"conflicting\" is forbidden: conflict:"
                + " runtimeClass.scheduling.nodeSelector[runtime.karavel.io/podman] = true;"
                + " pod.spec.nodeSelector[runtime.karavel.io/podman] = false");
        server.delete(PODS + "/merged?gracePeriodSeconds=0");
        server.delete(RC + "/sandboxed");
    }

    @Test
    void kubectlShowsTheAdmissionRejection() throws Exception {
        Kubectl.Run run = kubectl.run("apply", "-f", write("pod.yaml", """
                apiVersion: v1
                kind: Pod
                metadata: {name: rejected}
                spec:
                  runtimeClassName: missing
                  containers: [{name: c, image: busybox}]
                """).toString());
        assertThat(run.exit()).isNotZero();
        assertThat(run.err()).contains("pod rejected: RuntimeClass \"missing\" not found");
    }
}
