package io.karavel.kubelet.impl;

import static io.karavel.testing.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.karavel.runtime.process.impl.ProcessRuntime;
import io.karavel.testing.Kubectl;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * The node agent running real pods on the process runtime, driven through the API server with
 * the real kubectl: pod networking, restart policies and back-off, probes, logs and exec,
 * graceful deletion, and adoption by a restarted agent.
 */
class ProcessNodeTest extends NodeTestSupport {

    static final String NODE = "proc-node";

    private ProcessRuntime runtime;

    @Override
    String nodeName() {
        return NODE;
    }

    @Override
    ProcessRuntime runtime() {
        if (runtime == null) {
            runtime = new ProcessRuntime(dir.resolve("runtime"), "127.78.0.0/16", "test");
        }
        return runtime;
    }

    @Test
    void twoContainersOfAPodReachEachOtherOnThePodAddress() throws Exception {
        apply("""
                apiVersion: v1
                kind: Pod
                metadata: {name: duo}
                spec:
                  nodeName: NODE
                  terminationGracePeriodSeconds: 1
                  containers:
                  - name: web
                    image: busybox
                    command: [sh, -c]
                    args: ['d=$(mktemp -d) && echo "hello from $(POD_NAME)" > $d/index.html && exec busybox httpd -f -p $POD_IP:8080 -h $d']
                    env:
                    - {name: POD_NAME, valueFrom: {fieldRef: {fieldPath: metadata.name}}}
                  - name: client
                    image: busybox
                    command: [sh, -c, 'until busybox wget -qO- http://$POD_IP:8080/; do sleep 0.2; done; exec sleep 3600']
                """);
        Pod pod = waitFor("duo", "Running and Ready", p -> "Running".equals(p.getStatus().getPhase()) && isReady(p));
        assertThat(pod.getStatus().getPodIP()).startsWith("127.78.");
        assertThat(kubectl.run("get", "pod", "duo", "-o", "wide", "--no-headers").out())
                .contains("2/2", "Running", pod.getStatus().getPodIP(), NODE);
        assertThat(kubectl.run("get", "node", NODE, "-o", "wide", "--no-headers").out())
                .contains("Ready", "127.0.0.1", "process://test");

        eventually("the client got the page", WAIT,
                () -> kubectl.run("logs", "duo", "-c", "client").out().contains("hello from duo"));
        eventually("describe shows the node agent's events", WAIT, () -> {
            String described = kubectl.run("describe", "pod", "duo").out();
            return described.contains("Created container: web") && described.contains("Started container client");
        });
        Kubectl.Run exec = kubectl.run("exec", "duo", "-c", "client", "--", "sh", "-c", "echo $POD_IP; exit 3");
        assertThat(exec.out().trim()).isEqualTo(pod.getStatus().getPodIP());
        assertThat(exec.exit()).isEqualTo(3);
    }

    @Test
    void alwaysRestartsACrashingContainerWithGrowingBackOff() throws Exception {
        apply("""
                apiVersion: v1
                kind: Pod
                metadata: {name: crasher}
                spec:
                  nodeName: NODE
                  containers:
                  - {name: app, image: busybox, command: [sh, -c, 'echo attempt; exit 7']}
                """);
        Pod pod = waitFor("crasher", "restarted twice", p -> p.getStatus().getContainerStatuses() != null
                && container(p, "app").getRestartCount() >= 2);
        ContainerStatus app = container(pod, "app");
        assertThat(pod.getStatus().getPhase()).isEqualTo("Running");
        assertThat(app.getLastState().getTerminated().getExitCode()).isEqualTo(7);
        assertThat(app.getLastState().getTerminated().getReason()).isEqualTo("Error");
        waitFor("crasher", "in CrashLoopBackOff", p -> container(p, "app").getState().getWaiting() != null
                && "CrashLoopBackOff".equals(container(p, "app").getState().getWaiting().getReason()));
        eventually("kubectl shows CrashLoopBackOff", WAIT,
                () -> kubectl.run("get", "pod", "crasher", "--no-headers").out().contains("CrashLoopBackOff"));
        eventually("a BackOff event", WAIT, () -> kubectl.run("describe", "pod", "crasher").out()
                .contains("Back-off restarting failed container app in pod crasher_default"));
        Kubectl.Run previous = kubectl.run("logs", "crasher", "--previous");
        assertThat(previous.out()).contains("attempt");
    }

