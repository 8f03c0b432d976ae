package io.karavel.apiserver.impl;

import io.karavel.testing.Kubectl;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.karavel.store.mapdb.impl.MapDbStore;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/**
 * A test API server over a real in-memory store, and the real kubectl pointed at it with a
 * private HOME, kubeconfig and cache, one pair per test class. The class is skipped when kubectl
 * is not installed.
 */
abstract class KubectlTestSupport {
    @TempDir
    static Path dir;

    static TestServer server;
    static Path kubeconfig;
    static Kubectl kubectl;

    @BeforeAll
    static void startServerAndKubectl() throws Exception {
        assumeTrue(Kubectl.installed(), "kubectl not found at " + Kubectl.BINARY + ": skipping the real-kubectl test");
        kubeconfig = dir.resolve("etc/kubeconfig");
        server = new TestServer(MapDbStore.Options.defaults(), kubeconfig);
        kubectl = new Kubectl(dir, kubeconfig);
    }

    @AfterAll
    static void stopServer() throws Exception {
        if (server != null) {
            server.close();
            server = null;
        }
    }

    /** Runs kubectl and asserts it succeeded. */
    static Kubectl.Run ok(String... args) throws Exception {
        Kubectl.Run run = kubectl.run(args);
        assertThat(run.exit()).as("kubectl " + String.join(" ", args) + ": " + run.err()).isZero();
        return run;
    }

    /** Writes a file (a manifest) into this class's temporary directory. */
    static Path write(String name, String content) throws Exception {
        Path file = dir.resolve(name);
        Files.writeString(file, content);
        return file;
    }
}
