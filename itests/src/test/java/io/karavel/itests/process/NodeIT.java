package io.karavel.itests.process;

import static org.junit.Assert.assertThat;
import static org.hamcrest.CoreMatchers.containsString;
import static org.hamcrest.CoreMatchers.equalTo;
import static org.hamcrest.CoreMatchers.startsWith;
import static org.junit.Assume.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import org.junit.After;
import org.junit.Before;
import org.junit.Test;

/**
 * The node agent inside the real distribution (all-in-one): on the process runtime, when the JVM
 * is killed with {@code kill -9} and started again, the new agent adopts the pod's running
 * container instead of restarting it and serves its logs and exec again; on podman (the default
 * runtime) the README's example pod runs.
 */
public class NodeIT {
    private static final Duration WAIT = Duration.ofSeconds(180);

    private KaravelProcess karavel;
    private Kubectl kubectl;

    @Before
    public void checkKubectl() {
        assumeTrue("kubectl is not installed at " + Kubectl.BINARY, Files.isExecutable(Kubectl.BINARY));
    }

    private void startKaravel(String runtime) throws Exception {
        karavel = KaravelProcess.fromFreshCopy("node-" + runtime, "all-in-one").withEnv("KARAVEL_RUNTIME", runtime).start();
        kubectl = new Kubectl(karavel.kubeconfig(), Files.createDirectories(karavel.home().resolve("kubectl-cache")));
        Poll.until(WAIT, "node Ready", () -> kubectl.run("get", "node", karavel.nodeName(), "-o",
                "jsonpath={.status.conditions[?(@.type==\"Ready\")].status}").stdout().equals("True"));
    }

    @After
    public void stopKaravel() {
        if (karavel != null) {
            // Pods outlive a killed JVM: delete them through the API while the agent runs, then stop.
            kubectl.run("delete", "pods", "--all", "--grace-period=1");
            karavel.stop();
        }
    }

    private String jsonPath(String pod, String path) {
        return kubectl.run("get", "pod", pod, "-o", "jsonpath={" + path + "}").assertSuccess().stdout();
    }

    private void apply(String manifest) throws Exception {
        apply(Paths.get("src/test/resources/node", manifest));
    }

    private void apply(Path source) throws Exception {
        Path file = karavel.home().resolve(source.getFileName());
        Files.writeString(file, Files.readString(source).replace("NODE", karavel.nodeName()));
        kubectl.run("apply", "-f", file.toString()).assertSuccess();
    }

    @Test
    public void aKilledNodeAgentAdoptsItsRunningPodsWhenItComesBack() throws Exception {
        startKaravel("process");
        apply("ticker.yaml");
        Poll.until(WAIT, "ticker running", () -> kubectl.run("get", "pod", "ticker", "-o",
                "jsonpath={.status.phase}").stdout().equals("Running"));
        String containerId = jsonPath("ticker", ".status.containerStatuses[0].containerID");
        String podIp = jsonPath("ticker", ".status.podIP");
        Poll.until(WAIT, "ticker logging", () -> kubectl.run("logs", "ticker").stdout().contains("tick 2"));

        karavel.killJvm();
        karavel.start();

        // The new agent serves the same container: its exec and logs work, the count goes on.
        Poll.until(WAIT, "exec through the new agent", () -> kubectl.run("exec", "ticker", "--", "sh", "-c",
                "echo $POD_IP").stdout().trim().equals(podIp));
        assertThat(jsonPath("ticker", ".status.containerStatuses[0].containerID"), equalTo(containerId));
        assertThat(jsonPath("ticker", ".status.containerStatuses[0].restartCount"), equalTo("0"));
        String lastLine = kubectl.run("logs", "ticker", "--tail=1").assertSuccess().stdout().trim();
        int lastTick = Integer.parseInt(lastLine.substring("tick ".length()));
        Poll.until(WAIT, "ticks continue after tick " + lastTick, () -> {
            String now = kubectl.run("logs", "ticker", "--tail=1").stdout().trim();
            return now.startsWith("tick ") && Integer.parseInt(now.substring(5)) > lastTick;
        });
        assertThat(kubectl.run("logs", "ticker").stdout(), containsString("tick 0\n"));
    }

    /** The README's example pod on the default runtime, podman, in the distribution as shipped. */
    @Test
    public void theExamplePodRunsOnPodman() throws Exception {
        startKaravel("podman");
        apply(Paths.get("../examples/pods/web-and-client.yaml"));
        Poll.until(WAIT, "both containers ready", () -> kubectl.run("get", "pod", "web-and-client", "-o",
                "jsonpath={.status.containerStatuses[*].ready}").stdout().equals("true true"));
        assertThat(jsonPath("web-and-client", ".status.podIP"), startsWith("10.88."));
        Poll.until(WAIT, "the client got the page", () -> kubectl.run("logs", "web-and-client", "-c", "client")
                .stdout().contains("hello from web-and-client"));
        assertThat(kubectl.run("get", "node", karavel.nodeName(), "-o", "jsonpath={.status.nodeInfo.containerRuntimeVersion}")
                .assertSuccess().stdout(), startsWith("podman://"));
    }
}
