package io.karavel.runtime.process.impl;

import static org.assertj.core.api.Assertions.assertThat;

import io.karavel.api.runtime.ContainerStatus;
import io.karavel.api.runtime.LogOptions;
import io.karavel.api.runtime.PodSandbox;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The containers of a pod reach each other over the pod's own loopback IP. */
class ProcessRuntimePodNetworkTest extends ProcessRuntimeTestSupport {

    @Test
    void aClientContainerFetchesFromTheServerContainerOfItsPodOverPodIp() throws Exception {
        Path site = Files.createDirectories(root.resolve("site"));
        Files.writeString(site.resolve("index.html"), "hello from the pod\n");
        PodSandbox pod = sandbox("web");
        String server = run(pod.id(), container("server",
                sh("exec /bin/busybox httpd -f -p \"$POD_IP:8080\" -h " + site)));
        // The client retries (quietly) until the server listens: the two start in parallel, as in Kubernetes.
        String client = run(pod.id(), container("client",
                sh("for i in $(seq 200); do /bin/busybox wget -qO- \"http://$POD_IP:8080/index.html\" 2>/dev/null && exit 0;"
                        + " sleep 0.05; done; exit 1")));

        ContainerStatus clientStatus = awaitExited(client);

        assertThat(clientStatus.exitCode()).isZero();
        assertThat(logs(client, LogOptions.ALL)).isEqualTo("hello from the pod\n");
        assertThat(runtime.containerStatus(server).orElseThrow().state()).isEqualTo(ContainerStatus.State.RUNNING);
    }

    @Test
    void twoPodsServeTheSamePortBecauseEachHasItsOwnIp() throws Exception {
        PodSandbox first = sandbox("first");
        PodSandbox second = sandbox("second");
        String firstClient = runWebPod(first, "first pod");
        String secondClient = runWebPod(second, "second pod");

        assertThat(awaitExited(firstClient).exitCode()).isZero();
        assertThat(awaitExited(secondClient).exitCode()).isZero();
        assertThat(logs(firstClient, LogOptions.ALL)).isEqualTo("first pod\n");
        assertThat(logs(secondClient, LogOptions.ALL)).isEqualTo("second pod\n");
    }

    /** Starts an httpd on $POD_IP:8080 serving {@code content} and a client fetching it; returns the client. */
    private String runWebPod(PodSandbox pod, String content) throws Exception {
        Path site = Files.createDirectories(root.resolve("site-" + pod.name()));
        Files.writeString(site.resolve("index.html"), content + "\n");
        run(pod.id(), container("server", sh("exec /bin/busybox httpd -f -p \"$POD_IP:8080\" -h " + site)));
        return run(pod.id(), container("client",
                sh("for i in $(seq 200); do /bin/busybox wget -qO- \"http://$POD_IP:8080/index.html\" 2>/dev/null && exit 0;"
                        + " sleep 0.05; done; exit 1")));
    }
}
