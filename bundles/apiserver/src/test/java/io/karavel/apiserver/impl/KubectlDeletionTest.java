package io.karavel.apiserver.impl;

import io.karavel.testing.Kubectl;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The real kubectl against the API server for server-side dry runs, finalizers, namespace
 * termination and {@code describe} showing Events. Skipped when kubectl is not installed.
 */
class KubectlDeletionTest extends KubectlTestSupport {


    private static Kubectl.Run kubectl(String... args) throws Exception {
        return kubectl.run(args);
    }

    private static String namespace(String name) {
        return "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: " + name + "\n";
    }

    private static String configMap(String ns, String name, String value, String finalizers) {
        return "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: " + name + "\n  namespace: " + ns + "\n"
                + (finalizers == null ? "" : "  finalizers: " + finalizers + "\n") + "data:\n  k: " + value + "\n";
    }

    @Test
    void serverSideDryRunChangesNothing() throws Exception {
        ok("apply", "-f", write("dry-ns.yaml", namespace("dry")).toString());
        Path cm = write("dry-cm.yaml", configMap("dry", "settings", "one", null));
        Kubectl.Run created = ok("create", "-f", cm.toString(), "--dry-run=server");
        assertThat(created.out()).contains("configmap/settings created (server dry run)");
        assertThat(kubectl("get", "configmap", "settings", "-n", "dry").err()).contains("NotFound");
        Kubectl.Run applied = ok("apply", "-f", cm.toString(), "--dry-run=server");
        assertThat(applied.out()).contains("configmap/settings created (server dry run)");
        assertThat(kubectl("get", "configmap", "settings", "-n", "dry").err()).contains("NotFound");

        ok("apply", "-f", cm.toString());
        Path changed = write("dry-cm2.yaml", configMap("dry", "settings", "two", null));
        Kubectl.Run reapplied = ok("apply", "-f", changed.toString(), "--dry-run=server", "-o", "jsonpath={.data.k}");
        assertThat(reapplied.out()).isEqualTo("two");
        Kubectl.Run deleted = ok("delete", "configmap", "settings", "-n", "dry", "--dry-run=server");
        assertThat(deleted.out()).contains("configmap \"settings\" deleted (server dry run)");
        assertThat(ok("get", "configmap", "settings", "-n", "dry", "-o", "jsonpath={.data.k}").out()).isEqualTo("one");
    }

    @Test
    void finalizerLifecycle() throws Exception {
        ok("apply", "-f", write("fin-ns.yaml", namespace("fin")).toString());
        ok("apply", "-f", write("fin-cm.yaml", configMap("fin", "held", "x", "[example.com/cleanup]")).toString());
        Kubectl.Run deleted = ok("delete", "configmap", "held", "-n", "fin", "--wait=false");
        assertThat(deleted.out()).contains("configmap \"held\" deleted");
        assertThat(ok("get", "configmap", "held", "-n", "fin", "-o", "jsonpath={.metadata.deletionTimestamp}").out()).isNotEmpty();

        Kubectl.Run patched = ok("patch", "configmap", "held", "-n", "fin", "--type=merge", "-p", "{\"metadata\":{\"finalizers\":null}}");
        assertThat(patched.out()).contains("configmap/held patched");
        assertThat(kubectl("get", "configmap", "held", "-n", "fin").err()).contains("NotFound");

        // kubectl delete --cascade=orphan records the orphan finalizer for the garbage collector
        ok("apply", "-f", write("fin-cm2.yaml", configMap("fin", "orphaned", "x", null)).toString());
        ok("delete", "configmap", "orphaned", "-n", "fin", "--cascade=orphan", "--wait=false");
        assertThat(ok("get", "configmap", "orphaned", "-n", "fin", "-o", "jsonpath={.metadata.finalizers}").out()).contains("orphan");
    }

