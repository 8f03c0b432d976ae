package io.karavel.apiserver.impl;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.karavel.apiserver.impl.registry.ResourceType;
import io.karavel.apiserver.impl.strategy.SimpleStrategy;
import io.karavel.apiserver.impl.selector.FieldSelector;
import io.karavel.apiserver.impl.table.BuiltinColumns;
import io.karavel.store.mapdb.impl.MapDbStore;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Server-side apply, aggregated discovery, and behaviours taken from the Kubernetes conformance
 * suite (watch resume and expiry, bookmarks, watch-list initial events, the status subresource,
 * set-based selectors on list and watch), over real HTTP.
 */
class ConformanceHttpTest {
    /** What kubectl 1.32 sends for discovery (seen with {@code kubectl -v=8}). */
    static final String KUBECTL_DISCOVERY_ACCEPT = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,"
            + "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json";

    private static TestServer s;
    private static final AtomicInteger NS = new AtomicInteger();

    @BeforeAll
    static void start() throws Exception {
        // a short history for 410 Expired; bookmarks every 200 ms instead of every minute
        s = new TestServer(new ApiServerSettings("127.0.0.1", 0, null, Duration.ofMillis(200)),
                MapDbStore.Options.defaults().withHistorySize(50));
    }

    @AfterAll
    static void stop() throws Exception {
        s.close();
    }

    private static String namespace() throws Exception {
        String name = "c" + NS.incrementAndGet();
        assertThat(s.post("/api/v1/namespaces", "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"" + name + "\"}}").code())
                .isEqualTo(201);
        return name;
    }

    private static String configMap(String name, String labels) {
        return "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"" + name + "\",\"labels\":{" + labels
                + "}},\"data\":{\"k\":\"v\"}}";
    }

    private static TestServer.Reply apply(String path, String body) throws Exception {
        return s.patch(path, "application/apply-patch+yaml", body);
    }

    private static final String DEPLOYMENT_YAML = """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: web
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
            status:
              replicas: 42
            """;

    // ------------------------------------------------------------ server-side apply

