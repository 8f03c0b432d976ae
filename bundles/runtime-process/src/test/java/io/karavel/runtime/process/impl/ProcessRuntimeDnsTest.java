package io.karavel.runtime.process.impl;

import static org.assertj.core.api.Assertions.assertThat;

import io.karavel.api.runtime.DnsConfig;
import io.karavel.api.runtime.ExecProcess;
import io.karavel.api.runtime.LogOptions;
import io.karavel.api.runtime.PodSandbox;
import io.karavel.api.runtime.PodSandboxConfig;
import io.karavel.api.runtime.RuntimeLabels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * A pod's resolver: its resolv.conf bind-mounted over /etc/resolv.conf in the containers' private
 * mount namespace (needs root), the host's file untouched.
 */
class ProcessRuntimeDnsTest extends ProcessRuntimeTestSupport {

    private static final DnsConfig CLUSTER_DNS = new DnsConfig(List.of("127.96.0.10"),
            List.of("shop.svc.cluster.local", "svc.cluster.local", "cluster.local"), List.of("ndots:5"));

    private PodSandbox sandboxWith(String name, DnsConfig dns) {
        String uid = UUID.randomUUID().toString();
        return runtime.runPodSandbox(new PodSandboxConfig(uid, "shop", name, null,
                Map.of(RuntimeLabels.POD_UID, uid, RuntimeLabels.POD_NAME, name, RuntimeLabels.POD_NAMESPACE, "shop"),
                Map.of(), dns));
    }

    @Test
    void podsShareTheHostsNetwork() {
        assertThat(runtime.podsOnHostNetwork()).isTrue();
    }

    @Test
    void containersAndExecSeeThePodsResolvConfWhileTheHostKeepsItsOwn() throws Exception {
        Assumptions.assumeTrue(HostProcesses.runningAsRoot(), "bind mounts need root");
        String hostBefore = Files.readString(Path.of("/etc/resolv.conf"));
        PodSandbox pod = sandboxWith("resolver", CLUSTER_DNS);

        String once = run(pod.id(), container("once", List.of("cat", "/etc/resolv.conf")));
        assertThat(awaitExited(once).exitCode()).isZero();
        assertThat(logs(once, LogOptions.ALL)).isEqualTo("""
                nameserver 127.96.0.10
                search shop.svc.cluster.local svc.cluster.local cluster.local
                options ndots:5
                """);

        String app = run(pod.id(), container("app", List.of("sleep", "1000")));
        try (ExecProcess cat = runtime.exec(app, List.of("cat", "/etc/resolv.conf"), false, false)) {
            assertThat(new String(cat.stdout().readAllBytes(), StandardCharsets.UTF_8))
                    .isEqualTo(CLUSTER_DNS.resolvConf());
            assertThat(cat.waitFor()).isZero();
        }
        assertThat(Files.readString(Path.of("/etc/resolv.conf"))).isEqualTo(hostBefore);
    }

    @Test
    void aPodWithoutAResolverSeesTheHosts() throws Exception {
        PodSandbox pod = sandboxWith("hostdns", null);

        String id = run(pod.id(), container("cat", List.of("cat", "/etc/resolv.conf")));

        assertThat(awaitExited(id).exitCode()).isZero();
        assertThat(logs(id, LogOptions.ALL)).isEqualTo(Files.readString(Path.of("/etc/resolv.conf")));
    }
}
