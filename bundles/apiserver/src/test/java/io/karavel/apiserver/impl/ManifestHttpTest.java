package io.karavel.apiserver.impl;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.karavel.api.client.ManifestApplier;
import io.karavel.api.client.ManifestApplier.Outcome;
import io.karavel.apiserver.impl.manifest.InProcessManifestApplier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code POST /karavel/v1/manifests} against a real API server over MapDB: kubectl's
 * client-side apply semantics (created, configured by a three-way merge, unchanged without a
 * write), per-object failures, atomic applies with roll-back, dry runs, CRDs with their custom
 * resources, the body formats and the text output.
 */
class ManifestHttpTest {
    private static final String MANIFESTS = "/karavel/v1/manifests";
    private static final String YAML = "application/yaml";
    private static final AtomicInteger SEQ = new AtomicInteger();
    private static TestServer s;

    @BeforeAll
    static void start() throws Exception {
        s = new TestServer();
    }

    @AfterAll
    static void stop() throws Exception {
        s.close();
    }

    private static String uniqueNamespace() {
        return "shop" + SEQ.incrementAndGet();
    }

    /** A shop: ConfigMap, Namespace (second, yet applied first), Deployment, Service. */
    private static String shop(String ns, String greeting, boolean withColor, int replicas, boolean debugEnv) {
        return """
                apiVersion: v1
                kind: ConfigMap
                metadata:
                  name: web-config
                  namespace: %1$s
                data:
                  greeting: %2$s
                %3$s
                ---
                apiVersion: v1
                kind: Namespace
                metadata:
                  name: %1$s
                ---
                # the web front
                apiVersion: apps/v1
                kind: Deployment
                metadata:
                  name: web
                  namespace: %1$s
                  labels: {app: web}
                spec:
                  replicas: %4$d
                  selector:
                    matchLabels: {app: web}
                  template:
                    metadata:
                      labels: {app: web}
                    spec:
                      containers:
                      - name: web
                        image: nginx:1.25
                        env:
                        - name: MODE
                          value: prod
                %5$s
                        ports:
                        - containerPort: 80
                ---
                apiVersion: v1
                kind: Service
                metadata:
                  name: web
                  namespace: %1$s
                spec:
                  selector: {app: web}
                  ports:
                  - port: 80
                    targetPort: 80
                ---
                """.formatted(ns, greeting, withColor ? "  color: blue" : "", replicas,
                debugEnv ? "        - name: DEBUG\n          value: \"false\"" : "");
    }

    private static TestServer.Reply apply(String query, String contentType, String body) throws Exception {
        return s.send("POST", MANIFESTS + query, contentType, body);
    }

    private static List<String> outcomes(TestServer.Reply reply) {
        List<String> out = new ArrayList<>();
        reply.json().path("results").forEach(r -> out.add(r.path("outcome").asText()));
        return out;
    }

    private static String rv(String path) throws Exception {
        TestServer.Reply r = s.get(path);
        assertThat(r.code()).as(r.text()).isEqualTo(200);
        return r.json().path("metadata").path("resourceVersion").asText();
    }