    @Test
    void serverSideApplyCreatesThenMergesByKey() throws Exception {
        String ns = namespace();
        String path = "/apis/apps/v1/namespaces/" + ns + "/deployments/web";

        TestServer.Reply noManager = apply(path, DEPLOYMENT_YAML.formatted(2, "one"));
        assertThat(noManager.code()).isEqualTo(400);
        assertThat(noManager.json().get("message").asText())
                .isEqualTo("PATCH " + path + ": fieldManager is required for apply requests");

        TestServer.Reply created = apply(path + "?fieldManager=me", DEPLOYMENT_YAML.formatted(2, "one"));
        assertThat(created.code()).as(created.text()).isEqualTo(201);
        JsonNode d = created.json();
        assertThat(d.at("/spec/replicas").asInt()).isEqualTo(2);
        assertThat(d.at("/spec/revisionHistoryLimit").asInt()).as("defaulted like a create").isEqualTo(10);
        assertThat(d.at("/metadata/uid").asText()).isNotEmpty();
        assertThat(d.at("/status/replicas").asInt()).as("apply on the main resource sets no status").isNotEqualTo(42);
        assertThat(d.at("/metadata/managedFields/0/manager").asText()).isEqualTo("me");
        assertThat(d.at("/metadata/managedFields/0/operation").asText()).isEqualTo("Apply");
        assertThat(d.at("/metadata/managedFields/0/fieldsType").asText()).isEqualTo("FieldsV1");
        JsonNode fields = d.at("/metadata/managedFields/0/fieldsV1");
        assertThat(fields.at("/f:metadata/f:labels/f:app").isObject()).isTrue();
        assertThat(fields.at("/f:metadata").has("f:name")).as("identity is nobody's").isFalse();
        assertThat(fields.has("f:status")).isFalse();
        assertThat(fields.at("/f:spec/f:replicas").isObject()).isTrue();
        JsonNode web0 = fields.at("/f:spec/f:template/f:spec/f:containers").get("k:{\"name\":\"web\"}");
        assertThat(web0.has(".")).isTrue();
        assertThat(web0.at("/f:env").has("k:{\"name\":\"MODE\"}")).isTrue();
        assertThat(web0.at("/f:ports").has("k:{\"containerPort\":80}")).isTrue();

        // another writer adds a third container; the manager re-applies its two with a change
        s.patch(path, "application/strategic-merge-patch+json",
                "{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"extra\",\"image\":\"redis\"}]}}}}");
        TestServer.Reply reapplied = apply(path + "?fieldManager=me&force=true", DEPLOYMENT_YAML.formatted(3, "two"));
        assertThat(reapplied.code()).as(reapplied.text()).isEqualTo(200);
        JsonNode r = reapplied.json();
        assertThat(r.at("/spec/replicas").asInt()).isEqualTo(3);
        assertThat(r.at("/metadata/generation").asLong()).isEqualTo(3);
        JsonNode containers = r.at("/spec/template/spec/containers");
        List<String> names = new ArrayList<>();
        JsonNode web = null;
        for (JsonNode c : containers) {
            names.add(c.get("name").asText());
            web = c.get("name").asText().equals("web") ? c : web;
        }
        assertThat(names).containsExactlyInAnyOrder("web", "sidecar", "extra");
        assertThat(web).isNotNull();
        assertThat(web.at("/env/0/value").asText()).isEqualTo("two");
        assertThat(web.get("env")).hasSize(2);
        assertThat(web.at("/ports/0/containerPort").asInt()).isEqualTo(80);
        assertThat(r.at("/metadata/managedFields").findValuesAsText("manager")).containsExactly("me");
        assertThat(r.at("/metadata/uid").asText()).isEqualTo(d.at("/metadata/uid").asText());

        // apply on /scale
        TestServer.Reply scale = apply(path + "/scale?fieldManager=hpa",
                "apiVersion: autoscaling/v1\nkind: Scale\nmetadata:\n  name: web\nspec:\n  replicas: 5\n");
        assertThat(scale.code()).as(scale.text()).isEqualTo(200);
        assertThat(scale.json().get("kind").asText()).isEqualTo("Scale");
        assertThat(scale.json().at("/spec/replicas").asInt()).isEqualTo(5);
        assertThat(s.get(path).json().at("/spec/replicas").asInt()).isEqualTo(5);
        assertThat(apply(path + "/scale", "spec: {replicas: 1}").code()).isEqualTo(400);
    }