    @Test
    void onFailureAndNeverEndInSucceededAndFailed() throws Exception {
        apply("""
                apiVersion: v1
                kind: Pod
                metadata: {name: done-ok}
                spec:
                  nodeName: NODE
                  restartPolicy: OnFailure
                  containers:
                  - {name: app, image: busybox, command: [sh, -c, 'echo done']}
                ---
                apiVersion: v1
                kind: Pod
                metadata: {name: done-bad}
                spec:
                  nodeName: NODE
                  restartPolicy: Never
                  initContainers:
                  - {name: init, image: busybox, command: [sh, -c, 'echo init ran']}
                  containers:
                  - {name: app, image: busybox, command: [sh, -c, 'exit 2']}
                """);
        Pod ok = waitFor("done-ok", "Succeeded", p -> "Succeeded".equals(p.getStatus().getPhase()));
        assertThat(container(ok, "app").getRestartCount()).isZero();
        assertThat(container(ok, "app").getState().getTerminated().getReason()).isEqualTo("Completed");
        assertThat(kubectl.run("get", "pod", "done-ok", "--no-headers").out()).contains("Completed");
        Pod bad = waitFor("done-bad", "Failed", p -> "Failed".equals(p.getStatus().getPhase()));
        assertThat(container(bad, "app").getState().getTerminated().getExitCode()).isEqualTo(2);
        assertThat(bad.getStatus().getInitContainerStatuses().get(0).getState().getTerminated().getExitCode()).isZero();
        assertThat(kubectl.run("logs", "done-bad", "-c", "init").out()).contains("init ran");
    }

    @Test
    void probesDriveRestartsReadinessAndStart() throws Exception {
        Path started = dir.resolve("started-flag");
        Path ready = dir.resolve("ready-flag");
        apply("""
                apiVersion: v1
                kind: Pod
                metadata: {name: probed}
                spec:
                  nodeName: NODE
                  terminationGracePeriodSeconds: 1
                  containers:
                  - name: live
                    image: busybox
                    command: [sleep, '3600']
                    livenessProbe: {exec: {command: ['false']}, periodSeconds: 1, failureThreshold: 2}
                  - name: gated
                    image: busybox
                    command: [sleep, '3600']
                    startupProbe: {exec: {command: [test, -f, STARTED]}, periodSeconds: 1, failureThreshold: 600}
                    readinessProbe: {exec: {command: [test, -f, READY]}, periodSeconds: 1}
                """.replace("STARTED", started.toString()).replace("READY", ready.toString()));
        waitFor("probed", "liveness restarts", p -> p.getStatus().getContainerStatuses() != null
                && container(p, "live").getRestartCount() >= 1);
        eventually("Unhealthy and Killing events", WAIT, () -> {
            String events = kubectl.run("get", "events", "--field-selector", "involvedObject.name=probed").out();
            return events.contains("Liveness probe failed") && events.contains("failed liveness probe, will be restarted");
        });

        Pod pod = waitFor("probed", "gated running", p -> container(p, "gated").getState().getRunning() != null);
        assertThat(container(pod, "gated").getStarted()).isFalse();
        assertThat(container(pod, "gated").getReady()).isFalse();

        Files.writeString(started, "");
        waitFor("probed", "gated started", p -> Boolean.TRUE.equals(container(p, "gated").getStarted()));
        Files.writeString(ready, "");
        waitFor("probed", "gated ready", p -> Boolean.TRUE.equals(container(p, "gated").getReady()));
        Files.delete(ready);
        pod = waitFor("probed", "gated unready again", p -> Boolean.FALSE.equals(container(p, "gated").getReady()));
        assertThat(isReady(pod)).isFalse();
        assertThat(container(pod, "gated").getRestartCount()).isZero();
    }