    @Test
    void createsThenFindsNothingToDoThenConfiguresWithAThreeWayMerge() throws Exception {
        String ns = uniqueNamespace();
        TestServer.Reply created = apply("", YAML, shop(ns, "hello", true, 2, true));
        assertThat(created.code()).as(created.text()).isEqualTo(200);
        assertThat(created.json().path("succeeded").asBoolean()).isTrue();
        assertThat(outcomes(created)).containsExactly("CREATED", "CREATED", "CREATED", "CREATED");
        JsonNode first = created.json().path("results").get(0);
        assertThat(first.path("index").asInt()).isZero();
        assertThat(first.path("kind").asText()).isEqualTo("ConfigMap");
        assertThat(first.path("namespace").asText()).isEqualTo(ns);
        assertThat(first.path("name").asText()).isEqualTo("web-config");
        assertThat(created.json().path("results").get(1).path("namespace").isNull()).isTrue();

        TestServer.Reply deployment = s.get("/apis/apps/v1/namespaces/" + ns + "/deployments/web");
        assertThat(deployment.code()).isEqualTo(200);
        String lastApplied = deployment.json().path("metadata").path("annotations")
                .path(InProcessManifestApplier.LAST_APPLIED).asText();
        assertThat(TestServer.JSON.readTree(lastApplied).path("spec").path("replicas").asInt()).isEqualTo(2);
        assertThat(TestServer.JSON.readTree(lastApplied).path("metadata").path("namespace").asText()).isEqualTo(ns);
        assertThat(lastApplied).endsWith("}\n");

        // the same manifest again: nothing to write
        String configRv = rv("/api/v1/namespaces/" + ns + "/configmaps/web-config");
        String deploymentRv = rv("/apis/apps/v1/namespaces/" + ns + "/deployments/web");
        String serviceRv = rv("/api/v1/namespaces/" + ns + "/services/web");
        TestServer.Reply again = apply("", YAML, shop(ns, "hello", true, 2, true));
        assertThat(again.code()).as(again.text()).isEqualTo(200);
        assertThat(outcomes(again)).containsExactly("UNCHANGED", "UNCHANGED", "UNCHANGED", "UNCHANGED");
        assertThat(rv("/api/v1/namespaces/" + ns + "/configmaps/web-config")).isEqualTo(configRv);
        assertThat(rv("/apis/apps/v1/namespaces/" + ns + "/deployments/web")).isEqualTo(deploymentRv);
        assertThat(rv("/api/v1/namespaces/" + ns + "/services/web")).isEqualTo(serviceRv);

        // someone else labels the ConfigMap: not ours, so a later apply keeps it
        assertThat(s.patch("/api/v1/namespaces/" + ns + "/configmaps/web-config", "application/merge-patch+json",
                "{\"metadata\":{\"labels\":{\"owner\":\"ops\"}}}").code()).isEqualTo(200);

        // changed greeting, color and DEBUG dropped, 3 replicas
        TestServer.Reply changed = apply("", YAML, shop(ns, "hi", false, 3, false));
        assertThat(changed.code()).as(changed.text()).isEqualTo(200);
        assertThat(outcomes(changed)).containsExactly("CONFIGURED", "UNCHANGED", "CONFIGURED", "UNCHANGED");

        JsonNode config = s.get("/api/v1/namespaces/" + ns + "/configmaps/web-config").json();
        assertThat(config.path("data").toString()).isEqualTo("{\"greeting\":\"hi\"}");
        assertThat(config.path("metadata").path("labels").path("owner").asText()).isEqualTo("ops");
        JsonNode web = s.get("/apis/apps/v1/namespaces/" + ns + "/deployments/web").json();
        assertThat(web.path("spec").path("replicas").asInt()).isEqualTo(3);
        JsonNode container = web.path("spec").path("template").path("spec").path("containers").get(0);
        assertThat(container.path("env").toString()).isEqualTo("[{\"name\":\"MODE\",\"value\":\"prod\"}]");
        assertThat(container.path("ports").get(0).path("containerPort").asInt()).isEqualTo(80);
    }

    @Test
    void aBadObjectFailsAloneWhenNotAtomic() throws Exception {
        String ns = uniqueNamespace();
        String manifest = """
                apiVersion: v1
                kind: Namespace
                metadata: {name: %1$s}
                ---
                apiVersion: v1
                kind: ConfigMap
                metadata: {name: Bad_Name, namespace: %1$s}
                ---
                apiVersion: v1
                kind: ConfigMap
                metadata: {name: good, namespace: %1$s}
                data: {a: "1"}
                ---
                apiVersion: example.com/v1
                kind: Nothing
                metadata: {name: x}
                """.formatted(ns);
        TestServer.Reply reply = apply("", YAML, manifest);

        assertThat(reply.code()).as(reply.text()).isEqualTo(422);
        assertThat(reply.json().path("succeeded").asBoolean()).isFalse();
        assertThat(outcomes(reply)).containsExactly("CREATED", "FAILED", "CREATED", "FAILED");
        JsonNode bad = reply.json().path("results").get(1);
        assertThat(bad.path("code").asInt()).isEqualTo(422);
        assertThat(bad.path("message").asText()).startsWith("ConfigMap \"Bad_Name\" is invalid: metadata.name: Invalid value: \"Bad_Name\"");
        JsonNode unknown = reply.json().path("results").get(3);
        assertThat(unknown.path("code").asInt()).isEqualTo(404);
        assertThat(unknown.path("message").asText()).contains("no matches for kind \"Nothing\" in version \"example.com/v1\"");
        assertThat(s.get("/api/v1/namespaces/" + ns + "/configmaps/good").code()).isEqualTo(200);
    }

