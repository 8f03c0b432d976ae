package io.karavel.apiserver.impl;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.karavel.apiserver.api.ApiServerStatus;
import io.karavel.store.mapdb.impl.MapDbStore;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Start, restart and failure behaviour of one API server instance. */
class ApiServerLifecycleTest {
    @TempDir
    Path dir;

    @Test
    void writesTheKubeconfigAndReportsReady() throws Exception {
        Path kubeconfig = dir.resolve("etc/kubeconfig");
        try (TestServer s = new TestServer(MapDbStore.Options.defaults(), kubeconfig)) {
            String text = Files.readString(kubeconfig);
            assertThat(text).contains("server: " + s.url(), "name: karavel", "current-context: karavel", "name: admin");
            ApiServerStatus status = s.server.status();
            assertThat(status.ready()).isTrue();
            assertThat(status.url()).isEqualTo(s.url());
            assertThat(status.storeRevision()).isEqualTo(s.store.currentRevision());
            assertThat(status.startedAt()).isNotNull();
        }
    }

    @Test
    void systemNamespacesAreCreatedOnceAcrossRestarts() throws Exception {
        try (TestServer s = new TestServer()) {
            String uid = s.get("/api/v1/namespaces/default").json().at("/metadata/uid").asText();
            long revision = s.store.currentRevision();
            try (ApiServer second = new ApiServer(s.store, new ApiServerSettings("127.0.0.1", 0, null))) {
                second.start();
                assertThat(s.store.currentRevision()).as("no write on the second start").isEqualTo(revision);
            }
            JsonNode ns = s.get("/api/v1/namespaces/default").json();
            assertThat(ns.at("/metadata/uid").asText()).isEqualTo(uid);
        }
    }

    @Test
    void aClosedStoreAnswers503() throws Exception {
        try (TestServer s = new TestServer()) {
            s.store.close();
            TestServer.Reply r = s.post("/api/v1/namespaces/default/configmaps",
                    "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"x\"}}");
            assertThat(r.code()).isEqualTo(503);
            assertThat(r.json().get("kind").asText()).isEqualTo("Status");
            assertThat(r.json().get("reason").asText()).isEqualTo("ServiceUnavailable");
        }
    }

    @Test
    void kubeconfigPathIsRelativeToKarafBase() {
        String previous = System.getProperty("karaf.base");
        try {
            System.setProperty("karaf.base", dir.toString());
            assertThat(ApiServerComponent.kubeconfigPath("etc/kubeconfig")).isEqualTo(dir.resolve("etc/kubeconfig"));
            assertThat(ApiServerComponent.kubeconfigPath("/abs/kc")).isEqualTo(Path.of("/abs/kc"));
            assertThat(ApiServerComponent.kubeconfigPath("")).isNull();
        } finally {
            if (previous == null) {
                System.clearProperty("karaf.base");
            } else {
                System.setProperty("karaf.base", previous);
            }
        }
    }
}
