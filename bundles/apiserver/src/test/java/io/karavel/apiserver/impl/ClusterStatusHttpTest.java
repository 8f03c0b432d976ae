package io.karavel.apiserver.impl;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.karavel.api.cluster.Role;
import io.karavel.apiserver.impl.cluster.ControlPlaneServices;
import io.karavel.store.mapdb.impl.MapDbStore;
import org.junit.jupiter.api.Test;

/** {@code GET /karavel/v1/cluster} and {@code /readyz}, alone and as one of three masters. */
class ClusterStatusHttpTest {

    private static TestServer master(FakeControlPlane controlPlane) throws Exception {
        return new TestServer(MapDbStore.openInMemory(MapDbStore.Options.defaults()), null,
                new ApiServerSettings("127.0.0.1", 0, null), new ControlPlaneServices(() -> controlPlane, () -> controlPlane), true);
    }

    @Test
    void aSingleMasterReportsItselfAsTheLeader() throws Exception {
        try (TestServer s = new TestServer()) {
            TestServer.Reply r = s.get("/karavel/v1/cluster");
            assertThat(r.code()).isEqualTo(200);
            assertThat(r.header("Content-Type")).startsWith("application/json");
            JsonNode status = r.json();
            String name = status.get("localName").asText();
            assertThat(name).isNotEmpty();
            assertThat(status.get("localRole").asText()).isEqualTo("LEADER");
            assertThat(status.get("leaderName").asText()).isEqualTo(name);
            assertThat(status.get("term").asLong()).isZero();
            assertThat(status.get("replicationLag").asLong()).isZero();
            assertThat(status.get("localRevision").asLong()).isEqualTo(s.store.currentRevision()).isPositive();
            assertThat(status.get("leaderRevision").asLong()).isEqualTo(s.store.currentRevision());
            assertThat(status.get("masters")).hasSize(1);
            JsonNode self = status.get("masters").get(0);
            assertThat(self.get("name").asText()).isEqualTo(name);
            assertThat(self.get("clusterAddress").asText()).isEmpty();
            assertThat(self.get("apiUrl").asText()).isEqualTo(s.url());
            assertThat(self.get("role").asText()).isEqualTo("LEADER");
            assertThat(self.get("revision").asLong()).isEqualTo(s.store.currentRevision());
            assertThat(self.get("lastSeenMillis").asLong()).isPositive();

            TestServer.Reply post = s.post("/karavel/v1/cluster", "{}");
            assertThat(post.code()).isEqualTo(405);
            assertThat(post.json().get("kind").asText()).isEqualTo("Status");

            TestServer.Reply ready = s.get("/readyz?verbose");
            assertThat(ready.code()).isEqualTo(200);
            assertThat(ready.text()).isEqualTo("[+]karavel-ready ok\n[+]replication ok (standalone, no replication)\nreadyz check passed\n");
            assertThat(s.get("/readyz").text()).isEqualTo("ok");
        }
    }

    @Test
    void aFollowerServesTheControlPlaneStatus() throws Exception {
        FakeControlPlane controlPlane = new FakeControlPlane(FakeControlPlane.threeMasters("m2", Role.FOLLOWER, 1040, 1043));
        try (TestServer s = master(controlPlane)) {
            JsonNode status = s.get("/karavel/v1/cluster").json();
            assertThat(status.toString()).isEqualTo("{\"localName\":\"m2\",\"localRole\":\"FOLLOWER\",\"localRevision\":1040,"
                    + "\"leaderName\":\"m1\",\"leaderRevision\":1043,\"term\":7,\"replicationLag\":3,\"masters\":["
                    + "{\"name\":\"m1\",\"clusterAddress\":\"127.0.0.1:5701\",\"apiUrl\":\"http://127.0.0.1:6443\",\"role\":\"LEADER\","
                    + "\"revision\":1043,\"lastSeenMillis\":1764115200000},"
                    + "{\"name\":\"m2\",\"clusterAddress\":\"127.0.0.1:5702\",\"apiUrl\":\"http://127.0.0.1:6444\",\"role\":\"FOLLOWER\","
                    + "\"revision\":1040,\"lastSeenMillis\":1764115201000},"
                    + "{\"name\":\"m3\",\"clusterAddress\":\"127.0.0.1:5703\",\"apiUrl\":\"\",\"role\":\"FOLLOWER\","
                    + "\"revision\":1043,\"lastSeenMillis\":1764115202000}]}");
        }
    }

    @Test
    void readyzPassesOnlyForTheLeaderAndFollowers() throws Exception {
        FakeControlPlane controlPlane = new FakeControlPlane(FakeControlPlane.threeMasters("m2", Role.FOLLOWER, 1040, 1043));
        try (TestServer s = master(controlPlane)) {
            assertThat(s.get("/readyz").code()).isEqualTo(200);
            assertThat(s.get("/readyz").text()).isEqualTo("ok");
            TestServer.Reply verbose = s.get("/readyz?verbose");
            assertThat(verbose.code()).isEqualTo(200);
            assertThat(verbose.text()).isEqualTo("[+]karavel-ready ok\n"
                    + "[+]replication ok (role=FOLLOWER, lag=3 revisions, leader=m1, term=7)\n"
                    + "readyz check passed\n");
            assertThat(s.server.status().ready()).isTrue();

            controlPlane.set(FakeControlPlane.threeMasters("m2", Role.UNAVAILABLE, 1043, 1043));
            TestServer.Reply leaderless = s.get("/readyz");
            assertThat(leaderless.code()).isEqualTo(503);
            assertThat(leaderless.text()).isEqualTo("[+]karavel-ready ok\n"
                    + "[-]replication failed: role=UNAVAILABLE (no leader)\n"
                    + "readyz check failed\n");
            assertThat(s.get("/readyz?verbose").code()).isEqualTo(503);
            assertThat(s.server.status().ready()).isFalse();

            controlPlane.set(FakeControlPlane.threeMasters("m2", Role.CATCHING_UP, 200, 1043));
            TestServer.Reply catchingUp = s.get("/readyz?verbose");
            assertThat(catchingUp.code()).isEqualTo(503);
            assertThat(catchingUp.text()).contains("[-]replication failed: role=CATCHING_UP (lag=843 revisions, leader=m1, term=7)\n");

            controlPlane.set(FakeControlPlane.threeMasters("m2", Role.LEADER, 1043, 1043));
            assertThat(s.get("/readyz?verbose").text()).contains("[+]replication ok (role=LEADER, lag=0 revisions, leader=m2, term=7)");
            assertThat(s.get("/healthz").code()).as("alive all along").isEqualTo(200);
        }
    }
}