    @Test
    void anAtomicApplyWithABadObjectStoresNothing() throws Exception {
        String ns = uniqueNamespace();
        String manifest = """
                apiVersion: v1
                kind: ConfigMap
                metadata: {name: a, namespace: default}
                data: {k: v}
                ---
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: broken, namespace: default}
                spec:
                  replicas: -1
                  selector: {matchLabels: {app: broken}}
                  template:
                    metadata: {labels: {app: broken}}
                    spec: {containers: [{name: c, image: busybox}]}
                ---
                apiVersion: v1
                kind: Namespace
                metadata: {name: %s}
                """.formatted(ns);
        TestServer.Reply reply = apply("?atomic=true", YAML, manifest);

        assertThat(reply.code()).as(reply.text()).isEqualTo(422);
        assertThat(outcomes(reply)).containsExactly("SKIPPED", "FAILED", "SKIPPED");
        assertThat(reply.json().path("results").get(1).path("message").asText()).contains("spec.replicas");
        assertThat(s.get("/api/v1/namespaces/default/configmaps/a").code()).isEqualTo(404);
        assertThat(s.get("/api/v1/namespaces/" + ns).code()).isEqualTo(404);
    }

    @Test
    void anAtomicApplyRollsBackWhenAWriteFailsMidway() throws Exception {
        // an existing ConfigMap the manifest changes, and a custom resource the schema of its CRD
        // (in the manifest) refuses: the dry run cannot check it before the CRD exists
        String ns = uniqueNamespace();
        assertThat(s.post("/api/v1/namespaces/default/configmaps",
                "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"kept-" + ns + "\"},\"data\":{\"k\":\"old\"}}")
                .code()).isEqualTo(201);
        String manifest = """
                apiVersion: v1
                kind: ConfigMap
                metadata: {name: kept-%1$s}
                data: {k: new}
                ---
                apiVersion: v1
                kind: Namespace
                metadata: {name: %1$s}
                ---
                apiVersion: v1
                kind: ConfigMap
                metadata: {name: fine, namespace: %1$s}
                ---
                apiVersion: %1$s.example.com/v1
                kind: Sprocket
                metadata: {name: s1}
                spec: {teeth: many}
                ---
                apiVersion: v1
                kind: ConfigMap
                metadata: {name: never-%1$s}
                ---
                %2$s
                """.formatted(ns, crd(ns + ".example.com", "sprockets", "Sprocket"));
        TestServer.Reply reply = apply("?atomic=true", YAML, manifest);

        assertThat(reply.code()).as(reply.text()).isEqualTo(422);
        assertThat(outcomes(reply)).containsExactly("ROLLED_BACK", "ROLLED_BACK", "ROLLED_BACK", "FAILED", "SKIPPED", "ROLLED_BACK");
        JsonNode failed = reply.json().path("results").get(3);
        assertThat(failed.path("code").asInt()).isEqualTo(422);
        assertThat(failed.path("message").asText()).contains("spec.teeth");
        assertThat(reply.json().path("results").get(0).path("message").asText())
                .isEqualTo("rolled back: sprocket." + ns + ".example.com/s1 failed");
        assertThat(s.get("/api/v1/namespaces/default/configmaps/kept-" + ns).json().path("data").path("k").asText())
                .isEqualTo("old");
        assertThat(s.get("/api/v1/namespaces/" + ns + "/configmaps/fine").code()).isEqualTo(404);
        assertThat(s.get("/api/v1/namespaces/default/configmaps/never-" + ns).code()).isEqualTo(404);
        assertThat(s.get("/apis/apiextensions.k8s.io/v1/customresourcedefinitions/sprockets." + ns + ".example.com").code())
                .isEqualTo(404);
        // a namespace's deletion is graceful: it is gone or on its way
        TestServer.Reply namespace = s.get("/api/v1/namespaces/" + ns);
        assertThat(namespace.code() == 404 || namespace.json().path("metadata").has("deletionTimestamp"))
                .as(namespace.text()).isTrue();
    }

    /** A namespaced CRD whose {@code spec.teeth} must be an integer. */
    private static String crd(String group, String plural, String kind) {
        return """
                apiVersion: apiextensions.k8s.io/v1
                kind: CustomResourceDefinition
                metadata: {name: %2$s.%1$s}
                spec:
                  group: %1$s
                  scope: Namespaced
                  names: {plural: %2$s, singular: %3$s, kind: %4$s}
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
                              teeth: {type: integer}
                """.formatted(group, plural, kind.toLowerCase(java.util.Locale.ROOT), kind);
    }

