package io.karavel.apiserver.impl;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.karavel.store.mapdb.impl.MapDbStore;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The API server over real HTTP on a loopback port, backed by an in-memory MapDB store. */
class ApiServerHttpTest {
    private static TestServer s;
    private static final AtomicInteger NS = new AtomicInteger();

    @BeforeAll
    static void start() throws Exception {
        // a short history makes 410 Expired easy to reach
        s = new TestServer(MapDbStore.Options.defaults().withHistorySize(50), null);
    }

    @AfterAll
    static void stop() throws Exception {
        s.close();
    }

    /** A fresh namespace per test so tests do not see each other's objects. */
    private static String namespace() throws Exception {
        String name = "t" + NS.incrementAndGet();
        assertThat(s.post("/api/v1/namespaces", "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"" + name + "\"}}").code())
                .isEqualTo(201);
        return name;
    }

    private static String configMap(String name, String value) {
        return "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"" + name + "\",\"labels\":{\"app\":\"" + value
                + "\"}},\"data\":{\"k\":\"" + value + "\"}}";
    }

    private static String deployment(String name, String extraSpec) {
        return "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"" + name + "\"},\"spec\":{"
                + extraSpec + "\"selector\":{\"matchLabels\":{\"app\":\"" + name + "\"}},"
                + "\"template\":{\"metadata\":{\"labels\":{\"app\":\"" + name + "\"}},"
                + "\"spec\":{\"containers\":[{\"name\":\"web\",\"image\":\"nginx:1.25\"},{\"name\":\"side\",\"image\":\"busybox\"}]}}}}";
    }

    // ------------------------------------------------------------ version, health, discovery

    @Test
    void versionAndHealth() throws Exception {
        JsonNode v = s.get("/version").json();
        assertThat(v.get("gitVersion").asText()).startsWith("v1.32.");
        assertThat(v.get("major").asText()).isEqualTo("1");
        assertThat(v.get("minor").asText()).isEqualTo("32");
        for (String p : List.of("/healthz", "/livez", "/readyz")) {
            TestServer.Reply r = s.get(p);
            assertThat(r.code()).isEqualTo(200);
            assertThat(r.text()).isEqualTo("ok");
        }
    }

    @Test
    void legacyDiscovery() throws Exception {
        assertThat(s.get("/api").json().get("versions").toString()).isEqualTo("[\"v1\"]");
        JsonNode groups = s.get("/apis").json();
        assertThat(groups.get("kind").asText()).isEqualTo("APIGroupList");
        assertThat(groups.findValuesAsText("name")).contains("apps", "coordination.k8s.io");

        JsonNode core = s.get("/api/v1").json();
        assertThat(core.get("groupVersion").asText()).isEqualTo("v1");
        JsonNode pods = find(core, "pods");
        assertThat(pods.get("namespaced").asBoolean()).isTrue();
        assertThat(pods.get("kind").asText()).isEqualTo("Pod");
        assertThat(pods.get("shortNames").toString()).isEqualTo("[\"po\"]");
        assertThat(pods.get("categories").toString()).isEqualTo("[\"all\"]");
        assertThat(pods.get("verbs").toString()).contains("watch", "patch", "deletecollection");
        assertThat(find(core, "pods/status").get("verbs").toString()).isEqualTo("[\"get\",\"patch\",\"update\"]");
        assertThat(find(core, "pods/log")).isNotNull();
        assertThat(find(core, "nodes").get("namespaced").asBoolean()).isFalse();
        for (String shortName : List.of("svc", "cm", "ns", "no", "ev")) {
            assertThat(core.toString()).contains("\"" + shortName + "\"");
        }

        JsonNode apps = s.get("/apis/apps/v1").json();
        JsonNode scale = find(apps, "deployments/scale");
        assertThat(scale.get("group").asText()).isEqualTo("autoscaling");
        assertThat(scale.get("version").asText()).isEqualTo("v1");
        assertThat(scale.get("kind").asText()).isEqualTo("Scale");
        assertThat(find(apps, "replicasets/scale")).isNotNull();
        assertThat(find(apps, "deployments").get("shortNames").toString()).isEqualTo("[\"deploy\"]");
        assertThat(s.get("/apis/apps").json().get("preferredVersion").get("groupVersion").asText()).isEqualTo("apps/v1");
        assertThat(s.get("/apis/nope/v1").code()).isEqualTo(404);
    }

