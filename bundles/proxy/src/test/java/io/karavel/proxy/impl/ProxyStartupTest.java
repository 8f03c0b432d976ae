package io.karavel.proxy.impl;

import static io.karavel.testing.Eventually.eventuallyGet;
import static org.assertj.core.api.Assertions.assertThat;

import io.karavel.proxy.impl.ProxyTestCluster.Ep;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A proxy that starts before its API server (a node whose master is not up yet, or an all-in-one
 * whose API server bundle starts after the proxy bundle) serves Services once the API server
 * answers, without a restart.
 */
class ProxyStartupTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    private ProxyTestCluster cluster;
    private TestBackend backend;

    @AfterEach
    void tearDown() throws Exception {
        if (backend != null) {
            backend.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void aProxyStartedBeforeTheApiServerServesOnceItIsUp() throws Exception {
        int port;
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort();
        }
        cluster = new ProxyTestCluster(dir, port, false);
        cluster.startProxy(false); // its first list fails: nothing listens on the port yet
        cluster.startApiServer();
        backend = new TestBackend("late", "127.0.213.1", 18080);
        cluster.service("late", "127.96.200.40", 8080, "TCP");
        cluster.slice("late", 18080, "TCP", new Ep("127.0.213.1", true));

        assertThat(eventuallyGet("the Service answers", WAIT, () -> ServiceProxyTest.request("127.96.200.40", 8080)))
                .isEqualTo("late");
    }

    @TempDir
    Path dir;
}
