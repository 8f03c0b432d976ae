package io.karavel.apiserver.impl;

import io.karavel.testing.Kubectl;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * kubectl's imperative commands (real /usr/bin/kubectl v1.32), which send their objects as
 * protobuf ({@code application/vnd.kubernetes.protobuf}): each stores the object the command
 * means. Skipped when kubectl is not installed; own HOME and cache dir per run.
 */
class KubectlImperativeTest extends KubectlTestSupport {


    private static Kubectl.Run kubectl(String... args) throws Exception {
        return kubectl.run(args);
    }

    private static JsonNode getJson(String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of("get"));
        all.addAll(List.of(args));
        all.addAll(List.of("-o", "json"));
        return TestServer.JSON.readTree(ok(all.toArray(String[]::new)).out());
    }

    @Test
    void imperativeCommandsStoreWhatTheyMean() throws Exception {
        Kubectl.Run createNs = ok("create", "namespace", "shop", "-v=8");
        assertThat(createNs.out()).contains("namespace/shop created");
        assertThat(createNs.err()).as("kubectl sent protobuf")
                .containsPattern("Content-Type: application/vnd.kubernetes.protobuf");
        JsonNode ns = getJson("namespace", "shop");
        assertThat(ns.at("/metadata/uid").asText()).isNotEmpty();
        assertThat(ns.at("/status/phase").asText()).isEqualTo("Active");

        assertThat(ok("create", "configmap", "settings", "-n", "shop", "--from-literal=greeting=hello",
                "--from-literal=empty=").out()).contains("configmap/settings created");
        JsonNode cm = getJson("configmap", "settings", "-n", "shop");
        assertThat(cm.get("data")).hasSize(2);
        assertThat(cm.at("/data/greeting").asText()).isEqualTo("hello");
        assertThat(cm.at("/data/empty").isTextual()).isTrue();
        assertThat(cm.at("/data/empty").asText()).isEmpty();

        assertThat(ok("create", "secret", "generic", "creds", "-n", "shop", "--from-literal=user=admin",
                "--from-literal=password=s3cr\u00e9t").out()).contains("secret/creds created");
        JsonNode secret = getJson("secret", "creds", "-n", "shop");
        assertThat(secret.at("/type").asText()).isEqualTo("Opaque");
        assertThat(new String(Base64.getDecoder().decode(secret.at("/data/user").asText()), StandardCharsets.UTF_8))
                .isEqualTo("admin");
        assertThat(new String(Base64.getDecoder().decode(secret.at("/data/password").asText()), StandardCharsets.UTF_8))
                .isEqualTo("s3cr\u00e9t");

        assertThat(ok("create", "deployment", "web", "-n", "shop", "--image=nginx:1.25", "--port=80").out())
                .contains("deployment.apps/web created");
        JsonNode web = getJson("deployment", "web", "-n", "shop");
        assertThat(web.at("/metadata/labels/app").asText()).isEqualTo("web");
        assertThat(web.at("/spec/replicas").asInt()).isEqualTo(1);
        assertThat(web.at("/spec/selector/matchLabels/app").asText()).isEqualTo("web");
        assertThat(web.at("/spec/template/metadata/labels/app").asText()).isEqualTo("web");
        JsonNode containers = web.at("/spec/template/spec/containers");
        assertThat(containers).hasSize(1);
        assertThat(containers.at("/0/name").asText()).isEqualTo("nginx");
        assertThat(containers.at("/0/image").asText()).isEqualTo("nginx:1.25");
        assertThat(containers.at("/0/ports/0/containerPort").asInt()).isEqualTo(80);
        // Go's zero values of non-pointer fields are not stored, as with a JSON client
        assertThat(web.at("/spec/template/spec").has("hostNetwork")).isFalse();
        assertThat(web.at("/spec").has("paused")).isFalse();
        assertThat(web.at("/metadata/generation").asInt()).isEqualTo(1);

        ok("create", "deployment", "idle", "-n", "shop", "--image=busybox:1.36", "--replicas=0");
        JsonNode idle = getJson("deployment", "idle", "-n", "shop");
        assertThat(idle.at("/spec/replicas").isInt()).as("an explicit zero of a pointer field is kept").isTrue();
        assertThat(idle.at("/spec/replicas").asInt()).isZero();

        assertThat(ok("create", "service", "clusterip", "api", "-n", "shop", "--tcp=80:8080").out())
                .contains("service/api created");
        JsonNode api = getJson("service", "api", "-n", "shop");
        assertThat(api.at("/spec/type").asText()).isEqualTo("ClusterIP");
        assertThat(api.at("/spec/selector/app").asText()).isEqualTo("api");
        assertThat(api.at("/spec/ports")).hasSize(1);
        assertThat(api.at("/spec/ports/0/port").asInt()).isEqualTo(80);
        assertThat(api.at("/spec/ports/0/targetPort").asInt()).isEqualTo(8080);
        assertThat(api.at("/spec/ports/0/protocol").asText()).isEqualTo("TCP");
        assertThat(api.at("/spec/ports/0/name").asText()).isEqualTo("80-8080");

        assertThat(ok("run", "shell", "-n", "shop", "--image=busybox:1.36", "--restart=Never", "--port=7000",
                "--labels=tier=debug", "--env=MODE=x", "--", "sleep", "3600").out()).contains("pod/shell created");
        JsonNode pod = getJson("pod", "shell", "-n", "shop");
        assertThat(pod.at("/metadata/labels/tier").asText()).isEqualTo("debug");
        assertThat(pod.at("/spec/restartPolicy").asText()).isEqualTo("Never");
        assertThat(pod.at("/spec/containers/0/name").asText()).isEqualTo("shell");
        assertThat(pod.at("/spec/containers/0/image").asText()).isEqualTo("busybox:1.36");
        assertThat(pod.at("/spec/containers/0/args").toString()).isEqualTo("[\"sleep\",\"3600\"]");
        assertThat(pod.at("/spec/containers/0/env/0/name").asText()).isEqualTo("MODE");
        assertThat(pod.at("/spec/containers/0/env/0/value").asText()).isEqualTo("x");
        assertThat(pod.at("/spec/containers/0/ports/0/containerPort").asInt()).isEqualTo(7000);

        assertThat(ok("expose", "deployment", "web", "-n", "shop", "--port=80", "--target-port=8080",
                "--name=web-svc").out()).contains("service/web-svc exposed");
        JsonNode exposed = getJson("service", "web-svc", "-n", "shop");
        assertThat(exposed.at("/spec/selector")).isEqualTo(web.at("/spec/selector/matchLabels"));
        assertThat(exposed.at("/spec/ports/0/port").asInt()).isEqualTo(80);
        assertThat(exposed.at("/spec/ports/0/targetPort").asInt()).isEqualTo(8080);
        assertThat(exposed.at("/spec/ports/0/protocol").asText()).isEqualTo("TCP");

        // the shared pipeline: validation answers a protobuf body as it would a JSON one
        Kubectl.Run invalid = kubectl("create", "configmap", "Not_Valid", "-n", "shop", "--from-literal=a=b");
        assertThat(invalid.exit()).isNotZero();
        assertThat(invalid.err()).contains("ConfigMap \"Not_Valid\" is invalid: metadata.name: Invalid value");
        Kubectl.Run duplicate = kubectl("create", "namespace", "shop");
        assertThat(duplicate.exit()).isNotZero();
        assertThat(duplicate.err()).contains("Error from server (AlreadyExists)", "namespaces \"shop\" already exists");

        Kubectl.Run delete = ok("delete", "deployment", "idle", "-n", "shop");
        assertThat(delete.out()).contains("deployment.apps \"idle\" deleted");
        Kubectl.Run gone = kubectl("get", "deployment", "idle", "-n", "shop");
        assertThat(gone.err()).contains("NotFound");
    }
}
