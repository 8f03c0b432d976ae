package io.karavel.apiserver.impl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.karavel.store.mapdb.impl.MapDbStore;
import io.karavel.testing.Kubectl;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The admin kubeconfig of one master and of a master among several ({@code kubeconfig.servers}),
 * read by the real kubectl.
 */
class KubeconfigTest {
    @TempDir
    Path dir;

    @Test
    void aSingleMasterHasOneClusterAndContext() throws Exception {
        String text = Kubeconfig.render("http://127.0.0.1:6443");
        assertThat(text).isEqualTo(Kubeconfig.render("http://127.0.0.1:6443", List.of()));
        assertThat(text.split("server: ", -1)).hasSize(2);
        assertThat(text).contains("server: http://127.0.0.1:6443", "current-context: karavel");
    }

    @Test
    void theServersSettingIsACommaSeparatedList() {
        assertThat(ApiServerComponent.kubeconfigServers("")).isEmpty();
        assertThat(ApiServerComponent.kubeconfigServers(" http://10.0.0.1:6443, ,http://10.0.0.2:6443 "))
                .containsExactly("http://10.0.0.1:6443", "http://10.0.0.2:6443");
    }

    @Test
    void everyMasterGetsAContextNamedAfterItsPlaceInTheList() throws Exception {
        assumeKubectl();
        Path file = dir.resolve("kubeconfig");
        Kubeconfig.write(file, "http://127.0.0.1:6444",
                List.of("http://127.0.0.1:6443", "http://127.0.0.1:6444/", "http://127.0.0.1:6445"));
        Kubectl kubectl = new Kubectl(dir, file);

        Kubectl.Run contexts = ok(kubectl, "config", "get-contexts");
        assertThat(contexts.out().lines().skip(1).map(l -> l.trim().split("\\s+")))
                .extracting(columns -> String.join(" ", columns))
                .containsExactly("* karavel karavel admin default", "karavel-1 karavel-1 admin default",
                        "karavel-3 karavel-3 admin default");
        assertThat(server(kubectl, "karavel")).isEqualTo("http://127.0.0.1:6444");
        assertThat(server(kubectl, "karavel-1")).isEqualTo("http://127.0.0.1:6443");
        assertThat(server(kubectl, "karavel-3")).isEqualTo("http://127.0.0.1:6445");
    }

    @Test
    void kubectlReachesEachMasterThroughItsContext() throws Exception {
        assumeKubectl();
        Path file = dir.resolve("etc/kubeconfig");
        try (MapDbStore store = MapDbStore.openInMemory(MapDbStore.Options.defaults());
                ApiServer other = new ApiServer(store, new ApiServerSettings("127.0.0.1", 0, null))) {
            other.start();
            try (ApiServer master = new ApiServer(store, new ApiServerSettings("127.0.0.1", 0, file)
                    .withKubeconfigServers(List.of(other.url())))) {
                master.start();
                Kubectl kubectl = new Kubectl(dir, file);
                assertThat(ok(kubectl, "config", "get-contexts", "-o", "name").out().lines())
                        .containsExactly("karavel", "karavel-1");
                assertThat(server(kubectl, "karavel")).isEqualTo(master.url());
                assertThat(server(kubectl, "karavel-1")).isEqualTo(other.url());
                ok(kubectl, "get", "namespace", "default");
                ok(kubectl, "--context", "karavel-1", "get", "namespace", "default");

                other.close();

                ok(kubectl, "get", "namespace", "default");
                assertThat(kubectl.run("--context", "karavel-1", "get", "namespace", "default").exit())
                        .as("the other master is gone").isNotZero();
            }
        }
    }

    private static void assumeKubectl() {
        assumeTrue(Kubectl.installed(), "kubectl not found at " + Kubectl.BINARY + ": skipping the real-kubectl test");
    }

    private static String server(Kubectl kubectl, String context) throws Exception {
        return ok(kubectl, "config", "view", "--minify", "--context", context, "-o",
                "jsonpath={.clusters[0].cluster.server}").out();
    }

    private static Kubectl.Run ok(Kubectl kubectl, String... args) throws Exception {
        Kubectl.Run run = kubectl.run(args);
        assertThat(run.exit()).as("kubectl " + String.join(" ", args) + ": " + run.err()).isZero();
        return run;
    }
}
