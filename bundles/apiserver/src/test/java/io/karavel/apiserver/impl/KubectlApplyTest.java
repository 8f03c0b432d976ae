package io.karavel.apiserver.impl;

import io.karavel.testing.Kubectl;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The real kubectl (v1.32) with server-side apply and aggregated discovery. Skipped when
 * kubectl is not installed.
 */
class KubectlApplyTest extends KubectlTestSupport {

    /** The discovery requests (/api, /apis and per-group documents) a {@code -v=6} log shows. */
    private static List<String> discoveryRequests(String log) {
        List<String> paths = new ArrayList<>();
        Matcher m = Pattern.compile("\\] GET https?://[^/\\s]+(/apis?(?:/[^/?\\s]+){0,2})\\?\\S* \\d{3}").matcher(log);
        while (m.find()) {
            paths.add(m.group(1));
        }
        return paths;
    }

    @Test
    void anEmptyCacheNeedsTwoDiscoveryRequests() throws Exception {
        // a cache dir of its own: empty
        Kubectl fresh = new Kubectl(Files.createDirectories(dir.resolve("fresh")), dir.resolve("etc/kubeconfig"));
        Kubectl.Run get = fresh.run("get", "pods", "-n", "default", "-v=6");
        assertThat(get.exit()).as(get.err()).isZero();
        assertThat(discoveryRequests(get.err())).as(get.err()).containsExactly("/api", "/apis");

        Kubectl.Run resources = fresh.run("api-resources");
        assertThat(resources.exit()).as(resources.err()).isZero();
        List<String> rows = resources.out().lines().map(l -> String.join(" ", l.trim().split("\\s+"))).toList();
        assertThat(rows).contains(
                "pods po v1 true Pod",
                "configmaps cm v1 true ConfigMap",
                "namespaces ns v1 false Namespace",
                "nodes no v1 false Node",
                "services svc v1 true Service",
                "events ev v1 true Event",
                "secrets v1 true Secret",
                "deployments deploy apps/v1 true Deployment",
                "replicasets rs apps/v1 true ReplicaSet",
                "leases coordination.k8s.io/v1 true Lease");

        // kubectl resolves short names and categories from the aggregated documents
        Kubectl.Run all = fresh.run("get", "all", "-n", "default");
        assertThat(all.exit()).as(all.err()).isZero();
        Kubectl.Run deploy = fresh.run("get", "deploy", "-n", "default");
        assertThat(deploy.exit()).as(deploy.err()).isZero();
    }

    /** Client-side apply, then server-side, then client-side again: kubectl reads managedFields in between. */
    @Test
    void clientSideAndServerSideApplyMix() throws Exception {
        Path file = dir.resolve("mixed.yaml");
        Files.writeString(file, deployment(1, "one").replace("name: web", "name: mixed"));
        Kubectl.Run csa = kubectl.run("apply", "-f", file.toString());
        assertThat(csa.exit()).as(csa.err()).isZero();
        Kubectl.Run ssa = kubectl.run("apply", "--server-side", "-f", file.toString());
        assertThat(ssa.exit()).as(ssa.err()).isZero();
        assertThat(ssa.out()).contains("deployment.apps/mixed serverside-applied");
        Files.writeString(file, deployment(2, "two").replace("name: web", "name: mixed"));
        Kubectl.Run ssa2 = kubectl.run("apply", "--server-side", "-f", file.toString());
        assertThat(ssa2.exit()).as(ssa2.err()).isZero();
        Kubectl.Run csa2 = kubectl.run("apply", "-f", file.toString());
        assertThat(csa2.exit()).as(csa2.err()).isZero();
        JsonNode d = TestServer.JSON.readTree(kubectl.run("get", "deployment", "mixed", "-n", "default", "-o", "json").out());
        assertThat(d.at("/spec/replicas").asInt()).isEqualTo(2);
        assertThat(d.at("/spec/template/spec/containers")).hasSize(2);
        assertThat(d.at("/spec/template/spec/containers/0/env/0/value").asText()).isEqualTo("two");
    }

    private static String deployment(int replicas, String mode) {
        return """
                apiVersion: apps/v1
                kind: Deployment
                metadata:
                  name: web
                  namespace: default
                spec:
                  replicas: %d
                  selector:
                    matchLabels: {app: web}
                  template:
                    metadata:
                      labels: {app: web}
                    spec:
                      containers:
                      - name: web
                        image: nginx:1.25
                        ports: [{containerPort: 80}]
                        env: [{name: MODE, value: "%s"}, {name: OTHER, value: "x"}]
                      - name: sidecar
                        image: busybox:1.36
                        ports: [{containerPort: 9000}]
                """.formatted(replicas, mode);
    }

    @Test
    void serverSideApply() throws Exception {
        Path file = dir.resolve("web.yaml");
        Files.writeString(file, deployment(2, "one"));
        Kubectl.Run created = kubectl.run("apply", "--server-side", "-f", file.toString());
        assertThat(created.exit()).as(created.err()).isZero();
        assertThat(created.out()).contains("deployment.apps/web serverside-applied");

        Kubectl.Run patched = kubectl.run("patch", "deployment", "web", "-n", "default", "--type=strategic", "-p",
                "{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"extra\",\"image\":\"redis:7\"}]}}}}");
        assertThat(patched.exit()).as(patched.err()).isZero();

        Files.writeString(file, deployment(3, "two"));
        Kubectl.Run reapplied = kubectl.run("apply", "--server-side", "-f", file.toString());
        assertThat(reapplied.exit()).as(reapplied.err()).isZero();
        assertThat(reapplied.out()).contains("deployment.apps/web serverside-applied");

        JsonNode d = TestServer.JSON.readTree(kubectl.run("get", "deployment", "web", "-n", "default",
                "--show-managed-fields", "-o", "json").out());
        assertThat(d.at("/spec/replicas").asInt()).isEqualTo(3);
        List<String> names = new ArrayList<>();
        for (JsonNode c : d.at("/spec/template/spec/containers")) {
            names.add(c.get("name").asText());
        }
        assertThat(names).as("no container lost").containsExactlyInAnyOrder("web", "sidecar", "extra");
        JsonNode web = d.at("/spec/template/spec/containers/0");
        assertThat(web.get("name").asText()).isEqualTo("web");
        assertThat(web.at("/env/0/value").asText()).isEqualTo("two");
        assertThat(web.get("env")).hasSize(2);
        assertThat(d.at("/metadata/managedFields/0/manager").asText()).isEqualTo("kubectl");
        assertThat(d.at("/metadata/managedFields/0/operation").asText()).isEqualTo("Apply");

        Files.writeString(file, deployment(1, "three"));
        Kubectl.Run forced = kubectl.run("apply", "--server-side", "--force-conflicts", "-f", file.toString());
        assertThat(forced.exit()).as(forced.err()).isZero();
        assertThat(forced.out()).contains("deployment.apps/web serverside-applied");
        Kubectl.Run replicas = kubectl.run("get", "deployment", "web", "-n", "default", "-o", "jsonpath={.spec.replicas}");
        assertThat(replicas.out()).isEqualTo("1");

        Path bad = dir.resolve("bad.yaml");
        Files.writeString(bad, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: Bad_Name\n  namespace: default\n");
        Kubectl.Run invalid = kubectl.run("apply", "--server-side", "-f", bad.toString());
        assertThat(invalid.exit()).isNotZero();
        assertThat(invalid.err()).contains("The ConfigMap \"Bad_Name\" is invalid: metadata.name: Invalid value: \"Bad_Name\"");
    }
}