    @Test
    void deletionWaitsForTheGracePeriodOfAProcessIgnoringSigterm() throws Exception {
        apply("""
                apiVersion: v1
                kind: Pod
                metadata: {name: stubborn}
                spec:
                  nodeName: NODE
                  terminationGracePeriodSeconds: 3
                  containers:
                  - {name: app, image: busybox, command: [sh, -c, 'trap "" TERM; echo up; while true; do sleep 1; done']}
                """);
        waitFor("stubborn", "Running", p -> "Running".equals(p.getStatus().getPhase()));
        Instant asked = Instant.now();
        Kubectl.Run delete = kubectl.run("delete", "pod", "stubborn", "--wait=false");
        assertThat(delete.exit()).as(delete.err()).isZero();
        Pod terminating = client.pods().inNamespace("default").withName("stubborn").get();
        assertThat(terminating).isNotNull();
        assertThat(terminating.getMetadata().getDeletionTimestamp()).isNotNull();
        eventually("stubborn gone", WAIT, () -> client.pods().inNamespace("default").withName("stubborn").get() == null);
        // It ignored SIGTERM, so only the SIGKILL after the grace period ended it.
        assertThat(Duration.between(asked, Instant.now())).isGreaterThanOrEqualTo(Duration.ofSeconds(3));
    }

    @Test
    void aRestartedAgentAdoptsRunningContainersWithoutRestartingThem() throws Exception {
        Path ready = dir.resolve("survivor-ready");
        Files.writeString(ready, "");
        apply("""
                apiVersion: v1
                kind: Pod
                metadata: {name: survivor}
                spec:
                  nodeName: NODE
                  terminationGracePeriodSeconds: 1
                  containers:
                  - name: app
                    image: busybox
                    command: [sleep, '3600']
                    readinessProbe: {exec: {command: [test, -f, READY]}, periodSeconds: 1}
                """.replace("READY", ready.toString()));
        Pod before = waitFor("survivor", "Ready", NodeTestSupport::isReady);
        String containerId = container(before, "app").getContainerID();

        restartAgent();

        // The new agent keeps the same container and follows it: its probes see the flag go.
        Files.delete(ready);
        Pod after = waitFor("survivor", "unready through the new agent", p -> !isReady(p));
        assertThat(container(after, "app").getContainerID()).isEqualTo(containerId);
        assertThat(container(after, "app").getRestartCount()).isZero();
        assertThat(container(after, "app").getState().getRunning()).isNotNull();
    }

    @Test
    void aRestartedAgentRemovesWhatNoPodAsksForAnyMore() throws Exception {
        apply("""
                apiVersion: v1
                kind: Pod
                metadata: {name: forgotten}
                spec:
                  nodeName: NODE
                  terminationGracePeriodSeconds: 1
                  containers:
                  - {name: app, image: busybox, command: [sleep, '3600']}
                """);
        Pod pod = waitFor("forgotten", "Running", p -> "Running".equals(p.getStatus().getPhase()));
        String uid = pod.getMetadata().getUid();

        cluster.stopNode(agent);
        // Forced deletion while no agent runs: the API forgets the pod, its container keeps running.
        Kubectl.Run delete = kubectl.run("delete", "pod", "forgotten", "--grace-period=0", "--force");
        assertThat(delete.exit()).as(delete.err()).isZero();
        assertThat(runtime.listPodSandboxes()).anyMatch(s -> s.uid().equals(uid));

        agent = cluster.startNode(TestCluster.settings(NODE, dir.resolve("kubelet-" + NODE), 0), runtime);
        eventually("the orphan sandbox removed", WAIT,
                () -> runtime.listPodSandboxes().stream().noneMatch(s -> s.uid().equals(uid)));
    }
}
