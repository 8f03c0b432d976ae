package io.karavel.apiserver.impl;

import io.karavel.testing.Kubectl;
import static io.karavel.testing.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The real kubectl (v1.32) for the everyday verbs not covered elsewhere: label, annotate, patch
 * in each {@code --type}, set-based {@code -l} selectors, {@code --field-selector}, {@code -o
 * wide}, paging with {@code --chunk-size}, {@code get --watch} printing table rows and {@code
 * describe} of every kind. Skipped
 * when kubectl is not installed.
 */
class KubectlEverydayTest extends KubectlTestSupport {
    private static final String NS = "everyday";


    @BeforeAll
    static void createObjects() throws Exception {
        ok("create", "namespace", NS);
        StringBuilder manifest = new StringBuilder();
        String[][] maps = {{"cm-a", "prod", "web"}, {"cm-b", "staging", "web"}, {"cm-c", "dev", "db"}, {"cm-d", "prod", "db"}};
        for (String[] m : maps) {
            manifest.append("---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ").append(m[0])
                    .append("\n  namespace: ").append(NS)
                    .append("\n  labels:\n    env: ").append(m[1]).append("\n    tier: ").append(m[2])
                    .append("\ndata:\n  k: v\n");
        }
        ok("apply", "-f", write("maps.yaml", manifest.toString()).toString());
    }

    private static String names(String... selectorArgs) throws Exception {
        String[] args = new String[selectorArgs.length + 5];
        args[0] = "get";
        args[1] = "configmaps";
        args[2] = "-n";
        args[3] = NS;
        args[4] = "-o=jsonpath={.items[*].metadata.name}";
        System.arraycopy(selectorArgs, 0, args, 5, selectorArgs.length);
        return ok(args).out();
    }

    @Test
    void setBasedLabelSelectorsAndFieldSelectors() throws Exception {
        assertThat(names("-l", "env in (prod,staging)")).isEqualTo("cm-a cm-b cm-d");
        assertThat(names("-l", "env notin (prod),tier=web")).isEqualTo("cm-b");
        assertThat(names("-l", "!missing,tier!=web")).isEqualTo("cm-c cm-d");
        assertThat(names("-l", "env")).isEqualTo("cm-a cm-b cm-c cm-d");
        assertThat(names("--field-selector", "metadata.name!=cm-a")).isEqualTo("cm-b cm-c cm-d");
        Kubectl.Run unsupported = kubectl.run("get", "configmaps", "-n", NS, "--field-selector", "data.k=v");
        assertThat(unsupported.exit()).isNotZero();
        assertThat(unsupported.err()).contains("field label not supported: data.k");
    }

    @Test
    void labelAnnotateAndPatchInEveryType() throws Exception {
        ok("label", "configmap", "cm-a", "-n", NS, "team=blue");
        ok("annotate", "configmap", "cm-a", "-n", NS, "owner=ops");
        ok("patch", "configmap", "cm-a", "-n", NS, "--type=merge", "-p", "{\"data\":{\"merged\":\"yes\"}}");
        ok("patch", "configmap", "cm-a", "-n", NS, "--type=json",
                "-p", "[{\"op\":\"add\",\"path\":\"/data/json\",\"value\":\"yes\"}]");
        ok("patch", "configmap", "cm-a", "-n", NS, "--type=strategic", "-p", "{\"data\":{\"strategic\":\"yes\"}}");
        String got = ok("get", "configmap", "cm-a", "-n", NS, "-o",
                "jsonpath={.metadata.labels.team} {.metadata.annotations.owner} {.data.merged} {.data.json} {.data.strategic} {.data.k}")
                .out();
        assertThat(got).isEqualTo("blue ops yes yes yes v");

        ok("label", "configmap", "cm-a", "-n", NS, "team-");
        assertThat(ok("get", "configmap", "cm-a", "-n", NS, "-o", "jsonpath={.metadata.labels}").out())
                .doesNotContain("team");
        Kubectl.Run failedTest = kubectl.run("patch", "configmap", "cm-a", "-n", NS, "--type=json",
                "-p", "[{\"op\":\"test\",\"path\":\"/data/k\",\"value\":\"other\"}]");
        assertThat(failedTest.exit()).as("a failed JSON-patch test operation").isNotZero();
    }

    @Test
    void wideOutputAndPagingWithChunkSize() throws Exception {
        ok("apply", "-f", write("deploy.yaml", """
                apiVersion: apps/v1
                kind: Deployment
                metadata:
                  name: web
                  namespace: everyday
                spec:
                  replicas: 2
                  selector:
                    matchLabels: {app: web}
                  template:
                    metadata:
                      labels: {app: web}
                    spec:
                      containers:
                        - name: web
                          image: localhost/busybox:latest
                """).toString());
        String wide = ok("get", "deployment", "web", "-n", NS, "-o", "wide").out();
        assertThat(wide.lines().findFirst().orElseThrow()).contains("CONTAINERS", "IMAGES", "SELECTOR");
        assertThat(wide).contains("localhost/busybox:latest", "app=web");

        // --chunk-size=1: kubectl lists with limit=1 and follows the continue tokens
        Kubectl.Run paged = ok("get", "configmaps", "-n", NS, "--chunk-size=1", "-v=6");
        assertThat(paged.out()).contains("cm-a", "cm-b", "cm-c", "cm-d");
        assertThat(paged.err()).contains("limit=1").contains("continue=");
    }

