package io.karavel.apiserver.impl;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.karavel.apiserver.impl.cluster.ControlPlaneServices;
import io.karavel.store.mapdb.impl.MapDbStore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every REST write on a master whose store has no leader: a 503 {@code Status} with reason
 * {@code ServiceUnavailable} and the store's message, at once; reads still answer.
 */
class NoLeaderWritesTest {
    private static final String NS = "/api/v1/namespaces/ha";
    private static final String DEPLOYMENTS = "/apis/apps/v1/namespaces/ha/deployments";
    private static final String CONFIG_MAP = "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"%s\"},\"data\":{\"k\":\"v\"}}";

    private static LeaderlessStore store;
    private static TestServer s;

    @BeforeAll
    static void start() throws Exception {
        MapDbStore replica = MapDbStore.openInMemory(MapDbStore.Options.defaults());
        store = new LeaderlessStore(replica);
        store.leaderElected();
        s = new TestServer(replica, store, new ApiServerSettings("127.0.0.1", 0, null), ControlPlaneServices.standalone(), true);
        assertThat(s.post("/api/v1/namespaces", "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"ha\"}}").code())
                .isEqualTo(201);
        assertThat(s.post(NS + "/configmaps", CONFIG_MAP.formatted("cm")).code()).isEqualTo(201);
        assertThat(s.post(DEPLOYMENTS, "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"web\"},"
                + "\"spec\":{\"replicas\":1,\"selector\":{\"matchLabels\":{\"app\":\"web\"}},\"template\":{\"metadata\":{\"labels\":"
                + "{\"app\":\"web\"}},\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"busybox\"}]}}}}").code()).isEqualTo(201);
        assertThat(s.post(NS + "/pods", "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\"},"
                + "\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"busybox\"}]}}").code()).isEqualTo(201);
        store.leaderLost();
    }

    @AfterAll
    static void stop() throws Exception {
        s.close();
    }

    private static void assertUnavailable(String what, TestServer.Reply r) {
        assertThat(r.code()).as(what + ": " + r.text()).isEqualTo(503);
        assertThat(r.json().get("kind").asText()).as(what).isEqualTo("Status");
        assertThat(r.json().get("status").asText()).as(what).isEqualTo("Failure");
        assertThat(r.json().get("reason").asText()).as(what).isEqualTo("ServiceUnavailable");
        assertThat(r.json().get("code").asInt()).as(what).isEqualTo(503);
        assertThat(r.json().get("message").asText()).as(what).isEqualTo(LeaderlessStore.NO_LEADER);
    }

    @Test
    void writesOfObjectsAnswer503() throws Exception {
        assertUnavailable("create", s.post(NS + "/configmaps", CONFIG_MAP.formatted("new")));
        JsonNode cm = s.get(NS + "/configmaps/cm").json();
        assertThat(cm.at("/data/k").asText()).as("reads still work").isEqualTo("v");
        ((com.fasterxml.jackson.databind.node.ObjectNode) cm.get("data")).put("k", "changed");
        assertUnavailable("update", s.put(NS + "/configmaps/cm", cm.toString()));
        assertUnavailable("merge patch", s.patch(NS + "/configmaps/cm", "application/merge-patch+json", "{\"data\":{\"k\":\"x\"}}"));
        assertUnavailable("strategic merge patch",
                s.patch(NS + "/configmaps/cm", "application/strategic-merge-patch+json", "{\"data\":{\"k\":\"x\"}}"));
        assertUnavailable("server-side apply", s.patch(NS + "/configmaps/cm?fieldManager=t", "application/apply-patch+yaml",
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n  k: x\n"));
        assertUnavailable("delete", s.delete(NS + "/configmaps/cm"));
        assertUnavailable("deletecollection", s.delete(NS + "/configmaps"));
        assertUnavailable("a Service (allocates its cluster IP first)", s.post(NS + "/services",
                "{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":{\"name\":\"svc\"},\"spec\":{\"ports\":[{\"port\":80}]}}"));
        assertThat(s.get(NS + "/configmaps/cm").json().at("/data/k").asText()).isEqualTo("v");
    }

    @Test
    void writesOfSubresourcesAnswer503() throws Exception {
        assertUnavailable("status patch",
                s.patch(DEPLOYMENTS + "/web/status", "application/merge-patch+json", "{\"status\":{\"replicas\":1}}"));
        JsonNode web = s.get(DEPLOYMENTS + "/web").json();
        assertUnavailable("status update", s.put(DEPLOYMENTS + "/web/status", web.toString()));
        assertUnavailable("scale", s.patch(DEPLOYMENTS + "/web/scale", "application/merge-patch+json", "{\"spec\":{\"replicas\":3}}"));
        assertUnavailable("binding", s.post(NS + "/pods/p/binding",
                "{\"apiVersion\":\"v1\",\"kind\":\"Binding\",\"metadata\":{\"name\":\"p\"},\"target\":{\"kind\":\"Node\",\"name\":\"n1\"}}"));
        assertUnavailable("namespace finalize", s.put("/api/v1/namespaces/ha/finalize", s.get(NS).json().toString()));
    }

    @Test
    void manifestsAnswer503AndStopAtTheFirstRefusal() throws Exception {
        TestServer.Reply r = s.send("POST", "/karavel/v1/manifests?namespace=ha", "application/yaml",
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: m1\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: m2\n");
        assertThat(r.code()).as(r.text()).isEqualTo(503);
        JsonNode results = r.json().get("results");
        assertThat(r.json().get("succeeded").asBoolean()).isFalse();
        assertThat(results.get(0).get("outcome").asText()).isEqualTo("FAILED");
        assertThat(results.get(0).get("code").asInt()).isEqualTo(503);
        assertThat(results.get(0).get("message").asText()).isEqualTo(LeaderlessStore.NO_LEADER);
        assertThat(results.get(1).get("outcome").asText()).isEqualTo("FAILED");
        assertThat(results.get(1).get("code").asInt()).isEqualTo(503);
        assertThat(results.get(1).get("message").asText()).isEqualTo("not attempted: " + LeaderlessStore.NO_LEADER);
        int refused = store.refused();
        assertThat(s.send("POST", "/karavel/v1/manifests?namespace=ha&output=text", "application/yaml",
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: m1\n").code()).isEqualTo(503);
        assertThat(store.refused()).isEqualTo(refused + 1);
    }
}