    @Test
    void aDryRunStoresNothingAndSaysWhatWouldHappen() throws Exception {
        String ns = uniqueNamespace();
        assertThat(apply("", YAML, """
                apiVersion: v1
                kind: ConfigMap
                metadata: {name: dry-%s}
                data: {k: v1}
                """.formatted(ns)).code()).isEqualTo(200);
        String rv = rv("/api/v1/namespaces/default/configmaps/dry-" + ns);
        String manifest = """
                apiVersion: v1
                kind: ConfigMap
                metadata: {name: dry-%1$s}
                data: {k: v2}
                ---
                apiVersion: v1
                kind: Namespace
                metadata: {name: %1$s}
                ---
                apiVersion: v1
                kind: ConfigMap
                metadata: {name: inside, namespace: %1$s}
                ---
                apiVersion: v1
                kind: ConfigMap
                metadata: {name: Nope}
                """.formatted(ns);
        TestServer.Reply reply = apply("?dryRun=All", YAML, manifest);

        assertThat(reply.code()).as(reply.text()).isEqualTo(422);
        assertThat(outcomes(reply)).containsExactly("CONFIGURED", "CREATED", "CREATED", "FAILED");
        assertThat(reply.json().path("results").get(2).path("message").asText())
                .isEqualTo("not validated: its namespace " + ns + " is created by this manifest");
        assertThat(rv("/api/v1/namespaces/default/configmaps/dry-" + ns)).isEqualTo(rv);
        assertThat(s.get("/api/v1/namespaces/" + ns).code()).isEqualTo(404);

        TestServer.Reply atomic = apply("?dryRun=All&atomic=true&output=text", YAML, manifest);
        assertThat(atomic.code()).isEqualTo(422);
        assertThat(atomic.text()).isEqualTo("""
                configmap/dry-%1$s skipped (server dry run)
                namespace/%1$s skipped (server dry run)
                configmap/inside skipped (server dry run)
                error: configmap/Nope: ConfigMap "Nope" is invalid: metadata.name: Invalid value: "Nope": a lowercase RFC 1123 \
                subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an \
                alphanumeric character (e.g. 'example.com', regex used for validation is \
                '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')
                """.formatted(ns));
    }

    @Test
    void aCrdAndItsCustomResourcesApplyInOneManifest() throws Exception {
        String manifest = """
                apiVersion: stable.example.com/v1
                kind: Gadget
                metadata: {name: g1}
                spec: {size: 3, tags: [a, b]}
                ---
                apiVersion: apiextensions.k8s.io/v1
                kind: CustomResourceDefinition
                metadata: {name: gadgets.stable.example.com}
                spec:
                  group: stable.example.com
                  scope: Namespaced
                  names: {plural: gadgets, singular: gadget, kind: Gadget}
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
                              size: {type: integer}
                              tags: {type: array, items: {type: string}}
                """;
        TestServer.Reply reply = apply("?namespace=kube-public", YAML, manifest);
        assertThat(reply.code()).as(reply.text()).isEqualTo(200);
        assertThat(outcomes(reply)).containsExactly("CREATED", "CREATED");
        assertThat(reply.json().path("results").get(0).path("namespace").asText()).isEqualTo("kube-public");
        JsonNode gadget = s.get("/apis/stable.example.com/v1/namespaces/kube-public/gadgets/g1").json();
        assertThat(gadget.path("spec").path("size").asInt()).isEqualTo(3);

        // custom resources take a JSON merge patch: lists replace, dropped fields go
        TestServer.Reply changed = apply("?namespace=kube-public", YAML, manifest.replace("{size: 3, tags: [a, b]}", "{tags: [c]}"));
        assertThat(outcomes(changed)).as(changed.text()).containsExactly("CONFIGURED", "UNCHANGED");
        gadget = s.get("/apis/stable.example.com/v1/namespaces/kube-public/gadgets/g1").json();
        assertThat(gadget.path("spec").toString()).isEqualTo("{\"tags\":[\"c\"]}");
    }

    @Test
    void acceptsAJsonListBody() throws Exception {
        String ns = uniqueNamespace();
        String list = """
                {"apiVersion":"v1","kind":"List","items":[
                  {"apiVersion":"v1","kind":"Namespace","metadata":{"name":"%1$s"}},
                  {"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"from-json"},"data":{"a":"1"}}]}
                """.formatted(ns);
        TestServer.Reply reply = apply("?namespace=" + ns, "application/json", list);

        assertThat(reply.code()).as(reply.text()).isEqualTo(200);
        assertThat(outcomes(reply)).containsExactly("CREATED", "CREATED");
        assertThat(s.get("/api/v1/namespaces/" + ns + "/configmaps/from-json").code()).isEqualTo(200);

        // JSON objects one after the other are a manifest too
        TestServer.Reply concatenated = apply("?namespace=" + ns, "application/json",
                "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"from-json\"},\"data\":{\"a\":\"1\"}}\n"
                        + "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"second\"}}");
        assertThat(outcomes(concatenated)).as(concatenated.text()).containsExactly("UNCHANGED", "CREATED");
    }