    @Test
    void discoveryAnswersAggregatedWhenOffered() throws Exception {
        // (more in ConformanceHttpTest)
        var request = java.net.http.HttpRequest.newBuilder(java.net.URI.create(s.url() + "/apis"))
                .header("Accept", "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json")
                .build();
        var r = s.http.send(request, java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type").orElseThrow())
                .isEqualTo("application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList");
        assertThat(r.body()).contains("APIGroupDiscoveryList");
    }

    @Test
    void openApiV3AdvertisesFieldValidationForEveryKind() throws Exception {
        JsonNode index = s.get("/openapi/v3").json();
        assertThat(index.get("paths").has("api/v1")).isTrue();
        String url = index.get("paths").get("apis/apps/v1").get("serverRelativeURL").asText();
        JsonNode doc = s.get(url).json();
        JsonNode patch = doc.get("paths").get("/apis/apps/v1/namespaces/{namespace}/deployments/{name}").get("patch");
        assertThat(patch.get("x-kubernetes-group-version-kind").get("kind").asText()).isEqualTo("Deployment");
        assertThat(patch.get("parameters").findValuesAsText("name")).contains("fieldValidation");
        assertThat(patch.get("requestBody").get("content").has("application/merge-patch+json")).isTrue();
        JsonNode core = s.get("/openapi/v3/api/v1").json();
        for (String kind : List.of("Namespace", "ConfigMap", "Secret", "Event", "Pod", "Service", "Node")) {
            assertThat(core.get("paths").findValuesAsText("kind")).contains(kind);
        }
        assertThat(s.get("/openapi/v2").code()).isEqualTo(404);
    }

    private static JsonNode find(JsonNode resourceList, String name) {
        for (JsonNode r : resourceList.get("resources")) {
            if (r.get("name").asText().equals(name)) {
                return r;
            }
        }
        return null;
    }

    // ------------------------------------------------------------ CRUD and defaults

    @Test
    void systemNamespacesExist() throws Exception {
        JsonNode list = s.get("/api/v1/namespaces").json();
        assertThat(list.get("kind").asText()).isEqualTo("NamespaceList");
        assertThat(list.get("items").findValuesAsText("name"))
                .contains("default", "kube-system", "kube-public", "kube-node-lease");
        assertThat(s.get("/api/v1/namespaces/default").json().at("/status/phase").asText()).isEqualTo("Active");
    }

    @Test
    void createGetListUpdateDelete() throws Exception {
        String ns = namespace();
        String base = "/api/v1/namespaces/" + ns + "/configmaps";
        TestServer.Reply created = s.post(base, configMap("a", "one"));
        assertThat(created.code()).isEqualTo(201);
        JsonNode meta = created.json().get("metadata");
        assertThat(meta.get("uid").asText()).isNotEmpty();
        assertThat(meta.get("creationTimestamp").asText()).endsWith("Z");
        assertThat(meta.get("namespace").asText()).isEqualTo(ns);
        long rv = Long.parseLong(meta.get("resourceVersion").asText());

        assertThat(s.get(base + "/a").json().at("/data/k").asText()).isEqualTo("one");
        JsonNode list = s.get(base).json();
        assertThat(list.get("kind").asText()).isEqualTo("ConfigMapList");
        assertThat(list.get("items")).hasSize(1);
        assertThat(Long.parseLong(list.at("/metadata/resourceVersion").asText())).isGreaterThanOrEqualTo(rv);
        assertThat(s.get("/api/v1/configmaps").json().get("items").findValuesAsText("namespace")).contains(ns);

        TestServer.Reply updated = s.put(base + "/a", configMap("a", "two"));
        assertThat(updated.code()).isEqualTo(200);
        assertThat(updated.json().at("/metadata/uid").asText()).isEqualTo(meta.get("uid").asText());
        assertThat(updated.json().at("/metadata/creationTimestamp").asText()).isEqualTo(meta.get("creationTimestamp").asText());
        assertThat(Long.parseLong(updated.json().at("/metadata/resourceVersion").asText())).isGreaterThan(rv);

        TestServer.Reply deleted = s.delete(base + "/a");
        assertThat(deleted.code()).isEqualTo(200);
        assertThat(deleted.json().at("/metadata/name").asText()).isEqualTo("a");
        assertThat(s.get(base + "/a").code()).isEqualTo(404);
    }

    @Test
    void clusterScopedNodes() throws Exception {
        String node = "{\"apiVersion\":\"v1\",\"kind\":\"Node\",\"metadata\":{\"name\":\"n1\"},\"status\":{\"phase\":\"Running\"}}";
        TestServer.Reply r = s.post("/api/v1/nodes", node);
        assertThat(r.code()).isEqualTo(201);
        assertThat(r.json().at("/metadata").has("namespace")).isFalse();
        assertThat(r.json().at("/status/phase").asText()).as("a node keeps its status on create").isEqualTo("Running");
        assertThat(s.get("/api/v1/nodes/n1").code()).isEqualTo(200);
        assertThat(s.get("/api/v1/namespaces/default/nodes/n1").code()).isEqualTo(404);
    }

    @Test
    void deploymentDefaultsGenerationAndStatusPreservation() throws Exception {
        String ns = namespace();
        String base = "/apis/apps/v1/namespaces/" + ns + "/deployments";
        JsonNode d = s.post(base, deployment("web", "")).json();
        assertThat(d.at("/spec/replicas").asInt()).isEqualTo(1);
        assertThat(d.at("/spec/strategy/type").asText()).isEqualTo("RollingUpdate");
        assertThat(d.at("/spec/strategy/rollingUpdate/maxSurge").asText()).isEqualTo("25%");
        assertThat(d.at("/spec/strategy/rollingUpdate/maxUnavailable").asText()).isEqualTo("25%");
        assertThat(d.at("/spec/revisionHistoryLimit").asInt()).isEqualTo(10);
        assertThat(d.at("/spec/progressDeadlineSeconds").asInt()).isEqualTo(600);
        JsonNode pod = d.at("/spec/template/spec");
        assertThat(pod.get("restartPolicy").asText()).isEqualTo("Always");
        assertThat(pod.get("dnsPolicy").asText()).isEqualTo("ClusterFirst");
        assertThat(pod.get("terminationGracePeriodSeconds").asInt()).isEqualTo(30);
        assertThat(pod.get("schedulerName").asText()).isEqualTo("default-scheduler");
        assertThat(pod.at("/containers/0/imagePullPolicy").asText()).isEqualTo("IfNotPresent");
        assertThat(pod.at("/containers/1/imagePullPolicy").asText()).isEqualTo("Always");
        assertThat(pod.at("/containers/0/terminationMessagePath").asText()).isEqualTo("/dev/termination-log");
        assertThat(d.at("/metadata/generation").asLong()).isEqualTo(1);

        // a metadata-only change keeps the generation; a spec change bumps it
        JsonNode labelled = s.patch(base + "/web", "application/merge-patch+json", "{\"metadata\":{\"labels\":{\"x\":\"y\"}}}").json();
        assertThat(labelled.at("/metadata/generation").asLong()).isEqualTo(1);
        JsonNode scaled = s.patch(base + "/web", "application/merge-patch+json", "{\"spec\":{\"replicas\":3}}").json();
        assertThat(scaled.at("/metadata/generation").asLong()).isEqualTo(2);

        // main-resource writes cannot set status
        JsonNode withStatus = s.patch(base + "/web", "application/merge-patch+json", "{\"status\":{\"replicas\":7}}").json();
        assertThat(withStatus.has("status") && withStatus.at("/status/replicas").asInt() == 7).isFalse();
        // the status subresource can
        JsonNode status = s.patch(base + "/web/status", "application/merge-patch+json",
                "{\"status\":{\"replicas\":3,\"observedGeneration\":2}}").json();
        assertThat(status.at("/status/replicas").asInt()).isEqualTo(3);
        assertThat(status.at("/metadata/generation").asLong()).isEqualTo(2);
        // and a later main-resource PUT keeps it
        JsonNode put = s.put(base + "/web", deployment("web", "\"replicas\":3,")).json();
        assertThat(put.at("/status/replicas").asInt()).isEqualTo(3);
    }

    @Test
    void serviceAndPodDefaults() throws Exception {
        String ns = namespace();
        JsonNode svc = s.post("/api/v1/namespaces/" + ns + "/services",
                "{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":{\"name\":\"web\"},\"spec\":{\"selector\":{\"app\":\"web\"},\"ports\":[{\"port\":80}]}}").json();
        assertThat(svc.at("/spec/type").asText()).isEqualTo("ClusterIP");
        assertThat(svc.at("/spec/sessionAffinity").asText()).isEqualTo("None");
        assertThat(svc.at("/spec/ports/0/protocol").asText()).isEqualTo("TCP");
        assertThat(svc.at("/spec/ports/0/targetPort").asInt()).isEqualTo(80);
        JsonNode pod = s.post("/api/v1/namespaces/" + ns + "/pods",
                "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"generateName\":\"web-\"},\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"x:1\"}]}}").json();
        assertThat(pod.at("/metadata/name").asText()).startsWith("web-").hasSize(9);
        assertThat(pod.at("/status/phase").asText()).isEqualTo("Pending");
        assertThat(pod.at("/spec/restartPolicy").asText()).isEqualTo("Always");
    }

    @Test
    void leaseSecretAndEvent() throws Exception {
        String ns = namespace();
        TestServer.Reply lease = s.post("/apis/coordination.k8s.io/v1/namespaces/" + ns + "/leases",
                "{\"apiVersion\":\"coordination.k8s.io/v1\",\"kind\":\"Lease\",\"metadata\":{\"name\":\"n1\"},"
                        + "\"spec\":{\"holderIdentity\":\"n1\",\"leaseDurationSeconds\":40,\"renewTime\":\"2026-11-25T15:00:00.123456Z\"}}");
        assertThat(lease.code()).as(lease.text()).isEqualTo(201);
        assertThat(lease.json().at("/spec/renewTime").asText()).isEqualTo("2026-11-25T15:00:00.123456Z");
        JsonNode secret = s.post("/api/v1/namespaces/" + ns + "/secrets",
                "{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"metadata\":{\"name\":\"s\"},\"stringData\":{\"pw\":\"hunter2\"}}").json();
        assertThat(secret.at("/data/pw").asText()).isEqualTo("aHVudGVyMg==");
        assertThat(secret.has("stringData")).isFalse();
        assertThat(secret.get("type").asText()).isEqualTo("Opaque");
        TestServer.Reply event = s.post("/api/v1/namespaces/" + ns + "/events",
                "{\"apiVersion\":\"v1\",\"kind\":\"Event\",\"metadata\":{\"name\":\"e\"},\"involvedObject\":{\"kind\":\"Pod\",\"name\":\"p\"},"
                        + "\"reason\":\"Started\",\"type\":\"Normal\",\"eventTime\":\"2026-11-25T15:00:00.123456Z\",\"count\":1}");
        assertThat(event.code()).as(event.text()).isEqualTo(201);
        assertThat(event.json().at("/metadata").has("generation")).isFalse();
    }

    @Test
    void scaleSubresource() throws Exception {
        String ns = namespace();
        String base = "/apis/apps/v1/namespaces/" + ns + "/deployments";
        s.post(base, deployment("web", ""));
        JsonNode scale = s.get(base + "/web/scale").json();
        assertThat(scale.get("kind").asText()).isEqualTo("Scale");
        assertThat(scale.at("/spec/replicas").asInt()).isEqualTo(1);
        assertThat(scale.at("/status/selector").asText()).isEqualTo("app=web");
        JsonNode patched = s.patch(base + "/web/scale", "application/merge-patch+json", "{\"spec\":{\"replicas\":4}}").json();
        assertThat(patched.at("/spec/replicas").asInt()).isEqualTo(4);
        assertThat(s.get(base + "/web").json().at("/spec/replicas").asInt()).isEqualTo(4);
        String stale = "{\"apiVersion\":\"autoscaling/v1\",\"kind\":\"Scale\",\"metadata\":{\"name\":\"web\",\"resourceVersion\":\"1\"},\"spec\":{\"replicas\":2}}";
        assertThat(s.put(base + "/web/scale", stale).code()).isEqualTo(409);
    }

    @Test
    void pagingWithLimitAndContinue() throws Exception {
        String ns = namespace();
        String base = "/api/v1/namespaces/" + ns + "/configmaps";
        for (int i = 0; i < 5; i++) {
            s.post(base, configMap("c" + i, "v"));
        }
        List<String> names = new ArrayList<>();
        String cont = null;
        int pages = 0;
        do {
            JsonNode page = s.get(base + "?limit=2" + (cont == null ? "" : "&continue=" + cont)).json();
            page.get("items").forEach(i -> names.add(i.at("/metadata/name").asText()));
            cont = page.at("/metadata/continue").isMissingNode() ? null : page.at("/metadata/continue").asText();
            pages++;
        } while (cont != null);
        assertThat(names).containsExactly("c0", "c1", "c2", "c3", "c4");
        assertThat(pages).isEqualTo(3);
        assertThat(s.get(base + "?continue=garbage").code()).isEqualTo(400);
    }

    @Test
    void labelAndFieldSelectors() throws Exception {
        String ns = namespace();
        String base = "/api/v1/namespaces/" + ns + "/configmaps";
        s.post(base, configMap("a", "web"));
        s.post(base, configMap("b", "db"));
        assertThat(s.get(base + "?labelSelector=app%3Dweb").json().get("items").findValuesAsText("name")).containsExactly("a");
        assertThat(s.get(base + "?labelSelector=app+notin+(web)").json().get("items").findValuesAsText("name")).containsExactly("b");
        assertThat(s.get(base + "?labelSelector=app!%3Dweb").json().get("items").findValuesAsText("name")).containsExactly("b");
        assertThat(s.get(base + "?fieldSelector=metadata.name%3Db").json().get("items").findValuesAsText("name")).containsExactly("b");
        TestServer.Reply bad = s.get(base + "?fieldSelector=spec.nodeName%3Dx");
        assertThat(bad.code()).isEqualTo(400);
        assertThat(bad.json().get("message").asText()).isEqualTo("field label not supported: spec.nodeName");
    }

    @Test
    void kindSpecificFieldSelectorsAndDeleteCollection() throws Exception {
        String ns = namespace();
        String pods = "/api/v1/namespaces/" + ns + "/pods";
        String pod = "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"%s\",\"labels\":{\"app\":\"x\"}},"
                + "\"spec\":{%s\"containers\":[{\"name\":\"c\",\"image\":\"i\"}]}}";
        s.post(pods, pod.formatted("bound", "\"nodeName\":\"n1\","));
        s.post(pods, pod.formatted("pending", ""));
        assertThat(names(s.get(pods + "?fieldSelector=spec.nodeName%3Dn1").json().get("items"))).containsExactly("bound");
        assertThat(names(s.get(pods + "?fieldSelector=spec.nodeName%3D").json().get("items"))).containsExactly("pending");
        assertThat(names(s.get(pods + "?fieldSelector=status.phase%3DPending,spec.nodeName!%3Dn1").json().get("items"))).containsExactly("pending");
        assertThat(s.get("/api/v1/namespaces/" + ns + "/events?fieldSelector=involvedObject.name%3Dbound").code()).isEqualTo(200);
        assertThat(s.get("/api/v1/nodes?fieldSelector=spec.unschedulable%3Dfalse").code()).isEqualTo(200);

        // gracePeriodSeconds=0: a pod bound to a node would otherwise wait for its node agent
        JsonNode deleted = s.send("DELETE", pods + "?labelSelector=app%3Dx&gracePeriodSeconds=0", null, null).json();
        assertThat(deleted.get("items")).hasSize(2);
        assertThat(s.get(pods).json().get("items")).isEmpty();
    }

    private static List<String> names(JsonNode items) {
        List<String> names = new ArrayList<>();
        items.forEach(i -> names.add(i.at("/metadata/name").asText()));
        return names;
    }

    @Test
    void tablesForKubectlGet() throws Exception {
        String ns = namespace();
        String base = "/apis/apps/v1/namespaces/" + ns + "/deployments";
        s.post(base, deployment("web", "\"replicas\":2,"));
        String accept = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json";
        var request = java.net.http.HttpRequest.newBuilder(java.net.URI.create(s.url() + base + "?limit=500")).header("Accept", accept).build();
        JsonNode table = TestServer.JSON.readTree(s.http.send(request, java.net.http.HttpResponse.BodyHandlers.ofString()).body());
        assertThat(table.get("kind").asText()).isEqualTo("Table");
        assertThat(table.get("columnDefinitions").findValuesAsText("name")).containsExactly(
                "Name", "Ready", "Up-to-date", "Available", "Age", "Containers", "Images", "Selector");
        assertThat(table.at("/columnDefinitions/5/priority").asInt()).as("wide only").isEqualTo(1);
        assertThat(table.at("/rows/0/cells/0").asText()).isEqualTo("web");
        assertThat(table.at("/rows/0/cells/1").asText()).isEqualTo("0/2");
        assertThat(table.at("/rows/0/cells/6").asText()).isEqualTo("nginx:1.25,busybox");
        assertThat(table.at("/rows/0/object/kind").asText()).isEqualTo("PartialObjectMetadata");
        assertThat(table.at("/rows/0/object/metadata/namespace").asText()).isEqualTo(ns);
        assertThat(table.at("/metadata/resourceVersion").asText()).isNotEmpty();

        try (WatchReader w = new WatchReader(s.http, s.url() + base + "?watch=true", "Accept", accept)) {
            JsonNode e = w.next();
            assertThat(e.get("type").asText()).isEqualTo("ADDED");
            assertThat(e.at("/object/kind").asText()).isEqualTo("Table");
            assertThat(e.at("/object/rows/0/cells/0").asText()).isEqualTo("web");
        }
    }

    // ------------------------------------------------------------ errors

    @Test
    void errorsAreStatusObjects() throws Exception {
        String ns = namespace();
        String base = "/api/v1/namespaces/" + ns + "/configmaps";

        TestServer.Reply notFound = s.get(base + "/missing");
        assertStatus(notFound, 404, "NotFound");
        assertThat(notFound.json().get("message").asText()).isEqualTo("configmaps \"missing\" not found");
        assertThat(notFound.json().at("/details/kind").asText()).isEqualTo("configmaps");
        assertStatus(s.get("/apis/apps/v1/namespaces/" + ns + "/deployments/x"), 404, "NotFound");
        assertThat(s.get("/apis/apps/v1/namespaces/" + ns + "/deployments/x").json().get("message").asText())
                .isEqualTo("deployments.apps \"x\" not found");
        assertStatus(s.get("/api/v1/nothing"), 404, "NotFound");

        s.post(base, configMap("dup", "x"));
        TestServer.Reply exists = s.post(base, configMap("dup", "x"));
        assertStatus(exists, 409, "AlreadyExists");
        assertThat(exists.json().get("message").asText()).isEqualTo("configmaps \"dup\" already exists");

        TestServer.Reply invalid = s.post(base, configMap("Bad_Name", "x"));
        assertStatus(invalid, 422, "Invalid");
        assertThat(invalid.json().get("message").asText()).startsWith("ConfigMap \"Bad_Name\" is invalid: metadata.name: Invalid value");
        assertThat(invalid.json().at("/details/causes/0/field").asText()).isEqualTo("metadata.name");
        assertThat(invalid.json().at("/details/causes/0/reason").asText()).isEqualTo("FieldValueInvalid");

        TestServer.Reply noName = s.post(base, "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{}}");
        assertStatus(noName, 422, "Invalid");
        assertThat(noName.json().at("/details/causes/0/message").asText()).contains("name or generateName is required");

        TestServer.Reply badPod = s.post("/api/v1/namespaces/" + ns + "/pods",
                "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\"},\"spec\":{\"containers\":[{\"name\":\"c\"}]}}");
        assertStatus(badPod, 422, "Invalid");
        assertThat(badPod.json().at("/details/causes").findValuesAsText("field")).contains("spec.containers[0].image");

        TestServer.Reply mismatch = s.post(base, "{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"metadata\":{\"name\":\"x\"}}");
        assertStatus(mismatch, 400, "BadRequest");
        TestServer.Reply wrongNs = s.post(base, "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"x\",\"namespace\":\"other\"}}");
        assertStatus(wrongNs, 400, "BadRequest");
        assertStatus(s.post(base, "{not json"), 400, "BadRequest");

        TestServer.Reply noNamespace = s.post("/api/v1/namespaces/absent/configmaps", configMap("x", "y"));
        assertStatus(noNamespace, 404, "NotFound");
        assertThat(noNamespace.json().get("message").asText()).isEqualTo("namespaces \"absent\" not found");

        TestServer.Reply protobuf = s.send("POST", base, "text/plain", "data: x");
        assertStatus(protobuf, 415, "UnsupportedMediaType");
        assertStatus(s.patch(base + "/dup", "application/yaml", "data: {}"), 415, "UnsupportedMediaType");
        assertStatus(s.send("POST", base + "/dup", "application/json", configMap("dup", "x")), 405, "MethodNotAllowed");
        assertStatus(s.delete("/api/v1/namespaces/" + ns + "/pods/p/exec"), 405, "MethodNotAllowed");
        assertStatus(s.get("/api/v1/namespaces/" + ns + "/pods/p/exec"), 404, "NotFound");

        TestServer.Reply dryRun = s.post(base + "?dryRun=Bogus", configMap("dry", "x"));
        assertStatus(dryRun, 422, "Invalid");
        assertThat(s.get(base + "/dry").code()).isEqualTo(404);
    }

    @Test
    void systemNamespacesCannotBeDeleted() throws Exception {
        assertStatus(s.delete("/api/v1/namespaces/default"), 403, "Forbidden");
    }

    private static void assertStatus(TestServer.Reply r, int code, String reason) {
        assertThat(r.code()).as(r.text()).isEqualTo(code);
        assertThat(r.json().get("kind").asText()).isEqualTo("Status");
        assertThat(r.json().get("status").asText()).isEqualTo("Failure");
        assertThat(r.json().get("reason").asText()).isEqualTo(reason);
        assertThat(r.json().get("code").asInt()).isEqualTo(code);
    }

    // ------------------------------------------------------------ concurrency and strictness

    @Test
    void optimisticConcurrency() throws Exception {
        String ns = namespace();
        String base = "/api/v1/namespaces/" + ns + "/configmaps";
        String rv = s.post(base, configMap("c", "1")).json().at("/metadata/resourceVersion").asText();
        String withRv = configMap("c", "2").replace("\"name\":\"c\"", "\"name\":\"c\",\"resourceVersion\":\"" + rv + "\"");
        assertThat(s.put(base + "/c", withRv).code()).isEqualTo(200);
        TestServer.Reply stale = s.put(base + "/c", withRv);
        assertStatus(stale, 409, "Conflict");
        assertThat(stale.json().get("message").asText()).isEqualTo(
                "Operation cannot be fulfilled on configmaps \"c\": the object has been modified; please apply your"
                        + " changes to the latest version and try again");
        assertThat(s.put(base + "/c", configMap("c", "3")).code()).as("no resourceVersion: unconditional").isEqualTo(200);

        // a JSON patch that sets the resourceVersion is a precondition (fabric8 edit())
        String current = s.get(base + "/c").json().at("/metadata/resourceVersion").asText();
        String jsonPatch = "[{\"op\":\"replace\",\"path\":\"/metadata/resourceVersion\",\"value\":\"" + rv + "\"},"
                + "{\"op\":\"replace\",\"path\":\"/data/k\",\"value\":\"4\"}]";
        assertStatus(s.patch(base + "/c", "application/json-patch+json", jsonPatch), 409, "Conflict");
        assertThat(s.patch(base + "/c", "application/json-patch+json", jsonPatch.replace(rv, current)).code()).isEqualTo(200);

        // DELETE preconditions
        String uid = s.get(base + "/c").json().at("/metadata/uid").asText();
        assertStatus(s.send("DELETE", base + "/c", "application/json", "{\"preconditions\":{\"uid\":\"nope\"}}"), 409, "Conflict");
        assertStatus(s.send("DELETE", base + "/c", "application/json", "{\"preconditions\":{\"resourceVersion\":\"1\"}}"), 409, "Conflict");
        assertThat(s.send("DELETE", base + "/c", "application/json", "{\"preconditions\":{\"uid\":\"" + uid + "\"}}").code()).isEqualTo(200);
    }

    @Test
    void concurrentUnconditionalPatchesAllApply() throws Exception {
        String ns = namespace();
        String path = "/api/v1/namespaces/" + ns + "/configmaps/c";
        s.post("/api/v1/namespaces/" + ns + "/configmaps", configMap("c", "0"));
        List<Thread> threads = new ArrayList<>();
        List<Integer> codes = java.util.Collections.synchronizedList(new ArrayList<>());
        for (int i = 0; i < 8; i++) {
            int n = i;
            Thread t = new Thread(() -> {
                try {
                    codes.add(s.patch(path, "application/merge-patch+json", "{\"data\":{\"k" + n + "\":\"v\"}}").code());
                } catch (Exception e) {
                    codes.add(-1);
                }
            });
            threads.add(t);
            t.start();
        }
        for (Thread t : threads) {
            t.join();
        }
        assertThat(codes).containsOnly(200);
        assertThat(s.get(path).json().get("data").size()).isEqualTo(9);
    }

    @Test
    void strictDecoding() throws Exception {
        String ns = namespace();
        String base = "/apis/apps/v1/namespaces/" + ns + "/deployments";
        String unknown = deployment("web", "\"foo\":1,").replace("\"image\":\"busybox\"", "\"image\":\"busybox\",\"bar\":2");
        TestServer.Reply strict = s.post(base + "?fieldValidation=Strict", unknown);
        assertStatus(strict, 400, "BadRequest");
        assertThat(strict.json().get("message").asText()).isEqualTo(
                "Deployment in version \"v1\" cannot be handled as a Deployment: strict decoding error:"
                        + " unknown field \"spec.foo\", unknown field \"spec.template.spec.containers[1].bar\"");

        TestServer.Reply warn = s.post(base + "?fieldValidation=Warn", unknown);
        assertThat(warn.code()).isEqualTo(201);
        assertThat(warn.raw().headers().allValues("Warning")).anyMatch(w -> w.contains("unknown field \\\"spec.foo\\\""));
        assertThat(warn.json().at("/spec").has("foo")).isFalse();
        assertThat(s.get(base + "/web").json().at("/spec").has("foo")).as("unknown fields are never stored").isFalse();

        TestServer.Reply ignore = s.post(base + "?fieldValidation=Ignore", unknown.replace("\"name\":\"web\"", "\"name\":\"web2\""));
        assertThat(ignore.code()).isEqualTo(201);
        assertThat(ignore.raw().headers().allValues("Warning")).isEmpty();

        TestServer.Reply patchStrict = s.patch(base + "/web?fieldValidation=Strict", "application/strategic-merge-patch+json",
                "{\"metadata\":{\"bogus\":1}}");
        assertStatus(patchStrict, 400, "BadRequest");
        assertThat(patchStrict.json().get("message").asText()).contains("unknown field \"metadata.bogus\"");
    }

    @Test
    void strategicMergePatchKeepsTheSecondContainer() throws Exception {
        String ns = namespace();
        String base = "/apis/apps/v1/namespaces/" + ns + "/deployments";
        s.post(base, deployment("web", ""));
        JsonNode r = s.patch(base + "/web", "application/strategic-merge-patch+json",
                "{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"web\",\"image\":\"nginx:1.26\"}]}}}}").json();
        assertThat(r.at("/spec/template/spec/containers")).hasSize(2);
        assertThat(r.at("/spec/template/spec/containers/0/image").asText()).isEqualTo("nginx:1.26");
        JsonNode merge = s.patch(base + "/web", "application/merge-patch+json",
                "{\"metadata\":{\"annotations\":{\"kubectl.kubernetes.io/last-applied-configuration\":\"{\\\"a\\\":1}\\n\"}}}").json();
        assertThat(merge.at("/metadata/annotations/kubectl.kubernetes.io~1last-applied-configuration").asText()).isEqualTo("{\"a\":1}\n");
    }

    // ------------------------------------------------------------ watch

    @Test
    void watchFromNowSendsSyntheticAddsThenChangesInOrder() throws Exception {
        String ns = namespace();
        String base = "/api/v1/namespaces/" + ns + "/configmaps";
        s.post(base, configMap("existing", "x"));
        try (WatchReader w = new WatchReader(s.http, s.url() + base + "?watch=true")) {
            assertThat(w.status()).isEqualTo(200);
            JsonNode first = w.next();
            assertThat(first.get("type").asText()).isEqualTo("ADDED");
            assertThat(first.at("/object/metadata/name").asText()).isEqualTo("existing");
            s.post(base, configMap("new", "x"));
            s.put(base + "/new", configMap("new", "y"));
            s.delete(base + "/new");
            long previous = 0;
            for (String expected : List.of("ADDED", "MODIFIED", "DELETED")) {
                JsonNode e = w.next();
                assertThat(e.get("type").asText()).isEqualTo(expected);
                assertThat(e.at("/object/metadata/name").asText()).isEqualTo("new");
                long rv = Long.parseLong(e.at("/object/metadata/resourceVersion").asText());
                assertThat(rv).isGreaterThan(previous);
                previous = rv;
            }
        }
    }

    @Test
    void watchFromAResourceVersionSendsOnlyLaterChanges() throws Exception {
        String ns = namespace();
        String base = "/api/v1/namespaces/" + ns + "/configmaps";
        s.post(base, configMap("before", "x"));
        String listRv = s.get(base).json().at("/metadata/resourceVersion").asText();
        s.post(base, configMap("after", "x"));
        try (WatchReader w = new WatchReader(s.http, s.url() + base + "?watch=1&resourceVersion=" + listRv)) {
            JsonNode e = w.next();
            assertThat(e.get("type").asText()).isEqualTo("ADDED");
            assertThat(e.at("/object/metadata/name").asText()).isEqualTo("after");
        }
    }

    @Test
    void watchWithSelectorsTurnsLabelChangesIntoAddedAndDeleted() throws Exception {
        String ns = namespace();
        String base = "/api/v1/namespaces/" + ns + "/configmaps";
        s.post(base, configMap("c", "db"));
        try (WatchReader w = new WatchReader(s.http, s.url() + base + "?watch=true&labelSelector=app%3Dweb&allowWatchBookmarks=true")) {
            s.patch(base + "/c", "application/merge-patch+json", "{\"metadata\":{\"labels\":{\"app\":\"web\"}}}");
            assertThat(w.next().get("type").asText()).isEqualTo("ADDED");
            s.patch(base + "/c", "application/merge-patch+json", "{\"data\":{\"x\":\"1\"}}");
            assertThat(w.next().get("type").asText()).isEqualTo("MODIFIED");
            s.patch(base + "/c", "application/merge-patch+json", "{\"metadata\":{\"labels\":{\"app\":\"db\"}}}");
            assertThat(w.next().get("type").asText()).isEqualTo("DELETED");
        }
    }

    @Test
    void watchOneObjectByFieldSelector() throws Exception {
        String ns = namespace();
        String base = "/api/v1/namespaces/" + ns + "/configmaps";
        try (WatchReader w = new WatchReader(s.http, s.url() + base + "?watch=true&fieldSelector=metadata.name%3Db")) {
            s.post(base, configMap("a", "x"));
            s.post(base, configMap("b", "x"));
            JsonNode e = w.next();
            assertThat(e.at("/object/metadata/name").asText()).isEqualTo("b");
        }
    }

    @Test
    void watchFromACompactedRevisionIsExpired() throws Exception {
        String ns = namespace();
        String base = "/api/v1/namespaces/" + ns + "/configmaps";
        String oldRv = s.post(base, configMap("c", "0")).json().at("/metadata/resourceVersion").asText();
        for (int i = 0; i < 60; i++) {
            s.put(base + "/c", configMap("c", Integer.toString(i)));
        }
        try (WatchReader w = new WatchReader(s.http, s.url() + base + "?watch=true&resourceVersion=" + oldRv)) {
            assertThat(w.status()).isEqualTo(200);
            JsonNode e = w.next();
            assertThat(e.get("type").asText()).isEqualTo("ERROR");
            assertThat(e.at("/object/code").asInt()).isEqualTo(410);
            assertThat(e.at("/object/reason").asText()).isEqualTo("Expired");
            assertThat(w.ended()).isTrue();
        }
    }

    @Test
    void manyIdleWatchesHoldNoThreads() throws Exception {
        // More watches than the server has threads (200): if each held a thread, the later
        // watches and the create below would never be served.
        String ns = namespace();
        String base = "/api/v1/namespaces/" + ns + "/configmaps";
        List<WatchReader> watches = new ArrayList<>();
        try {
            for (int i = 0; i < 250; i++) {
                watches.add(new WatchReader(s.http, s.url() + base + "?watch=true&resourceVersion=" + s.store.currentRevision()));
            }
            assertThat(s.post(base, configMap("hello", "x")).code()).isEqualTo(201);
            for (WatchReader w : watches) {
                assertThat(w.next().at("/object/metadata/name").asText()).isEqualTo("hello");
            }
        } finally {
            watches.forEach(WatchReader::close);
        }
    }

    @Test
    void watchEndsAfterTimeoutSeconds() throws Exception {
        String ns = namespace();
        try (WatchReader w = new WatchReader(s.http, s.url() + "/api/v1/namespaces/" + ns + "/configmaps?watch=true&timeoutSeconds=1")) {
            assertThat(w.status()).isEqualTo(200);
            assertThat(w.ended()).isTrue();
        }
    }

    @Test
    void webSocketUpgradeGetsAPlain200ThatEndsAtOnce() throws Exception {
        String ns = namespace();
        String base = "/api/v1/namespaces/" + ns + "/configmaps";
        // java.net.http refuses the Upgrade header, so speak HTTP/1.1 on a socket
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", java.net.URI.create(s.url()).getPort())) {
            socket.setSoTimeout(10_000);
            String request = "GET " + base + "?watch=true&timeoutSeconds=600 HTTP/1.1\r\nHost: localhost\r\nConnection: Upgrade\r\n"
                    + "Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n";
            socket.getOutputStream().write(request.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            // the whole response arrives and the connection closes well before timeoutSeconds
            String response = new String(socket.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            assertThat(response).startsWith("HTTP/1.1 200 OK");
        }
    }
}
