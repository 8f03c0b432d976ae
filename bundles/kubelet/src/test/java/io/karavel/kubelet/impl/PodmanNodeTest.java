package io.karavel.kubelet.impl;

import static io.karavel.testing.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Pod;
import io.karavel.runtime.podman.impl.PodmanRuntime;
import io.karavel.runtime.podman.impl.PodmanSettings;
import io.karavel.testing.Kubectl;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The node agent running real podman pods (the default runtime), through the API server and the
 * real kubectl: two containers of a pod talking over the pod's localhost, logs and exec, a clear
 * status for an image that cannot be pulled, and the grace period of a deletion. The runtime
 * starts its own podman service (with the project's containers.conf) and stops it at the end.
 */
class PodmanNodeTest extends NodeTestSupport {

    private PodmanRuntime runtime;

    @Override
    String nodeName() {
        return "podman-node";
    }

    @Override
    PodmanRuntime runtime() {
        if (runtime == null) {
            Path containersConf = Path.of("../../config/podman/containers.conf").toAbsolutePath().normalize();
            runtime = new PodmanRuntime(PodmanSettings.startingService(dir.resolve("podman"), containersConf));
        }
        return runtime;
    }

    @AfterAll
    void stopPodman() {
        runtime.close(); // stops the podman service it started
    }

    @Test
    void twoContainersOfAPodReachEachOtherOverLocalhost() throws Exception {
        apply("""
                apiVersion: v1
                kind: Pod
                metadata: {name: duo}
                spec:
                  nodeName: NODE
                  terminationGracePeriodSeconds: 1
                  containers:
                  - name: web
                    image: localhost/busybox:latest
                    command: [sh, -c, 'mkdir -p /www && echo "served by $(hostname)" > /www/index.html && exec httpd -f -p 8080 -h /www']
                    readinessProbe: {httpGet: {path: /, port: 8080}, periodSeconds: 1}
                  - name: client
                    image: localhost/busybox:latest
                    command: [sh, -c, 'until wget -qO- http://127.0.0.1:8080/; do sleep 0.2; done; exec sleep 3600']
                """);
        Pod pod = waitFor("duo", "Running and Ready", p -> "Running".equals(p.getStatus().getPhase())
                && p.getStatus().getConditions().stream().anyMatch(c -> c.getType().equals("Ready") && c.getStatus().equals("True")));
        assertThat(pod.getStatus().getPodIP()).startsWith("10.88.");
        assertThat(container(pod, "web").getContainerID()).startsWith("podman://");
        assertThat(container(pod, "web").getImageID()).startsWith("localhost/busybox@sha256:");

        eventually("the client got the page", WAIT,
                () -> kubectl.run("logs", "duo", "-c", "client").out().contains("served by duo"));
        Kubectl.Run exec = kubectl.run("exec", "duo", "-c", "client", "--", "sh", "-c", "hostname; exit 4");
        assertThat(exec.out().trim()).isEqualTo("duo");
        assertThat(exec.exit()).isEqualTo(4);
        // The pod IP on podman's bridge answers from this host too.
        Kubectl.Run fromHost = kubectl.run("exec", "duo", "-c", "client", "--", "wget", "-qO-",
                "http://" + pod.getStatus().getPodIP() + ":8080/");
        assertThat(fromHost.out()).contains("served by duo");
    }

    @Test
    void aBridgePodGetsTheBridgeSideServiceAddressesAndClusterDns() throws Exception {
        cluster.serviceNetwork(new FakeServiceNetwork());
        createService("web-svc", "127.96.201.5", 80, "http");
        apply("""
                apiVersion: v1
                kind: Pod
                metadata: {name: bridged}
                spec:
                  nodeName: NODE
                  terminationGracePeriodSeconds: 1
                  containers:
                  - name: app
                    image: localhost/busybox:latest
                    command: [sh, -c, 'env | sort; cat /etc/resolv.conf; echo END; exec sleep 3600']
                """);
        eventually("bridged printed everything", WAIT, () -> kubectl.run("logs", "bridged").out().contains("END"));
        String out = kubectl.run("logs", "bridged").out();

        assertThat(out.lines()).contains("WEB_SVC_SERVICE_HOST=10.96.201.5", "WEB_SVC_SERVICE_PORT_HTTP=80",
                "WEB_SVC_PORT=tcp://10.96.201.5:80", "WEB_SVC_PORT_80_TCP_ADDR=10.96.201.5",
                "nameserver 10.96.0.10", "search default.svc.cluster.test svc.cluster.test cluster.test",
                "options ndots:5");
        assertThat(out).doesNotContain("127.96.201.5");
    }

    @Test
    void anImageThatCannotBePulledGetsErrImagePullThenImagePullBackOff() throws Exception {
        // A localhost name: podman's pull attempt only ever talks to this machine.
        apply("""
                apiVersion: v1
                kind: Pod
                metadata: {name: missing-image}
                spec:
                  nodeName: NODE
                  containers:
                  - {name: app, image: 'localhost/karavel-no-such-image:1', imagePullPolicy: IfNotPresent}
                """);
        Pod pulled = waitFor("missing-image", "ErrImagePull", p -> container(p, "app").getState().getWaiting() != null
                && "ErrImagePull".equals(container(p, "app").getState().getWaiting().getReason()));
        assertThat(container(pulled, "app").getState().getWaiting().getMessage())
                .contains("localhost/karavel-no-such-image:1");
        assertThat(pulled.getStatus().getPhase()).isEqualTo("Pending");
        waitFor("missing-image", "ImagePullBackOff", p -> container(p, "app").getState().getWaiting() != null
                && "ImagePullBackOff".equals(container(p, "app").getState().getWaiting().getReason()));
        eventually("kubectl shows ImagePullBackOff or ErrImagePull", WAIT, () -> {
            String line = kubectl.run("get", "pod", "missing-image", "--no-headers").out();
            return line.contains("ImagePullBackOff") || line.contains("ErrImagePull");
        });
    }

    @Test
    void deletionGivesAServerIgnoringSigtermItsGracePeriod() throws Exception {
        // busybox httpd as PID 1 ignores SIGTERM: only the SIGKILL after the grace period ends it.
        apply("""
                apiVersion: v1
                kind: Pod
                metadata: {name: stubborn}
                spec:
                  nodeName: NODE
                  terminationGracePeriodSeconds: 3
                  containers:
                  - {name: web, image: localhost/busybox:latest, command: [httpd, -f, -p, '8080']}
                """);
        waitFor("stubborn", "Running", p -> "Running".equals(p.getStatus().getPhase()));
        Instant asked = Instant.now();
        assertThat(kubectl.run("delete", "pod", "stubborn", "--wait=false").exit()).isZero();
        assertThat(client.pods().inNamespace("default").withName("stubborn").get().getMetadata().getDeletionTimestamp())
                .isNotNull();
        eventually("stubborn gone", WAIT, () -> client.pods().inNamespace("default").withName("stubborn").get() == null);
        assertThat(Duration.between(asked, Instant.now())).isGreaterThanOrEqualTo(Duration.ofSeconds(3));
        assertThat(runtime.listPodSandboxes()).noneMatch(s -> s.name().equals("stubborn"));
    }
}