    @Test
    void textThatIsNotYamlIsA400WithTheLine() throws Exception {
        String broken = """
                apiVersion: v1
                kind: ConfigMap
                metadata:
                  name: x
                 data: [unclosed
                """;
        TestServer.Reply reply = apply("", "text/yaml", broken);

        assertThat(reply.code()).as(reply.text()).isEqualTo(400);
        assertThat(reply.json().path("kind").asText()).isEqualTo("Status");
        assertThat(reply.json().path("code").asInt()).isEqualTo(400);
        assertThat(reply.json().path("message").asText()).startsWith("error parsing YAML at line 5:");

        TestServer.Reply json = apply("", "application/json", "{\"apiVersion\": \"v1\",\n \"kind\": }");
        assertThat(json.code()).as(json.text()).isEqualTo(400);
        assertThat(json.json().path("message").asText()).startsWith("error parsing JSON at line 2:");

        // the Java API reports it as one failed result
        ManifestApplier.Report report = s.server.manifestApplier().apply(broken, new ManifestApplier.Options(null, false, false, null));
        assertThat(report.results()).hasSize(1);
        assertThat(report.results().get(0).outcome()).isEqualTo(Outcome.FAILED);
        assertThat(report.results().get(0).code()).isEqualTo(400);
        assertThat(report.results().get(0).message()).contains("line 5");
    }

    @Test
    void textOutputReadsLikeKubectl() throws Exception {
        String ns = uniqueNamespace();
        String manifest = shop(ns, "hello", true, 1, false);
        TestServer.Reply first = apply("?output=text", YAML, manifest);
        assertThat(first.code()).isEqualTo(200);
        assertThat(first.header("Content-Type")).startsWith("text/plain");
        assertThat(first.text()).isEqualTo("""
                configmap/web-config created
                namespace/%s created
                deployment.apps/web created
                service/web created
                """.formatted(ns));
        assertThat(apply("?output=text", YAML, manifest).text()).isEqualTo("""
                configmap/web-config unchanged
                namespace/%s unchanged
                deployment.apps/web unchanged
                service/web unchanged
                """.formatted(ns));
    }

    @Test
    void rejectsBadRequestsAsAWhole() throws Exception {
        assertThat(s.get(MANIFESTS).code()).isEqualTo(405);
        assertThat(apply("?atomic=maybe", YAML, "kind: x").code()).isEqualTo(400);
        assertThat(apply("?dryRun=Some", YAML, "kind: x").code()).isEqualTo(400);
        assertThat(apply("", YAML, "").code()).isEqualTo(400);
        // discovery does not list it
        assertThat(s.get("/apis").text()).doesNotContain("karavel");
    }

    @Test
    void curlPostsAManifestFile(@TempDir Path dir) throws Exception {
        String ns = uniqueNamespace();
        Path file = Files.writeString(dir.resolve("shop.yaml"), shop(ns, "hello", true, 1, false));
        Path curl = Path.of("/usr/bin/curl");
        String out;
        if (Files.isExecutable(curl)) {
            Process p = new ProcessBuilder(curl.toString(), "-sS", "-X", "POST", "-H", "Content-Type: application/yaml",
                    "--data-binary", "@" + file, s.url() + MANIFESTS + "?output=text")
                    .redirectErrorStream(true).start();
            try {
                assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
                out = new String(p.getInputStream().readAllBytes());
                assertThat(p.exitValue()).as(out).isZero();
            } finally {
                p.destroyForcibly();
            }
        } else {
            java.net.http.HttpResponse<String> r = s.http.send(java.net.http.HttpRequest.newBuilder(
                            java.net.URI.create(s.url() + MANIFESTS + "?output=text"))
                    .header("Content-Type", "application/yaml")
                    .POST(java.net.http.HttpRequest.BodyPublishers.ofFile(file)).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            out = r.body();
        }
        assertThat(out).isEqualTo("""
                configmap/web-config created
                namespace/%s created
                deployment.apps/web created
                service/web created
                """.formatted(ns));
    }
}
