package io.karavel.apiserver.impl;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Over real HTTP: dryRun, graceful deletion and finalizers, propagation policies, namespace
 * termination, pods/binding and Event field selectors.
 */
class DeletionHttpTest {
    private static TestServer s;
    private static final AtomicInteger NS = new AtomicInteger();
    private static final String MERGE = "application/merge-patch+json";

    @BeforeAll
    static void start() throws Exception {
        s = new TestServer();
    }

    @AfterAll
    static void stop() throws Exception {
        s.close();
    }

    private static String namespace() throws Exception {
        String name = "d" + NS.incrementAndGet();
        assertThat(s.post("/api/v1/namespaces", "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"" + name + "\"}}").code())
                .isEqualTo(201);
        return name;
    }

    private static String configMap(String name, String value, String finalizers) {
        return "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"" + name + "\""
                + (finalizers == null ? "" : ",\"finalizers\":" + finalizers) + "},\"data\":{\"k\":\"" + value + "\"}}";
    }

    private static String pod(String name, String extraSpec) {
        return "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"" + name + "\"},\"spec\":{" + extraSpec
                + "\"containers\":[{\"name\":\"c\",\"image\":\"busybox\"}]}}";
    }

    private static String binding(String pod, String node) {
        return "{\"apiVersion\":\"v1\",\"kind\":\"Binding\",\"metadata\":{\"name\":\"" + pod + "\"},"
                + "\"target\":{\"apiVersion\":\"v1\",\"kind\":\"Node\",\"name\":\"" + node + "\"}}";
    }

    private static void assertStatus(TestServer.Reply r, int code, String reason) {
        assertThat(r.code()).as(r.text()).isEqualTo(code);
        assertThat(r.json().get("kind").asText()).isEqualTo("Status");
        assertThat(r.json().get("reason").asText()).isEqualTo(reason);
    }

    private static String message(TestServer.Reply r) {
        return r.json().get("message").asText();
    }

    // ------------------------------------------------------------ dryRun

    @Test
    void dryRunRunsTheWholeRequestButStoresNothing() throws Exception {
        String ns = namespace();
        String base = "/api/v1/namespaces/" + ns + "/configmaps";
        assertThat(s.post(base, configMap("real", "one", null)).code()).isEqualTo(201);
        String deployments = "/apis/apps/v1/namespaces/" + ns + "/deployments";
        long before = s.store.currentRevision();

        TestServer.Reply created = s.post(base + "?dryRun=All", configMap("dry", "x", null));
        assertThat(created.code()).as(created.text()).isEqualTo(201);
        assertThat(created.json().at("/metadata/uid").asText()).isNotEmpty();
        assertThat(created.json().at("/metadata/creationTimestamp").asText()).isNotEmpty();
        assertThat(created.json().at("/metadata").has("resourceVersion")).isFalse();
        TestServer.Reply defaulted = s.post(deployments + "?dryRun=All",
                "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"d\"},\"spec\":{"
                        + "\"selector\":{\"matchLabels\":{\"app\":\"d\"}},\"template\":{\"metadata\":{\"labels\":{\"app\":\"d\"}},"
                        + "\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"nginx\"}]}}}}");
        assertThat(defaulted.code()).as(defaulted.text()).isEqualTo(201);
        assertThat(defaulted.json().at("/spec/replicas").asInt()).as("defaulted").isEqualTo(1);
        assertThat(defaulted.json().at("/metadata/generation").asInt()).isEqualTo(1);
        // validation and the existence check still run
        assertStatus(s.post(base + "?dryRun=All", configMap("Not_Valid", "x", null)), 422, "Invalid");
        assertStatus(s.post(base + "?dryRun=All", configMap("real", "x", null)), 409, "AlreadyExists");

        String rv = s.get(base + "/real").json().at("/metadata/resourceVersion").asText();
        TestServer.Reply updated = s.put(base + "/real?dryRun=All", configMap("real", "two", null));
        assertThat(updated.code()).as(updated.text()).isEqualTo(200);
        assertThat(updated.json().at("/data/k").asText()).isEqualTo("two");
        assertThat(updated.json().at("/metadata/resourceVersion").asText()).isEqualTo(rv);
        TestServer.Reply patched = s.patch(base + "/real?dryRun=All", MERGE, "{\"data\":{\"k\":\"three\"}}");
        assertThat(patched.code()).as(patched.text()).isEqualTo(200);
        assertThat(patched.json().at("/data/k").asText()).isEqualTo("three");
        TestServer.Reply jsonPatched = s.patch(base + "/real?dryRun=All", "application/json-patch+json",
                "[{\"op\":\"replace\",\"path\":\"/data/k\",\"value\":\"four\"}]");
        assertThat(jsonPatched.json().at("/data/k").asText()).isEqualTo("four");
        TestServer.Reply strategic = s.patch(base + "/real?dryRun=All", "application/strategic-merge-patch+json",
                "{\"data\":{\"k\":\"five\"}}");
        assertThat(strategic.json().at("/data/k").asText()).isEqualTo("five");
        assertStatus(s.patch(base + "/real?dryRun=All", MERGE, "{\"metadata\":{\"name\":\"Bad_Name\"}}"), 400, "BadRequest");

        TestServer.Reply deleted = s.send("DELETE", base + "/real?dryRun=All", null, null);
        assertThat(deleted.code()).as(deleted.text()).isEqualTo(200);
        TestServer.Reply deletedByBody = s.send("DELETE", base + "/real", "application/json",
                "{\"kind\":\"DeleteOptions\",\"apiVersion\":\"v1\",\"dryRun\":[\"All\"]}");
        assertThat(deletedByBody.code()).as(deletedByBody.text()).isEqualTo(200);
        assertThat(s.send("DELETE", base + "?dryRun=All", null, null).code()).isEqualTo(200);

        assertThat(s.store.currentRevision()).as("nothing was written").isEqualTo(before);
        assertThat(s.get(base + "/dry").code()).isEqualTo(404);
        assertThat(s.get(base + "/real").json().at("/data/k").asText()).isEqualTo("one");
        assertThat(s.get(deployments + "/d").code()).isEqualTo(404);
    }