    @Test
    void watchPrintsTableRows() throws Exception {
        // in its own namespace, so that the other tests' selections stay as they are
        ok("create", "namespace", "watched");
        ok("create", "configmap", "cm-w", "-n", "watched");
        Process watch = kubectl.builder("get", "configmaps", "-n", "watched", "--watch").start();
        List<String> lines = new CopyOnWriteArrayList<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(watch.getInputStream(), StandardCharsets.UTF_8))) {
                in.lines().forEach(lines::add);
            } catch (Exception e) {
                // destroyed
            }
        });
        reader.setDaemon(true);
        reader.start();
        try {
            eventually("the initial row", java.time.Duration.ofSeconds(30), () -> lines.stream().anyMatch(l -> l.startsWith("cm-w")));
            assertThat(lines.get(0)).startsWith("NAME").contains("DATA").contains("AGE");
            ok("apply", "-f", write("watched.yaml", """
                    apiVersion: v1
                    kind: ConfigMap
                    metadata:
                      name: cm-e
                      namespace: watched
                    data: {a: b, c: d}
                    """).toString());
            eventually("a row for the new ConfigMap", java.time.Duration.ofSeconds(30), () -> lines.stream().anyMatch(l -> l.matches("cm-e\\s+2\\s+.*")));
        } finally {
            watch.destroy();
            watch.waitFor(10, TimeUnit.SECONDS);
        }
    }


    @Test
    void describeWorksForEveryKind() throws Exception {
        ok("create", "namespace", "described");
        ok("apply", "-f", write("every-kind.yaml", """
                apiVersion: v1
                kind: ConfigMap
                metadata: {name: cm, namespace: described}
                data: {a: b}
                ---
                apiVersion: v1
                kind: Secret
                metadata: {name: sec, namespace: described}
                stringData: {a: b}
                ---
                apiVersion: v1
                kind: Pod
                metadata: {name: pod, namespace: described, labels: {app: x}}
                spec:
                  containers: [{name: c, image: localhost/busybox:latest}]
                ---
                apiVersion: v1
                kind: Service
                metadata: {name: svc, namespace: described}
                spec:
                  selector: {app: x}
                  ports: [{port: 80}]
                ---
                apiVersion: v1
                kind: Node
                metadata: {name: node-1, labels: {kubernetes.io/hostname: node-1}}
                ---
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: dep, namespace: described}
                spec:
                  selector: {matchLabels: {app: x}}
                  template:
                    metadata: {labels: {app: x}}
                    spec: {containers: [{name: c, image: localhost/busybox:latest}]}
                ---
                apiVersion: apps/v1
                kind: ReplicaSet
                metadata: {name: rs, namespace: described}
                spec:
                  selector: {matchLabels: {app: x}}
                  template:
                    metadata: {labels: {app: x}}
                    spec: {containers: [{name: c, image: localhost/busybox:latest}]}
                ---
                apiVersion: coordination.k8s.io/v1
                kind: Lease
                metadata: {name: lease, namespace: described}
                spec: {holderIdentity: me, leaseDurationSeconds: 40}
                ---
                apiVersion: v1
                kind: Event
                metadata: {name: ev, namespace: described}
                involvedObject: {kind: Pod, name: pod, namespace: described}
                reason: Testing
                message: hello
                type: Normal
                """).toString());
        ok("apply", "-f", write("crd.yaml", """
                apiVersion: apiextensions.k8s.io/v1
                kind: CustomResourceDefinition
                metadata:
                  name: widgets.examples.karavel.io
                spec:
                  group: examples.karavel.io
                  scope: Namespaced
                  names: {plural: widgets, singular: widget, kind: Widget}
                  versions:
                    - name: v1
                      served: true
                      storage: true
                      schema:
                        openAPIV3Schema:
                          type: object
                          properties:
                            spec:
                              type: object
                              properties:
                                size: {type: integer, maximum: 10}
                """).toString());
        ok("wait", "--for=condition=Established", "crd/widgets.examples.karavel.io", "--timeout=30s");
        ok("apply", "-f", write("widget.yaml", """
                apiVersion: examples.karavel.io/v1
                kind: Widget
                metadata: {name: w1, namespace: described}
                spec: {size: 3}
                """).toString());
        for (String object : List.of("namespace/described", "configmap/cm", "secret/sec", "pod/pod", "service/svc",
                "node/node-1", "deployment/dep", "replicaset/rs", "lease/lease", "event/ev",
                "customresourcedefinition/widgets.examples.karavel.io", "widget/w1")) {
            String described = ok("describe", "-n", "described", object).out();
            String name = object.substring(object.indexOf('/') + 1);
            assertThat(described).as(object).containsPattern("(?m)^Name:\\s+" + java.util.regex.Pattern.quote(name) + "$");
        }
    }
}
