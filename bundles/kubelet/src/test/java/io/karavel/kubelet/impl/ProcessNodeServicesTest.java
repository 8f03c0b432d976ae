package io.karavel.kubelet.impl;

import static io.karavel.testing.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import io.karavel.runtime.process.impl.ProcessRuntime;
import io.karavel.testing.Kubectl;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * Services as the pods of the process runtime see them: the variables of the Services that existed
 * when a container started, and the pod's /etc/resolv.conf after its dnsPolicy.
 */
class ProcessNodeServicesTest extends NodeTestSupport {

    private ProcessRuntime runtime;

    @Override
    String nodeName() {
        return "proc-svc-node";
    }

    @Override
    ProcessRuntime runtime() {
        if (runtime == null) {
            runtime = new ProcessRuntime(dir.resolve("runtime"), "127.79.0.0/16", "test");
        }
        return runtime;
    }

    /** The logs of a pod's only container once it printed {@code marker}. */
    private String logsUntil(String pod, String marker) throws Exception {
        eventually(pod + " printed " + marker, WAIT, () -> kubectl.run("logs", pod).out().contains(marker));
        return kubectl.run("logs", pod).out();
    }

    @Test
    void containersGetTheVariablesOfTheServicesThatExistedWhenTheyStarted() throws Exception {
        createService("before-svc", "127.96.201.5", 8080, "http");
        apply("""
                apiVersion: v1
                kind: Pod
                metadata: {name: env-dump}
                spec:
                  nodeName: NODE
                  terminationGracePeriodSeconds: 1
                  containers:
                  - name: app
                    image: busybox
                    command: [sh, -c, 'env | sort; echo END; exec sleep 3600']
                    env:
                    - {name: TARGET, value: 'http://$(BEFORE_SVC_SERVICE_HOST):$(BEFORE_SVC_SERVICE_PORT_HTTP)/'}
                ---
                apiVersion: v1
                kind: Pod
                metadata: {name: no-links}
                spec:
                  nodeName: NODE
                  enableServiceLinks: false
                  terminationGracePeriodSeconds: 1
                  containers:
                  - {name: app, image: busybox, command: [sh, -c, 'env | sort; echo END; exec sleep 3600']}
                """);
        waitFor("env-dump", "Running", p -> "Running".equals(p.getStatus().getPhase()));
        createService("after-svc", "127.96.201.6", 9090, "http");

        String env = logsUntil("env-dump", "END");
        assertThat(env.lines()).contains(
                "BEFORE_SVC_SERVICE_HOST=127.96.201.5",
                "BEFORE_SVC_SERVICE_PORT=8080",
                "BEFORE_SVC_SERVICE_PORT_HTTP=8080",
                "BEFORE_SVC_PORT=tcp://127.96.201.5:8080",
                "BEFORE_SVC_PORT_8080_TCP=tcp://127.96.201.5:8080",
                "BEFORE_SVC_PORT_8080_TCP_PROTO=tcp",
                "BEFORE_SVC_PORT_8080_TCP_PORT=8080",
                "BEFORE_SVC_PORT_8080_TCP_ADDR=127.96.201.5",
                "TARGET=http://127.96.201.5:8080/");
        assertThat(env).doesNotContain("AFTER_SVC");
        Kubectl.Run exec = kubectl.run("exec", "env-dump", "--", "sh", "-c", "echo $BEFORE_SVC_PORT ${AFTER_SVC_PORT:-none}");
        assertThat(exec.out().trim()).isEqualTo("tcp://127.96.201.5:8080 none");
        assertThat(logsUntil("no-links", "END")).doesNotContain("BEFORE_SVC").doesNotContain("AFTER_SVC");
    }

    @Test
    void aPodResolvesThroughTheClusterDnsOfTheServiceNetwork() throws Exception {
        cluster.serviceNetwork(new FakeServiceNetwork());
        apply("""
                apiVersion: v1
                kind: Pod
                metadata: {name: cluster-dns}
                spec:
                  nodeName: NODE
                  terminationGracePeriodSeconds: 1
                  dnsConfig:
                    options: [{name: ndots, value: '2'}, {name: edns0}]
                  containers:
                  - {name: app, image: busybox, command: [sh, -c, 'cat /etc/resolv.conf; echo END; exec sleep 3600']}
                """);

        String resolvConf = logsUntil("cluster-dns", "END");

        assertThat(resolvConf).startsWith("""
                nameserver 127.96.0.10
                search default.svc.cluster.test svc.cluster.test cluster.test
                options ndots:2 edns0
                END""");
        Kubectl.Run exec = kubectl.run("exec", "cluster-dns", "--", "cat", "/etc/resolv.conf");
        assertThat(exec.out()).startsWith("nameserver 127.96.0.10\n");
    }

    @Test
    void defaultAndHostNetworkPodsKeepTheHostsResolverAndNoneHasOnlyItsOwn() throws Exception {
        cluster.serviceNetwork(new FakeServiceNetwork());
        apply("""
                apiVersion: v1
                kind: Pod
                metadata: {name: dns-default}
                spec:
                  nodeName: NODE
                  dnsPolicy: Default
                  containers:
                  - {name: app, image: busybox, command: [sh, -c, 'cat /etc/resolv.conf; echo END']}
                  restartPolicy: Never
                ---
                apiVersion: v1
                kind: Pod
                metadata: {name: dns-hostnet}
                spec:
                  nodeName: NODE
                  hostNetwork: true
                  containers:
                  - {name: app, image: busybox, command: [sh, -c, 'cat /etc/resolv.conf; echo END']}
                  restartPolicy: Never
                ---
                apiVersion: v1
                kind: Pod
                metadata: {name: dns-none}
                spec:
                  nodeName: NODE
                  dnsPolicy: None
                  dnsConfig: {nameservers: [127.0.0.53], searches: [corp.example]}
                  containers:
                  - {name: app, image: busybox, command: [sh, -c, 'cat /etc/resolv.conf; echo END']}
                  restartPolicy: Never
                """);
        String host = Files.readString(Path.of("/etc/resolv.conf"));

        assertThat(logsUntil("dns-default", "END")).isEqualTo(host + "END\n");
        assertThat(logsUntil("dns-hostnet", "END")).isEqualTo(host + "END\n");
        assertThat(logsUntil("dns-none", "END")).isEqualTo("nameserver 127.0.0.53\nsearch corp.example\nEND\n");
    }
}