    @Test
    void unknownDryRunValuesAreInvalidOptions() throws Exception {
        String ns = namespace();
        String base = "/api/v1/namespaces/" + ns + "/configmaps";
        TestServer.Reply create = s.post(base + "?dryRun=Bogus", configMap("x", "x", null));
        assertStatus(create, 422, "Invalid");
        assertThat(message(create)).isEqualTo(
                "CreateOptions.meta.k8s.io \"\" is invalid: dryRun: Unsupported value: []string{\"Bogus\"}: supported values: \"All\"");
        s.post(base, configMap("x", "x", null));
        assertThat(message(s.put(base + "/x?dryRun=no", configMap("x", "y", null)))).startsWith("UpdateOptions.meta.k8s.io");
        assertThat(message(s.patch(base + "/x?dryRun=no", MERGE, "{}"))).startsWith("PatchOptions.meta.k8s.io");
        TestServer.Reply delete = s.send("DELETE", base + "/x", "application/json", "{\"dryRun\":[\"Maybe\"]}");
        assertStatus(delete, 422, "Invalid");
        assertThat(message(delete)).startsWith("DeleteOptions.meta.k8s.io");
        assertThat(s.get(base + "/x").json().at("/data/k").asText()).isEqualTo("x");
    }

    // ------------------------------------------------------------ finalizers

