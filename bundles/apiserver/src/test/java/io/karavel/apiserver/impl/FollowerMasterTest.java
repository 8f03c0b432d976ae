package io.karavel.apiserver.impl;

import static io.karavel.testing.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import io.karavel.api.cluster.Role;
import io.karavel.api.store.StoreKeys;
import io.karavel.apiserver.impl.cluster.ControlPlaneServices;
import io.karavel.apiserver.impl.service.KubeDnsService;
import io.karavel.apiserver.impl.service.ServiceAllocator;
import io.karavel.apiserver.impl.service.ServiceNetworkSettings;
import io.karavel.store.mapdb.impl.MapDbStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The API server of a master that does not lead: its own writes wait for a leader, and the
 * periodic repair is the leader's job.
 */
class FollowerMasterTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    @Test
    void startupWritesWaitForALeaderAndReadinessWaitsForThem() throws Exception {
        MapDbStore replica = MapDbStore.openInMemory(MapDbStore.Options.defaults());
        LeaderlessStore store = new LeaderlessStore(replica);
        FakeControlPlane controlPlane = new FakeControlPlane(FakeControlPlane.threeMasters("m2", Role.UNAVAILABLE, 0, 0));
        Path kubeconfig = dir.resolve("kubeconfig");
        try (TestServer s = new TestServer(replica, store, new ApiServerSettings("127.0.0.1", 0, kubeconfig),
                new ControlPlaneServices(() -> controlPlane, () -> controlPlane), false)) {
            eventually("the namespaces refused a few times", WAIT, () -> store.refused() >= 3);
            controlPlane.set(FakeControlPlane.threeMasters("m2", Role.FOLLOWER, 0, 0));
            TestServer.Reply waiting = s.get("/readyz?verbose");
            assertThat(waiting.code()).isEqualTo(503);
            assertThat(waiting.text()).startsWith("[-]karavel-ready failed: not ready yet: creating the system namespaces (attempt ")
                    .contains("refused: " + LeaderlessStore.NO_LEADER + ")\n[+]replication ok");
            assertThat(s.server.status().ready()).isFalse();
            assertThat(s.ready).isNotDone();
            assertThat(Files.exists(kubeconfig)).as("no kubeconfig before the server is ready").isFalse();
            assertThat(s.get("/api/v1/namespaces/default").code()).as("reads work meanwhile").isEqualTo(404);

            store.leaderElected();
            s.ready.get();
            assertThat(s.get("/readyz").text()).isEqualTo("ok");
            assertThat(s.server.status().ready()).isTrue();
            for (String ns : ApiServer.SYSTEM_NAMESPACES) {
                assertThat(s.get("/api/v1/namespaces/" + ns).code()).as(ns).isEqualTo(200);
            }
            assertThat(s.get("/api/v1/namespaces/kube-system/services/" + KubeDnsService.NAME).code()).isEqualTo(200);
            assertThat(Files.readString(kubeconfig)).contains("server: " + s.url());
        }
    }

    @Test
    void theRepairRunsOnlyWhileThisMasterLeads() throws Exception {
        MapDbStore store = MapDbStore.openInMemory(MapDbStore.Options.defaults());
        FakeControlPlane controlPlane = new FakeControlPlane(FakeControlPlane.threeMasters("m2", Role.FOLLOWER, 0, 0));
        String leaked = ServiceAllocator.CLUSTER_IP_PREFIX + "127.96.9.9";
        store.create(leaked, allocation("gone"));
        ApiServerSettings settings = new ApiServerSettings("127.0.0.1", 0, null)
                .withServices(ServiceNetworkSettings.defaults().withRepair(Duration.ofMillis(20), Duration.ZERO));
        try (TestServer s = new TestServer(store, null, settings, new ControlPlaneServices(() -> controlPlane, () -> controlPlane), true)) {
            var loop = s.server.repairLoop();
            eventually("a few passes skipped", WAIT, () -> loop.skipped() >= 3);
            assertThat(loop.passes()).isZero();
            assertThat(store.get(leaked)).as("neither the startup nor a pass repaired on a follower").isPresent();

            controlPlane.set(FakeControlPlane.threeMasters("m2", Role.LEADER, 0, 0));
            eventually("the leaked allocation removed by the new leader", WAIT, () -> store.get(leaked).isEmpty());
            // a pass is counted once it has finished, just after its delete is visible
            eventually("a pass counted", WAIT, () -> loop.passes() > 0);

            controlPlane.set(FakeControlPlane.threeMasters("m2", Role.FOLLOWER, 0, 0));
            long skipped = loop.skipped();
            eventually("a pass skipped after the demotion", WAIT, () -> loop.skipped() > skipped);
            long passes = loop.passes();
            String leakedAgain = ServiceAllocator.CLUSTER_IP_PREFIX + "127.96.9.10";
            store.create(leakedAgain, allocation("gone-again"));
            long skippedSince = loop.skipped();
            eventually("two more passes skipped", WAIT, () -> loop.skipped() >= skippedSince + 2);
            assertThat(loop.passes()).isEqualTo(passes);
            assertThat(store.get(leakedAgain)).isPresent();
            assertThat(store.get(StoreKeys.key("", "services", KubeDnsService.NAMESPACE, KubeDnsService.NAME))).isPresent();
        }
    }

    @Test
    void crdStatusAndCleanupWritesWaitForALeader() throws Exception {
        MapDbStore replica = MapDbStore.openInMemory(MapDbStore.Options.defaults());
        LeaderlessStore store = new LeaderlessStore(replica);
        store.leaderElected();
        try (TestServer s = new TestServer(replica, store, new ApiServerSettings("127.0.0.1", 0, null),
                ControlPlaneServices.standalone(), true)) {
            store.leaderLost();
            // written by the leader, replicated here; then the leader is gone
            String crdKey = StoreKeys.key("apiextensions.k8s.io", "customresourcedefinitions", null, "gadgets.ha.example.com");
            replica.create(crdKey, CrdHttpTest.crd("ha.example.com", "gadgets", "Gadget").getBytes(StandardCharsets.UTF_8));
            String crdPath = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/gadgets.ha.example.com";
            String gadgets = "/apis/ha.example.com/v1/namespaces/default/gadgets";
            eventually("the kind served from the replica", WAIT, () -> s.get(gadgets).code() == 200);
            eventually("its status write refused", WAIT, () -> store.refused() >= 2);
            assertThat(s.get(crdPath).json().has("status")).isFalse();

            store.leaderElected();
            eventually("Established once a leader accepts the status", WAIT, () -> s.get(crdPath).json()
                    .at("/status/conditions").findValuesAsText("type").contains("Established"));

            String gadgetKey = StoreKeys.key("ha.example.com", "gadgets", "default", "g1");
            replica.create(gadgetKey, ("{\"apiVersion\":\"ha.example.com/v1\",\"kind\":\"Gadget\","
                    + "\"metadata\":{\"name\":\"g1\",\"namespace\":\"default\"},\"spec\":{\"color\":\"red\"}}")
                    .getBytes(StandardCharsets.UTF_8));
            store.leaderLost();
            int refused = store.refused();
            replica.delete(crdKey, 0);
            eventually("the kind no longer served", WAIT, () -> s.get(gadgets).code() == 404);
            eventually("the cleanup refused", WAIT, () -> store.refused() > refused);
            assertThat(replica.get(gadgetKey)).isPresent();
            store.leaderElected();
            eventually("its objects deleted once a leader accepts", WAIT, () -> replica.get(gadgetKey).isEmpty());
        }
    }

    private static byte[] allocation(String service) {
        return ("{\"namespace\":\"default\",\"name\":\"" + service + "\",\"uid\":\"uid-" + service
                + "\",\"allocatedAt\":\"2020-01-01T00:00:00Z\"}").getBytes(StandardCharsets.UTF_8);
    }
}