    @Test
    void aNamespaceCreatedWithAnEmptySpecStillGetsTheKubernetesFinalizer() throws Exception {
        // kubectl create namespace sends "spec: {}": the finalizer is what makes the namespace
        // controller empty and purge the namespace once it is deleted
        ok("create", "namespace", "empty-spec");
        assertThat(ok("get", "namespace", "empty-spec", "-o", "jsonpath={.spec.finalizers}").out())
                .isEqualTo("[\"kubernetes\"]");
    }

    @Test
    void deletedNamespaceShowsTerminating() throws Exception {
        ok("apply", "-f", write("doomed-ns.yaml", namespace("doomed")).toString());
        Kubectl.Run deleted = ok("delete", "namespace", "doomed", "--wait=false");
        assertThat(deleted.out()).contains("namespace \"doomed\" deleted");
        Kubectl.Run get = ok("get", "namespace", "doomed");
        assertThat(get.out()).containsPattern("doomed\\s+Terminating");
        Kubectl.Run create = kubectl("create", "-f", write("doomed-cm.yaml", configMap("doomed", "late", "x", null)).toString());
        assertThat(create.exit()).isNotZero();
        assertThat(create.err()).contains("Error from server (Forbidden)",
                "unable to create new content in namespace doomed because it is being terminated");
        Kubectl.Run protectedNs = kubectl("delete", "namespace", "kube-system", "--wait=false");
        assertThat(protectedNs.err()).contains("Forbidden");
    }

    @Test
    void describeShowsEvents() throws Exception {
        ok("apply", "-f", write("desc.yaml", namespace("desc") + """
                ---
                apiVersion: v1
                kind: Pod
                metadata:
                  name: web
                  namespace: desc
                spec:
                  containers:
                  - name: web
                    image: nginx:1.25
                ---
                apiVersion: apps/v1
                kind: Deployment
                metadata:
                  name: web
                  namespace: desc
                spec:
                  selector:
                    matchLabels: {app: web}
                  template:
                    metadata:
                      labels: {app: web}
                    spec:
                      containers:
                      - name: web
                        image: nginx:1.25
                """).toString());
        for (String kind : List.of("Pod", "Deployment")) {
            String path = kind.equals("Pod") ? "/api/v1/namespaces/desc/pods/web" : "/apis/apps/v1/namespaces/desc/deployments/web";
            JsonNode object = server.get(path).json();
            String apiVersion = kind.equals("Pod") ? "v1" : "apps/v1";
            TestServer.Reply event = server.post("/api/v1/namespaces/desc/events",
                    "{\"apiVersion\":\"v1\",\"kind\":\"Event\",\"metadata\":{\"name\":\"web-" + kind.toLowerCase() + "\"},"
                            + "\"involvedObject\":{\"kind\":\"" + kind + "\",\"name\":\"web\",\"namespace\":\"desc\",\"apiVersion\":\""
                            + apiVersion + "\",\"uid\":\"" + object.at("/metadata/uid").asText() + "\"},"
                            + "\"reason\":\"Tested" + kind + "\",\"message\":\"a message for the " + kind.toLowerCase() + "\","
                            + "\"type\":\"Normal\",\"source\":{\"component\":\"karavel-test\"},\"count\":1,"
                            + "\"firstTimestamp\":\"2026-11-25T15:00:00Z\",\"lastTimestamp\":\"2026-11-25T15:00:00Z\"}");
            assertThat(event.code()).as(event.text()).isEqualTo(201);
        }
        Kubectl.Run pod = ok("describe", "pod", "web", "-n", "desc");
        assertThat(pod.out()).contains("Events:", "TestedPod", "karavel-test", "a message for the pod").doesNotContain("TestedDeployment");
        Kubectl.Run deployment = ok("describe", "deployment", "web", "-n", "desc");
        assertThat(deployment.out()).contains("Events:", "TestedDeployment", "a message for the deployment")
                .doesNotContain("TestedPod");
        Kubectl.Run events = ok("get", "events", "-n", "desc");
        assertThat(events.out()).contains("TestedPod", "TestedDeployment");
    }
}