    @Test
    void finalizersHoldTheObjectUntilAnUpdateRemovesThem() throws Exception {
        String ns = namespace();
        String base = "/api/v1/namespaces/" + ns + "/configmaps";
        TestServer.Reply created = s.post(base, configMap("held", "x", "[\"example.com/cleanup\"]"));
        String rv = created.json().at("/metadata/resourceVersion").asText();
        try (WatchReader w = new WatchReader(s.http, s.url() + base + "?watch=true&resourceVersion=" + rv)) {
            TestServer.Reply deleted = s.delete(base + "/held");
            assertThat(deleted.code()).as(deleted.text()).isEqualTo(200);
            assertThat(deleted.json().at("/metadata/deletionTimestamp").asText()).isNotEmpty();
            assertThat(deleted.json().at("/metadata/deletionGracePeriodSeconds").asInt()).isZero();
            JsonNode held = s.get(base + "/held").json();
            assertThat(held.at("/metadata/finalizers/0").asText()).isEqualTo("example.com/cleanup");
            assertThat(held.at("/metadata/deletionTimestamp").asText()).isNotEmpty();

            // deleting again is a no-op answering the object
            TestServer.Reply again = s.delete(base + "/held");
            assertThat(again.code()).isEqualTo(200);
            assertThat(again.json().at("/metadata/resourceVersion").asText()).isEqualTo(held.at("/metadata/resourceVersion").asText());

            // no new finalizers once deleting; other changes are fine
            TestServer.Reply added = s.patch(base + "/held", MERGE, "{\"metadata\":{\"finalizers\":[\"example.com/cleanup\",\"b\"]}}");
            assertStatus(added, 422, "Invalid");
            assertThat(message(added)).isEqualTo("ConfigMap \"held\" is invalid: metadata.finalizers: Forbidden: no new finalizers"
                    + " can be added if the object is being deleted, found new finalizers []string{\"b\"}");
            assertThat(s.patch(base + "/held", MERGE, "{\"data\":{\"k\":\"y\"}}").code()).isEqualTo(200);
            assertThat(s.get(base + "/held").json().at("/metadata/deletionTimestamp").asText())
                    .as("an update cannot clear deletionTimestamp").isNotEmpty();

            TestServer.Reply emptied = s.patch(base + "/held", MERGE, "{\"metadata\":{\"finalizers\":null}}");
            assertThat(emptied.code()).as(emptied.text()).isEqualTo(200);
            assertThat(s.get(base + "/held").code()).isEqualTo(404);

            List<String> types = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                types.add(w.next().get("type").asText());
            }
            assertThat(types).containsExactly("MODIFIED", "MODIFIED", "DELETED");
        }
    }

    @Test
    void propagationPoliciesAreRecordedAsFinalizers() throws Exception {
        String ns = namespace();
        String base = "/api/v1/namespaces/" + ns + "/configmaps";
        s.post(base, configMap("orphan", "x", null));
        s.post(base, configMap("fg", "x", null));
        s.post(base, configMap("bg", "x", null));
        s.post(base, configMap("q", "x", null));

        TestServer.Reply orphan = s.send("DELETE", base + "/orphan", "application/json", "{\"propagationPolicy\":\"Orphan\"}");
        assertThat(orphan.code()).as(orphan.text()).isEqualTo(200);
        assertThat(s.get(base + "/orphan").json().at("/metadata/finalizers").toString()).isEqualTo("[\"orphan\"]");
        assertThat(s.get(base + "/orphan").json().at("/metadata/deletionTimestamp").asText()).isNotEmpty();

        s.send("DELETE", base + "/fg", "application/json", "{\"propagationPolicy\":\"Foreground\"}");
        assertThat(s.get(base + "/fg").json().at("/metadata/finalizers").toString()).isEqualTo("[\"foregroundDeletion\"]");
        s.send("DELETE", base + "/q?propagationPolicy=Foreground", null, null);
        assertThat(s.get(base + "/q").json().at("/metadata/finalizers").toString()).isEqualTo("[\"foregroundDeletion\"]");

        s.post(base, configMap("held", "x", "[\"example.com/x\"]"));
        assertThat(s.send("DELETE", base + "/held", "application/json", "{\"orphanDependents\":false}").code())
                .as("202 when orphanDependents=false leaves the object").isEqualTo(202);
        s.send("DELETE", base + "/bg", "application/json", "{\"propagationPolicy\":\"Background\"}");
        assertThat(s.get(base + "/bg").code()).isEqualTo(404);

        // the garbage collector's removal of its finalizer completes the deletion
        s.patch(base + "/orphan", MERGE, "{\"metadata\":{\"finalizers\":null}}");
        assertThat(s.get(base + "/orphan").code()).isEqualTo(404);

        assertStatus(s.send("DELETE", base + "/fg", "application/json", "{\"propagationPolicy\":\"Sometimes\"}"), 422, "Invalid");
        assertStatus(s.send("DELETE", base + "/fg", "application/json",
                "{\"propagationPolicy\":\"Orphan\",\"orphanDependents\":true}"), 422, "Invalid");
        TestServer.Reply wrongUid = s.send("DELETE", base + "/fg", "application/json", "{\"preconditions\":{\"uid\":\"nope\"}}");
        assertStatus(wrongUid, 409, "Conflict");
        assertThat(message(wrongUid)).contains("Precondition failed: UID in precondition: nope");
    }

    // ------------------------------------------------------------ pods

    @Test
    void unboundPodsGoAtOnceBoundPodsGracefully() throws Exception {
        String ns = namespace();
        String base = "/api/v1/namespaces/" + ns + "/pods";
        s.post(base, pod("unbound", ""));
        TestServer.Reply unbound = s.delete(base + "/unbound");
        assertThat(unbound.code()).isEqualTo(200);
        assertThat(s.get(base + "/unbound").code()).isEqualTo(404);

        s.post(base, pod("bound", "\"terminationGracePeriodSeconds\":20,"));
        assertThat(s.post(base + "/bound/binding", binding("bound", "n1")).code()).isEqualTo(201);
        TestServer.Reply graceful = s.delete(base + "/bound");
        assertThat(graceful.code()).isEqualTo(200);
        assertThat(graceful.json().at("/metadata/deletionGracePeriodSeconds").asInt()).isEqualTo(20);
        JsonNode pod = s.get(base + "/bound").json();
        java.time.Instant created = java.time.Instant.parse(pod.at("/metadata/creationTimestamp").asText());
        java.time.Instant deadline = java.time.Instant.parse(pod.at("/metadata/deletionTimestamp").asText());
        assertThat(deadline).isAfterOrEqualTo(created.plusSeconds(20));

        // only a shorter grace period changes anything
        String rv = pod.at("/metadata/resourceVersion").asText();
        assertThat(s.delete(base + "/bound").json().at("/metadata/resourceVersion").asText()).isEqualTo(rv);
        assertThat(s.delete(base + "/bound?gracePeriodSeconds=60").json().at("/metadata/resourceVersion").asText()).isEqualTo(rv);
        TestServer.Reply shorter = s.send("DELETE", base + "/bound", "application/json", "{\"gracePeriodSeconds\":5}");
        assertThat(shorter.json().at("/metadata/deletionGracePeriodSeconds").asInt()).isEqualTo(5);
        assertThat(java.time.Instant.parse(shorter.json().at("/metadata/deletionTimestamp").asText()))
                .isEqualTo(deadline.minusSeconds(15));

        // the node agent's final delete
        assertThat(s.delete(base + "/bound?gracePeriodSeconds=0").code()).isEqualTo(200);
        assertThat(s.get(base + "/bound").code()).isEqualTo(404);

        s.post(base, pod("now", ""));
        s.post(base + "/now/binding", binding("now", "n1"));
        s.send("DELETE", base + "/now", "application/json", "{\"gracePeriodSeconds\":0}");
        assertThat(s.get(base + "/now").code()).isEqualTo(404);
    }

    @Test
    void bindingSetsTheNodeOnce() throws Exception {
        String ns = namespace();
        String base = "/api/v1/namespaces/" + ns + "/pods";
        s.post(base, pod("p", ""));
        TestServer.Reply bound = s.post(base + "/p/binding",
                binding("p", "n1").replace("\"name\":\"p\"}", "\"name\":\"p\",\"annotations\":{\"sched\":\"yes\"}}"));
        assertThat(bound.code()).as(bound.text()).isEqualTo(201);
        assertThat(bound.json().get("kind").asText()).isEqualTo("Status");
        assertThat(bound.json().get("status").asText()).isEqualTo("Success");
        assertThat(bound.json().get("code").asInt()).isEqualTo(201);

        JsonNode pod = s.get(base + "/p").json();
        assertThat(pod.at("/spec/nodeName").asText()).isEqualTo("n1");
        assertThat(pod.at("/metadata/annotations/sched").asText()).isEqualTo("yes");
        JsonNode condition = pod.at("/status/conditions/0");
        assertThat(condition.get("type").asText()).isEqualTo("PodScheduled");
        assertThat(condition.get("status").asText()).isEqualTo("True");
        assertThat(s.get(base + "?fieldSelector=spec.nodeName%3Dn1").json().get("items")).hasSize(1);

        TestServer.Reply again = s.post(base + "/p/binding", binding("p", "n2"));
        assertStatus(again, 409, "Conflict");
        assertThat(message(again)).isEqualTo("Operation cannot be fulfilled on pods/binding \"p\": pod p is already assigned to node \"n1\"");

        s.post(base, pod("q", ""));
        assertStatus(s.post(base + "/q/binding", binding("other", "n1")), 400, "BadRequest");
        assertStatus(s.post(base + "/q/binding", binding("q", "")), 422, "Invalid");
        assertStatus(s.post(base + "/absent/binding", binding("absent", "n1")), 404, "NotFound");
        assertThat(s.post(base + "/q/binding?dryRun=All", binding("q", "n1")).code()).isEqualTo(201);
        assertThat(s.get(base + "/q").json().at("/spec").has("nodeName")).isFalse();
        assertStatus(s.get(base + "/q/binding"), 405, "MethodNotAllowed");
    }

    // ------------------------------------------------------------ namespaces

    @Test
    void deletedNamespaceTerminatesUntilFinalized() throws Exception {
        String ns = namespace();
        s.post("/api/v1/namespaces/" + ns + "/configmaps", configMap("inside", "x", null));
        TestServer.Reply deleted = s.delete("/api/v1/namespaces/" + ns);
        assertThat(deleted.code()).as(deleted.text()).isEqualTo(200);
        JsonNode terminating = s.get("/api/v1/namespaces/" + ns).json();
        assertThat(terminating.at("/status/phase").asText()).isEqualTo("Terminating");
        assertThat(terminating.at("/metadata/deletionTimestamp").asText()).isNotEmpty();
        assertThat(terminating.at("/spec/finalizers").toString()).isEqualTo("[\"kubernetes\"]");

        TestServer.Reply create = s.post("/api/v1/namespaces/" + ns + "/configmaps", configMap("new", "x", null));
        assertStatus(create, 403, "Forbidden");
        assertThat(message(create)).isEqualTo("configmaps \"new\" is forbidden: unable to create new content in namespace "
                + ns + " because it is being terminated");
        assertThat(create.json().at("/details/causes/0/reason").asText()).isEqualTo("NamespaceTerminating");
        assertThat(s.get("/api/v1/namespaces/" + ns + "/configmaps/inside").code()).as("content stays").isEqualTo(200);

        TestServer.Reply again = s.delete("/api/v1/namespaces/" + ns);
        assertStatus(again, 409, "Conflict");
        assertThat(message(again)).isEqualTo("Operation cannot be fulfilled on namespaces \"" + ns + "\": The system is ensuring"
                + " all content is removed from this namespace.  Upon completion, this namespace will automatically be purged by the system.");

        // a plain update cannot drop spec.finalizers; /finalize can
        s.patch("/api/v1/namespaces/" + ns, MERGE, "{\"spec\":{\"finalizers\":[]}}");
        assertThat(s.get("/api/v1/namespaces/" + ns).json().at("/spec/finalizers").toString()).isEqualTo("[\"kubernetes\"]");
        JsonNode finalized = terminating.deepCopy();
        ((com.fasterxml.jackson.databind.node.ObjectNode) finalized.get("spec")).putArray("finalizers");
        ((com.fasterxml.jackson.databind.node.ObjectNode) finalized.get("metadata")).remove("resourceVersion");
        TestServer.Reply finalize = s.put("/api/v1/namespaces/" + ns + "/finalize", finalized.toString());
        assertThat(finalize.code()).as(finalize.text()).isEqualTo(200);
        assertThat(finalize.json().at("/status/phase").asText()).isEqualTo("Terminating");
        // nothing holds it any more: it is purged at once (Kubernetes' ShouldDeleteNamespaceDuringUpdate)
        assertThat(s.get("/api/v1/namespaces/" + ns).code()).isEqualTo(404);

        assertStatus(s.delete("/api/v1/namespaces/kube-system"), 403, "Forbidden");
    }

    // ------------------------------------------------------------ events

    @Test
    void eventFieldSelectors() throws Exception {
        String ns = namespace();
        String base = "/api/v1/namespaces/" + ns + "/events";
        for (String[] e : List.of(new String[] {"e1", "Pod", "web", "u1", "Started", "Normal", "kubelet"},
                new String[] {"e2", "Pod", "db", "u2", "BackOff", "Warning", "kubelet"},
                new String[] {"e3", "Deployment", "web", "u3", "ScalingReplicaSet", "Normal", "deployment-controller"})) {
            TestServer.Reply r = s.post(base, "{\"apiVersion\":\"v1\",\"kind\":\"Event\",\"metadata\":{\"name\":\"" + e[0] + "\"},"
                    + "\"involvedObject\":{\"kind\":\"" + e[1] + "\",\"name\":\"" + e[2] + "\",\"namespace\":\"" + ns + "\",\"uid\":\"" + e[3]
                    + "\",\"apiVersion\":\"v1\"},\"reason\":\"" + e[4] + "\",\"type\":\"" + e[5] + "\",\"source\":{\"component\":\"" + e[6]
                    + "\"},\"message\":\"m\"}");
            assertThat(r.code()).as(r.text()).isEqualTo(201);
        }
        assertThat(names(base + "?fieldSelector=involvedObject.name%3Dweb,involvedObject.kind%3DPod")).containsExactly("e1");
        assertThat(names(base + "?fieldSelector=involvedObject.uid%3Du3")).containsExactly("e3");
        assertThat(names(base + "?fieldSelector=involvedObject.namespace%3D" + ns + ",involvedObject.apiVersion%3Dv1")).hasSize(3);
        assertThat(names(base + "?fieldSelector=type%3DWarning")).containsExactly("e2");
        assertThat(names(base + "?fieldSelector=reason%3DScalingReplicaSet")).containsExactly("e3");
        assertThat(names(base + "?fieldSelector=source%3Dkubelet")).containsExactly("e1", "e2");
        assertThat(names("/api/v1/events?fieldSelector=involvedObject.name%3Ddb")).containsExactly("e2");
        assertStatus(s.get(base + "?fieldSelector=message%3Dm"), 400, "BadRequest");
        try (WatchReader w = new WatchReader(s.http, s.url() + base + "?watch=true&fieldSelector=type%3DWarning")) {
            assertThat(w.next().at("/object/metadata/name").asText()).isEqualTo("e2");
        }
    }

    @Test
    void eventsK8sIoV1Events() throws Exception {
        String ns = namespace();
        JsonNode discovery = s.get("/apis/events.k8s.io/v1").json();
        assertThat(discovery.get("resources").findValuesAsText("name")).contains("events");
        assertThat(s.get("/apis").json().findValuesAsText("name")).contains("events.k8s.io");
        assertThat(s.get("/openapi/v3/apis/events.k8s.io/v1").code()).isEqualTo(200);
        String base = "/apis/events.k8s.io/v1/namespaces/" + ns + "/events";
        TestServer.Reply created = s.post(base, "{\"apiVersion\":\"events.k8s.io/v1\",\"kind\":\"Event\",\"metadata\":{\"name\":\"e\"},"
                + "\"eventTime\":\"2026-11-25T15:00:00.123456Z\",\"reportingController\":\"karavel.io/scheduler\","
                + "\"reportingInstance\":\"s1\",\"action\":\"Binding\",\"reason\":\"Scheduled\",\"type\":\"Normal\","
                + "\"regarding\":{\"kind\":\"Pod\",\"name\":\"web\",\"namespace\":\"" + ns + "\"},\"note\":\"assigned to n1\"}");
        assertThat(created.code()).as(created.text()).isEqualTo(201);
        assertThat(created.json().get("eventTime").asText()).isEqualTo("2026-11-25T15:00:00.123456Z");
        assertThat(names(base + "?fieldSelector=regarding.name%3Dweb,regarding.kind%3DPod,reason%3DScheduled,type%3DNormal"))
                .containsExactly("e");
        assertThat(names(base + "?fieldSelector=regarding.name%3Ddb")).isEmpty();
        assertStatus(s.get(base + "?fieldSelector=involvedObject.name%3Dweb"), 400, "BadRequest");
    }

    private static List<String> names(String path) throws Exception {
        TestServer.Reply r = s.get(path);
        assertThat(r.code()).as(r.text()).isEqualTo(200);
        List<String> names = new ArrayList<>();
        r.json().get("items").forEach(i -> names.add(i.at("/metadata/name").asText()));
        return names;
    }
}