    @Test
    void serverSideApplyAcceptsJsonAndRunsValidation() throws Exception {
        String ns = namespace();
        String path = "/api/v1/namespaces/" + ns + "/configmaps/";
        TestServer.Reply json = apply(path + "settings?fieldManager=kubectl&fieldValidation=Strict",
                "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"settings\"},\"data\":{\"a\":\"1\"}}");
        assertThat(json.code()).as(json.text()).isEqualTo(201);
        TestServer.Reply again = apply(path + "settings?fieldManager=kubectl",
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  b: \"2\"\n");
        assertThat(again.code()).isEqualTo(200);
        assertThat(again.json().get("data").toString()).isEqualTo("{\"a\":\"1\",\"b\":\"2\"}");

        TestServer.Reply invalid = apply(path + "Bad_Name?fieldManager=kubectl",
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: Bad_Name\n");
        assertThat(invalid.code()).isEqualTo(422);
        assertThat(invalid.json().get("message").asText()).startsWith("ConfigMap \"Bad_Name\" is invalid: metadata.name");

        TestServer.Reply mismatch = apply(path + "x?fieldManager=kubectl",
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: y\n");
        assertThat(mismatch.code()).isEqualTo(400);

        TestServer.Reply wrongKind = apply(path + "x?fieldManager=kubectl", "apiVersion: v1\nkind: Secret\nmetadata:\n  name: x\n");
        assertThat(wrongKind.code()).isEqualTo(400);

        TestServer.Reply notYaml = apply(path + "x?fieldManager=kubectl", "a: [");
        assertThat(notYaml.code()).isEqualTo(400);
        assertThat(s.get(path + "x").code()).isEqualTo(404);
    }

    // ------------------------------------------------------------ aggregated discovery

    private static HttpResponse<String> discover(String path, String accept) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(s.url() + path)).header("Accept", accept).build();
        return s.http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode resource(JsonNode list, String group, String plural) {
        for (JsonNode item : list.get("items")) {
            if (item.at("/metadata/name").asText("").equals(group)) {
                for (JsonNode r : item.at("/versions/0/resources")) {
                    if (r.get("resource").asText().equals(plural)) {
                        return r;
                    }
                }
            }
        }
        return null;
    }

    @Test
    void aggregatedDiscoveryForKubectl() throws Exception {
        HttpResponse<String> core = discover("/api", KUBECTL_DISCOVERY_ACCEPT);
        assertThat(core.statusCode()).isEqualTo(200);
        assertThat(core.headers().firstValue("Content-Type").orElseThrow())
                .isEqualTo("application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList");
        JsonNode coreDoc = TestServer.JSON.readTree(core.body());
        assertThat(coreDoc.get("kind").asText()).isEqualTo("APIGroupDiscoveryList");
        assertThat(coreDoc.get("apiVersion").asText()).isEqualTo("apidiscovery.k8s.io/v2");
        assertThat(coreDoc.get("items")).hasSize(1);
        assertThat(coreDoc.at("/items/0/versions/0/version").asText()).isEqualTo("v1");
        assertThat(coreDoc.at("/items/0/versions/0/freshness").asText()).isEqualTo("Current");
        JsonNode pods = resource(coreDoc, "", "pods");
        assertThat(pods.get("responseKind").toString()).isEqualTo("{\"group\":\"\",\"version\":\"v1\",\"kind\":\"Pod\"}");
        assertThat(pods.get("scope").asText()).isEqualTo("Namespaced");
        assertThat(pods.get("singularResource").asText()).isEqualTo("pod");
        assertThat(pods.get("shortNames").toString()).isEqualTo("[\"po\"]");
        assertThat(pods.get("categories").toString()).isEqualTo("[\"all\"]");
        assertThat(pods.get("verbs").toString()).contains("watch", "deletecollection");
        assertThat(pods.get("subresources").findValuesAsText("subresource")).contains("status", "log", "binding");
        assertThat(resource(coreDoc, "", "nodes").get("scope").asText()).isEqualTo("Cluster");

        HttpResponse<String> groups = discover("/apis", KUBECTL_DISCOVERY_ACCEPT);
        assertThat(groups.headers().firstValue("Content-Type").orElseThrow()).contains("as=APIGroupDiscoveryList");
        JsonNode groupsDoc = TestServer.JSON.readTree(groups.body());
        JsonNode deployments = resource(groupsDoc, "apps", "deployments");
        assertThat(deployments.get("responseKind").toString())
                .isEqualTo("{\"group\":\"apps\",\"version\":\"v1\",\"kind\":\"Deployment\"}");
        assertThat(deployments.get("shortNames").toString()).isEqualTo("[\"deploy\"]");
        JsonNode scale = null;
        for (JsonNode sub : deployments.get("subresources")) {
            if (sub.get("subresource").asText().equals("scale")) {
                scale = sub;
            }
        }
        assertThat(scale).isNotNull();
        assertThat(scale.get("responseKind").toString())
                .isEqualTo("{\"group\":\"autoscaling\",\"version\":\"v1\",\"kind\":\"Scale\"}");
        assertThat(scale.get("verbs").toString()).isEqualTo("[\"get\",\"patch\",\"update\"]");
        assertThat(resource(groupsDoc, "coordination.k8s.io", "leases")).isNotNull();

        // plain clients keep the legacy documents
        HttpResponse<String> legacy = discover("/apis", "application/json");
        assertThat(legacy.headers().firstValue("Content-Type").orElseThrow()).isEqualTo("application/json");
        assertThat(legacy.body()).contains("\"kind\":\"APIGroupList\"");
        // a client offering only v2beta1 gets the legacy documents too (only v2 is served)
        HttpResponse<String> beta = discover("/api", "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json");
        assertThat(beta.body()).contains("\"kind\":\"APIVersions\"");
    }

    @Test
    void aggregatedDiscoveryFollowsTheRegistry() throws Exception {
        ResourceType widgets = new ResourceType("example.karavel.io", "v1", "Widget", "widgets", "widget", true,
                List.of("wd"), List.of(), GenericKubernetesResource.class, List.of(),
                new SimpleStrategy(true, FieldSelector.COMMON_FIELDS, BuiltinColumns.CONFIG_MAP));
        assertThat(resource(TestServer.JSON.readTree(discover("/apis", KUBECTL_DISCOVERY_ACCEPT).body()),
                "example.karavel.io", "widgets")).isNull();
        s.server.registry().register(widgets);
        try {
            JsonNode added = resource(TestServer.JSON.readTree(discover("/apis", KUBECTL_DISCOVERY_ACCEPT).body()),
                    "example.karavel.io", "widgets");
            assertThat(added).isNotNull();
            assertThat(added.get("shortNames").toString()).isEqualTo("[\"wd\"]");
            assertThat(added.has("subresources")).isFalse();
        } finally {
            s.server.registry().unregister("example.karavel.io", "v1", "widgets");
        }
        assertThat(resource(TestServer.JSON.readTree(discover("/apis", KUBECTL_DISCOVERY_ACCEPT).body()),
                "example.karavel.io", "widgets")).isNull();
    }

    // ------------------------------------------------------------ watch

    private static long rv(JsonNode event) {
        return Long.parseLong(event.at("/object/metadata/resourceVersion").asText());
    }

    @Test
    void restartingAWatchFromTheLastSeenVersionNeitherMissesNorDuplicates() throws Exception {
        String ns = namespace();
        String base = "/api/v1/namespaces/" + ns + "/configmaps";
        List<String> seen = new ArrayList<>();
        long last;
        try (WatchReader w = new WatchReader(s.http, s.url() + base + "?watch=true&resourceVersion=0")) {
            s.post(base, configMap("a", ""));
            s.post(base, configMap("b", ""));
            JsonNode a = w.next();
            JsonNode b = w.next();
            seen.add(a.get("type").asText() + ":" + a.at("/object/metadata/name").asText());
            seen.add(b.get("type").asText() + ":" + b.at("/object/metadata/name").asText());
            assertThat(rv(b)).isGreaterThan(rv(a));
            last = rv(b);
        }
        // changes while disconnected, including one to an object seen before
        s.put(base + "/a", configMap("a", "\"v\":\"2\""));
        s.post(base, configMap("c", ""));
        s.delete(base + "/b");
        long previous = last;
        try (WatchReader w = new WatchReader(s.http, s.url() + base + "?watch=true&resourceVersion=" + last)) {
            for (int i = 0; i < 3; i++) {
                JsonNode e = w.next();
                assertThat(rv(e)).as("ordered, nothing at or before the resume point").isGreaterThan(previous);
                previous = rv(e);
                seen.add(e.get("type").asText() + ":" + e.at("/object/metadata/name").asText());
            }
            s.post(base, configMap("d", ""));
            JsonNode live = w.next();
            assertThat(rv(live)).isGreaterThan(previous);
            seen.add(live.get("type").asText() + ":" + live.at("/object/metadata/name").asText());
        }
        assertThat(seen).containsExactly("ADDED:a", "ADDED:b", "MODIFIED:a", "ADDED:c", "DELETED:b", "ADDED:d");
    }

    @Test
    void expiredHistoryIsA410StatusEvent() throws Exception {
        String ns = namespace();
        String base = "/api/v1/namespaces/" + ns + "/configmaps";
        String oldRv = s.post(base, configMap("c", "")).json().at("/metadata/resourceVersion").asText();
        for (int i = 0; i < 60; i++) {
            s.put(base + "/c", configMap("c", "\"i\":\"" + i + "\""));
        }
        try (WatchReader w = new WatchReader(s.http, s.url() + base + "?watch=true&resourceVersion=" + oldRv)) {
            JsonNode e = w.next();
            assertThat(e.get("type").asText()).isEqualTo("ERROR");
            assertThat(e.at("/object/kind").asText()).isEqualTo("Status");
            assertThat(e.at("/object/status").asText()).isEqualTo("Failure");
            assertThat(e.at("/object/reason").asText()).isEqualTo("Expired");
            assertThat(e.at("/object/code").asInt()).isEqualTo(410);
            assertThat(w.ended()).isTrue();
        }
        // the client's recovery: list again, watch from the list's version
        String listRv = s.get(base).json().at("/metadata/resourceVersion").asText();
        try (WatchReader w = new WatchReader(s.http, s.url() + base + "?watch=true&resourceVersion=" + listRv)) {
            s.delete(base + "/c");
            assertThat(w.next().get("type").asText()).isEqualTo("DELETED");
        }
    }

    @Test
    void bookmarksCarryOnlyTheResourceVersionAndOnlyWhenAllowed() throws Exception {
        String ns = namespace();
        String base = "/api/v1/namespaces/" + ns + "/configmaps";
        String from = s.get(base).json().at("/metadata/resourceVersion").asText();
        try (WatchReader with = new WatchReader(s.http, s.url() + base + "?watch=1&allowWatchBookmarks=true&resourceVersion=" + from);
                WatchReader without = new WatchReader(s.http, s.url() + base + "?watch=1&resourceVersion=" + from)) {
            JsonNode bookmark = with.next();
            assertThat(bookmark.get("type").asText()).isEqualTo("BOOKMARK");
            assertThat(bookmark.get("object").toString()).isEqualTo(
                    "{\"kind\":\"ConfigMap\",\"apiVersion\":\"v1\",\"metadata\":{\"resourceVersion\":\"" + from + "\"}}");
            long created = Long.parseLong(s.post(base, configMap("x", "")).json().at("/metadata/resourceVersion").asText());
            JsonNode e;
            do {
                e = with.next();
            } while (e.get("type").asText().equals("BOOKMARK"));
            assertThat(e.get("type").asText()).isEqualTo("ADDED");
            JsonNode after = with.next();
            assertThat(after.get("type").asText()).isEqualTo("BOOKMARK");
            assertThat(Long.parseLong(after.at("/object/metadata/resourceVersion").asText())).isEqualTo(created);
            // several bookmark intervals have passed: the other watch got the change, and nothing else
            JsonNode plain = without.next();
            assertThat(plain.get("type").asText()).isEqualTo("ADDED");
            s.delete(base + "/x");
            assertThat(without.next().get("type").asText()).isEqualTo("DELETED");
        }
    }

    @Test
    void sendInitialEventsEndsTheInitialEventsWithAnAnnotatedBookmark() throws Exception {
        String ns = namespace();
        String base = "/api/v1/namespaces/" + ns + "/configmaps";
        s.post(base, configMap("one", ""));
        s.post(base, configMap("two", ""));
        String query = "?watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true&resourceVersion=";
        try (WatchReader w = new WatchReader(s.http, s.url() + base + query)) {
            List<String> names = new ArrayList<>();
            names.add(w.next().at("/object/metadata/name").asText());
            names.add(w.next().at("/object/metadata/name").asText());
            assertThat(names).containsExactlyInAnyOrder("one", "two");
            JsonNode end = w.next();
            assertThat(end.get("type").asText()).isEqualTo("BOOKMARK");
            assertThat(end.at("/object/metadata/annotations/k8s.io~1initial-events-end").asText()).isEqualTo("true");
            s.post(base, configMap("three", ""));
            JsonNode e;
            do {
                e = w.next();
            } while (e.get("type").asText().equals("BOOKMARK"));
            assertThat(e.get("type").asText()).isEqualTo("ADDED");
            assertThat(e.at("/object/metadata/name").asText()).isEqualTo("three");
        }

        // sendInitialEvents=false without a resourceVersion: only what happens from now on
        try (WatchReader w = new WatchReader(s.http, s.url() + base
                + "?watch=1&sendInitialEvents=false&resourceVersionMatch=NotOlderThan")) {
            s.post(base, configMap("four", ""));
            assertThat(w.next().at("/object/metadata/name").asText()).isEqualTo("four");
        }

        TestServer.Reply noMatch = s.get(base + "?watch=1&sendInitialEvents=true&allowWatchBookmarks=true");
        assertThat(noMatch.code()).isEqualTo(422);
        assertThat(noMatch.json().get("message").asText()).isEqualTo("ListOptions.meta.k8s.io \"\" is invalid: "
                + "resourceVersionMatch: Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan");
        TestServer.Reply noBookmarks = s.get(base + "?watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan");
        assertThat(noBookmarks.code()).isEqualTo(422);
        assertThat(noBookmarks.json().get("message").asText()).contains("allowWatchBookmarks: Forbidden");
    }

    // ------------------------------------------------------------ status subresource

    /** The main resource ignores .status; /status changes only .status, for each kind with one. */
    @Test
    void statusSubresourceSeparatesSpecAndStatus() throws Exception {
        String ns = namespace();
        record Case(String path, String body, String specPointer, String specChange, String statusPointer, String statusChange) {}
        List<Case> cases = List.of(
                new Case("/apis/apps/v1/namespaces/" + ns + "/deployments/d",
                        "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"d\"},\"spec\":{"
                                + "\"selector\":{\"matchLabels\":{\"app\":\"d\"}},\"template\":{\"metadata\":{\"labels\":{\"app\":\"d\"}},"
                                + "\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"nginx\"}]}}}}",
                        "/spec/replicas", "{\"spec\":{\"replicas\":5}}",
                        "/status/readyReplicas", "{\"status\":{\"readyReplicas\":4}}"),
                new Case("/api/v1/namespaces/" + ns + "/pods/p",
                        "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\"},\"spec\":{"
                                + "\"containers\":[{\"name\":\"c\",\"image\":\"nginx\"}]}}",
                        "/spec/activeDeadlineSeconds", "{\"spec\":{\"activeDeadlineSeconds\":30}}",
                        "/status/hostIP", "{\"status\":{\"hostIP\":\"10.0.0.1\"}}"),
                new Case("/api/v1/nodes/status-node-" + ns,
                        "{\"apiVersion\":\"v1\",\"kind\":\"Node\",\"metadata\":{\"name\":\"status-node-" + ns + "\"}}",
                        "/spec/unschedulable", "{\"spec\":{\"unschedulable\":true}}",
                        "/status/nodeInfo/kubeletVersion", "{\"status\":{\"nodeInfo\":{\"kubeletVersion\":\"v1.32.0\"}}}"),
                new Case("/api/v1/namespaces/status-ns-" + ns,
                        "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"status-ns-" + ns + "\"}}",
                        "/metadata/labels/team", "{\"metadata\":{\"labels\":{\"team\":\"a\"}}}",
                        "/status/conditions/0/type", "{\"status\":{\"conditions\":[{\"type\":\"Custom\",\"status\":\"True\"}]}}"));
        for (Case c : cases) {
            String collection = c.path().substring(0, c.path().lastIndexOf('/'));
            assertThat(s.post(collection, c.body()).code()).as(c.path()).isEqualTo(201);

            // the main resource: the spec change applies, the status change does not
            String both = merge(c.specChange(), c.statusChange());
            JsonNode main = s.patch(c.path(), "application/merge-patch+json", both).json();
            assertThat(main.at(c.specPointer()).isMissingNode()).as(c.path() + " main: spec").isFalse();
            assertThat(main.at(c.statusPointer()).isMissingNode()).as(c.path() + " main: status ignored").isTrue();

            // /status: the status change applies, the spec (and metadata) change does not
            String undoSpec = c.specChange().replace("5", "7").replace("30", "60").replace("true", "false").replace("\"a\"", "\"b\"");
            JsonNode status = s.patch(c.path() + "/status", "application/merge-patch+json",
                    merge(undoSpec, c.statusChange())).json();
            assertThat(status.at(c.statusPointer()).isMissingNode()).as(c.path() + " /status: status").isFalse();
            assertThat(status.at(c.specPointer())).as(c.path() + " /status: spec ignored").isEqualTo(main.at(c.specPointer()));

            // PUT /status with a changed spec: same
            JsonNode current = s.get(c.path()).json();
            String put = TestServer.JSON.writeValueAsString(TestServer.JSON.readerForUpdating(current.deepCopy())
                    .readValue(undoSpec));
            JsonNode putStatus = s.put(c.path() + "/status", put).json();
            assertThat(putStatus.at(c.specPointer())).as(c.path() + " PUT /status: spec ignored").isEqualTo(main.at(c.specPointer()));
            assertThat(putStatus.at(c.statusPointer())).isEqualTo(status.at(c.statusPointer()));
        }
    }

    /** Merges two one-level JSON objects' top-level members. */
    private static String merge(String a, String b) throws Exception {
        var node = (com.fasterxml.jackson.databind.node.ObjectNode) TestServer.JSON.readTree(a);
        node.setAll((com.fasterxml.jackson.databind.node.ObjectNode) TestServer.JSON.readTree(b));
        return node.toString();
    }

    // ------------------------------------------------------------ selectors

    @Test
    void setBasedSelectorsWithEncodedSpacesOnListAndWatch() throws Exception {
        String ns = namespace();
        String base = "/api/v1/namespaces/" + ns + "/configmaps";
        s.post(base, configMap("prod-web", "\"env\":\"prod\",\"tier\":\"web\""));
        s.post(base, configMap("staging-db", "\"env\":\"staging\",\"tier\":\"db\""));
        s.post(base, configMap("dev", "\"env\":\"dev\",\"legacy\":\"yes\""));
        s.post(base, configMap("bare", ""));
        for (String selector : List.of("env+in+(prod,staging),tier!%3Ddb", "env%20in%20(prod,%20staging),tier!%3Ddb")) {
            assertThat(s.get(base + "?labelSelector=" + selector).json().get("items").findValuesAsText("name"))
                    .as(selector).containsExactly("prod-web");
        }
        assertThat(s.get(base + "?labelSelector=env+notin+(prod),!legacy").json().get("items").findValuesAsText("name"))
                .containsExactly("bare", "staging-db");
        assertThat(s.get(base + "?labelSelector=env,tier").json().get("items").findValuesAsText("name"))
                .containsExactly("prod-web", "staging-db");
        assertThat(s.get(base + "?labelSelector=tier%3D%3Dweb").json().get("items").findValuesAsText("name"))
                .containsExactly("prod-web");
        assertThat(s.get(base + "?labelSelector=env+in+(prod").code()).isEqualTo(400);
        s.post(base, configMap("counted", "\"replicas\":\"3\""));
        assertThat(s.get(base + "?labelSelector=replicas%3E2,replicas%3C4").json().get("items").findValuesAsText("name"))
                .containsExactly("counted");
        s.delete(base + "/counted");

        try (WatchReader w = new WatchReader(s.http, s.url() + base + "?watch=1&resourceVersion=0&labelSelector=env+in+(prod,%20staging),!legacy")) {
            List<String> initial = List.of(w.next().at("/object/metadata/name").asText(), w.next().at("/object/metadata/name").asText());
            assertThat(initial).containsExactlyInAnyOrder("prod-web", "staging-db");
            s.patch(base + "/dev", "application/merge-patch+json", "{\"metadata\":{\"labels\":{\"env\":\"prod\"}}}");
            s.patch(base + "/dev", "application/merge-patch+json", "{\"metadata\":{\"labels\":{\"legacy\":null}}}");
            JsonNode entered = w.next();
            assertThat(entered.get("type").asText() + ":" + entered.at("/object/metadata/name").asText()).isEqualTo("ADDED:dev");
            s.patch(base + "/staging-db", "application/merge-patch+json", "{\"metadata\":{\"labels\":{\"env\":\"dev\"}}}");
            JsonNode left = w.next();
            assertThat(left.get("type").asText() + ":" + left.at("/object/metadata/name").asText()).isEqualTo("DELETED:staging-db");
        }
    }
}
