package io.karavel.apiserver.impl;

import io.karavel.testing.Kubectl;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The real kubectl (v1.32 at /usr/bin/kubectl) against the API server: apply, re-apply with a
 * strategic merge patch, get -o json, get -w, delete, and the error messages kubectl prints.
 * Skipped when kubectl is not installed. Each run uses its own HOME and cache dir, so
 * kubectl's discovery cache never leaks between runs.
 */
class KubectlTest extends KubectlTestSupport {


    private static ProcessBuilder builder(String... args) {
        return kubectl.builder(args);
    }

    private static Kubectl.Run kubectl(String... args) throws Exception {
        return kubectl.run(args);
    }

    private static String app(int replicas, String envValue) {
        return """
                apiVersion: v1
                kind: Namespace
                metadata:
                  name: demo
                ---
                apiVersion: v1
                kind: ConfigMap
                metadata:
                  name: settings
                  namespace: demo
                data:
                  greeting: hello
                ---
                apiVersion: apps/v1
                kind: Deployment
                metadata:
                  name: web
                  namespace: demo
                  labels: {app: web}
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
                ---
                apiVersion: v1
                kind: Service
                metadata:
                  name: web
                  namespace: demo
                spec:
                  selector: {app: web}
                  ports:
                  - {name: http, port: 80}
                  - {name: admin, port: 9000}
                """.formatted(replicas, envValue);
    }

    @Test
    void kubectlWorkflow() throws Exception {
        Kubectl.Run ns = kubectl("get", "ns");
        assertThat(ns.exit()).as(ns.err()).isZero();
        assertThat(ns.out()).contains("default", "kube-system", "kube-public", "kube-node-lease");

        Path v1 = write("app-v1.yaml", app(2, "one"));
        Kubectl.Run apply = kubectl("apply", "-f", v1.toString());
        assertThat(apply.exit()).as(apply.err()).isZero();
        assertThat(apply.out()).contains("namespace/demo created", "configmap/settings created",
                "deployment.apps/web created", "service/web created");

        // get -w in the background: it must see the change made by the re-apply
        Process watch = builder("get", "deployment", "web", "-n", "demo", "-w", "-o",
                "jsonpath={.spec.replicas}{\"\\n\"}").start();
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(watch.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    lines.add(line);
                }
            } catch (IOException e) {
                // process ended
            }
        });
        reader.setDaemon(true);
        reader.start();
        try {
            assertThat(lines.poll(30, TimeUnit.SECONDS)).isEqualTo("2");

            Path v2 = write("app-v2.yaml", app(3, "two"));
            Kubectl.Run reapply = kubectl("apply", "-f", v2.toString());
            assertThat(reapply.exit()).as(reapply.err()).isZero();
            assertThat(reapply.out()).contains("deployment.apps/web configured", "configmap/settings unchanged");

            assertThat(lines.poll(30, TimeUnit.SECONDS)).as("get -w saw the change").isEqualTo("3");
        } finally {
            watch.destroy();
            watch.waitFor(10, TimeUnit.SECONDS);
        }

        Kubectl.Run yaml = kubectl("get", "deployment", "web", "-n", "demo", "-o", "yaml");
        assertThat(yaml.exit()).as(yaml.err()).isZero();
        assertThat(yaml.out()).contains("replicas: 3", "kubectl.kubernetes.io/last-applied-configuration", "generation: 2");

        JsonNode d = TestServer.JSON.readTree(kubectl("get", "deployment", "web", "-n", "demo", "-o", "json").out());
        JsonNode containers = d.at("/spec/template/spec/containers");
        assertThat(containers).as("the strategic merge patch kept the second container").hasSize(2);
        assertThat(containers.get(0).at("/env/0/value").asText()).isEqualTo("two");
        assertThat(containers.get(0).get("env")).hasSize(2);
        assertThat(containers.get(1).at("/ports/0/containerPort").asInt()).isEqualTo(9000);
        JsonNode svc = TestServer.JSON.readTree(kubectl("get", "service", "web", "-n", "demo", "-o", "json").out());
        assertThat(svc.at("/spec/ports")).hasSize(2);

        Kubectl.Run table = kubectl("get", "deployment", "web", "-n", "demo");
        assertThat(table.out()).as("server-side table columns").contains("READY", "UP-TO-DATE", "0/3");

        Kubectl.Run scale = kubectl("scale", "deployment", "web", "-n", "demo", "--replicas=1");
        assertThat(scale.exit()).as(scale.err()).isZero();
        assertThat(scale.out()).contains("deployment.apps/web scaled");

        // errors as kubectl prints them
        Kubectl.Run notFound = kubectl("get", "deployment", "nope", "-n", "demo");
        assertThat(notFound.exit()).isNotZero();
        assertThat(notFound.err()).contains("Error from server (NotFound): deployments.apps \"nope\" not found");

        Path cm = write("cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: once\n  namespace: demo\n");
        assertThat(kubectl("create", "-f", cm.toString()).exit()).isZero();
        Kubectl.Run again = kubectl("create", "-f", cm.toString());
        assertThat(again.exit()).isNotZero();
        assertThat(again.err()).contains("Error from server (AlreadyExists)", "configmaps \"once\" already exists");

        Path invalid = write("invalid.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: Not_Valid\n  namespace: demo\n");
        Kubectl.Run inv = kubectl("apply", "-f", invalid.toString());
        assertThat(inv.exit()).isNotZero();
        assertThat(inv.err()).contains("The ConfigMap \"Not_Valid\" is invalid: metadata.name: Invalid value: \"Not_Valid\"");

        Path unknown = write("unknown.yaml", app(1, "x").replace("  replicas: 1", "  replicas: 1\n  foo: bar")
                .replace("name: demo\n---", "name: demo2\n---"));
        Kubectl.Run unk = kubectl("apply", "-f", unknown.toString());
        assertThat(unk.exit()).isNotZero();
        assertThat(unk.err()).contains("strict decoding error: unknown field \"spec.foo\"");

        // --wait=false: the namespace stays Terminating until a namespace controller empties it
        Kubectl.Run delete = kubectl("delete", "-f", v1.toString(), "--wait=false");
        assertThat(delete.exit()).as(delete.err()).isZero();
        assertThat(delete.out()).contains("deployment.apps \"web\" deleted", "service \"web\" deleted");
        Kubectl.Run gone = kubectl("get", "deployment", "web", "-n", "demo");
        assertThat(gone.err()).contains("NotFound");
    }
}
