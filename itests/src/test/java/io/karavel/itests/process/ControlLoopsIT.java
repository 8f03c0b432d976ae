package io.karavel.itests.process;

import static org.hamcrest.CoreMatchers.containsString;
import static org.hamcrest.CoreMatchers.equalTo;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assume.assumeTrue;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.FixMethodOrder;
import org.junit.Test;
import org.junit.runners.MethodSorters;

/**
 * The control loops end to end, as a user drives them with kubectl: an all-in-one Karavel (its
 * node on the process runtime) plus a second JVM in the node profile hosting three hollow
 * (simulated) nodes. Deployments roll out, scale and roll back; a namespace deletion takes
 * everything with it; the default scheduling strategy switches from spread to binpack while
 * running; and when the hollow nodes' JVM is killed, their pods come back on the remaining node.
 * The tests run in name order: the node failure comes last.
 */
@FixMethodOrder(MethodSorters.NAME_ASCENDING)
public class ControlLoopsIT {
    private static final Duration WAIT = Duration.ofSeconds(120);
    private static final Path RESOURCES = Paths.get("src/test/resources/control");

    private static KaravelProcess master;
    private static KaravelProcess hollowNodes;
    private static Kubectl kubectl;
    private static KubernetesClient client;

    @BeforeClass
    public static void startCluster() throws Exception {
        assumeTrue("kubectl is not installed at " + Kubectl.BINARY, Files.isExecutable(Kubectl.BINARY));
        master = KaravelProcess.fromFreshCopy("control", "all-in-one")
                // short node-failure timings (the grace still above the 10 s heartbeat) so the eviction test
                // takes seconds, not minutes
                .withEnv("KARAVEL_NODE_MONITOR_GRACE_SECONDS", "20")
                .withEnv("KARAVEL_DEFAULT_TOLERATION_SECONDS", "3")
                .start();
        hollowNodes = KaravelProcess.fromFreshCopy("control-hollow", "node")
                .withEnv("KARAVEL_API_SERVER", master.apiUrl())
                .withEnv("KARAVEL_RUNTIME", "simulated")
                .withEnv("KARAVEL_SIMULATED_NODES", "3")
                // hollow nodes run no pods: no service proxy in their JVM
                .withEnv("KARAVEL_PROXY_ENABLED", "false");
        hollowNodes.start();
        kubectl = new Kubectl(master.kubeconfig(), Files.createDirectories(master.home().resolve("kubectl-cache")));
        client = new KubernetesClientBuilder()
                .withConfig(new ConfigBuilder().withMasterUrl(master.apiUrl()).withNamespace("default").build())
                .build();
        Poll.until(WAIT, "four Ready nodes", () -> readyNodes() == 4);
    }

    @AfterClass
    public static void stopCluster() {
        if (client != null) {
            // The process runtime's pods outlive the JVM: let the live node agent stop them
            // before stopping it. Pods of dead hollow nodes can only be removed by force.
            kubectl.run("delete", "deployments", "--all", "--wait=false");
            Poll.until(WAIT, "no pods on " + master.nodeName(), () -> client.pods().inAnyNamespace()
                    .withField("spec.nodeName", master.nodeName()).list().getItems().isEmpty());
            kubectl.run("delete", "pods", "--all", "--force", "--grace-period=0");
            client.close();
        }
        if (hollowNodes != null) {
            hollowNodes.kill();
        }
        if (master != null) {
            master.stop();
        }
    }

    private static long readyNodes() {
        return client.nodes().list().getItems().stream()
                .filter(n -> n.getStatus() != null && n.getStatus().getConditions() != null
                        && n.getStatus().getConditions().stream()
                                .anyMatch(c -> c.getType().equals("Ready") && c.getStatus().equals("True")))
                .count();
    }

    private static void apply(String manifest) {
        kubectl.run("apply", "-f", RESOURCES.resolve(manifest).toString()).assertSuccess();
    }

    private static List<Pod> livePods(String namespace, String app) {
        return client.pods().inNamespace(namespace).withLabel("app", app).list().getItems().stream()
                .filter(p -> p.getMetadata().getDeletionTimestamp() == null)
                .collect(Collectors.toList());
    }

    private static boolean isReady(Pod pod) {
        if (pod.getStatus() == null || pod.getStatus().getConditions() == null) {
            return false;
        }
        for (PodCondition c : pod.getStatus().getConditions()) {
            if (c.getType().equals("Ready")) {
                return c.getStatus().equals("True");
            }
        }
        return false;
    }

    private static void awaitRunning(String namespace, String app, int count) {
        Poll.until(WAIT, count + " running " + app + " pods", () -> {
            List<Pod> pods = livePods(namespace, app);
            return pods.size() == count && pods.stream().allMatch(ControlLoopsIT::isReady);
        });
    }

    private static Set<String> nodesOf(List<Pod> pods) {
        return pods.stream().map(p -> p.getSpec().getNodeName()).collect(Collectors.toSet());
    }

    private static String deploymentImage() {
        return kubectl.run("get", "deployment", "web", "-o", "jsonpath={.spec.template.spec.containers[0].image}")
                .assertSuccess().stdout();
    }

    @Test
    public void t1_deploymentRollsOutSpreadsRollsBackAndScales() throws Exception {
        apply("web-deployment.yaml");
        awaitRunning("default", "web", 3);
        // the default strategy (spread) puts the three replicas on three nodes
        assertEquals(3, nodesOf(livePods("default", "web")).size());
        kubectl.run("rollout", "status", "deployment/web", "--timeout=60s").assertSuccess();

        // a new image rolls out without ever exceeding maxSurge or dipping below maxUnavailable
        List<String> violations = new CopyOnWriteArrayList<>();
        AtomicBoolean watching = new AtomicBoolean(true);
        Thread monitor = new Thread(() -> {
            while (watching.get()) {
                List<Pod> pods = livePods("default", "web");
                long ready = pods.stream().filter(ControlLoopsIT::isReady).count();
                if (pods.size() > 4 || ready < 3) {
                    violations.add(pods.size() + " pods, " + ready + " ready");
                }
                Poll.pause();
            }
        }, "rollout-monitor");
        monitor.start();
        kubectl.run("set", "image", "deployment/web", "web=busybox:2").assertSuccess();
        kubectl.run("rollout", "status", "deployment/web", "--timeout=90s").assertSuccess();
        watching.set(false);
        monitor.join();
        assertTrue("maxSurge 1 / maxUnavailable 0 violated: " + violations, violations.isEmpty());
        awaitRunning("default", "web", 3);
        assertTrue(livePods("default", "web").stream()
                .allMatch(p -> p.getSpec().getContainers().get(0).getImage().equals("busybox:2")));

        String history = kubectl.run("rollout", "history", "deployment/web").assertSuccess().stdout();
        assertThat(history, containsString("1"));
        assertThat(history, containsString("2"));

        kubectl.run("rollout", "undo", "deployment/web").assertSuccess();
        kubectl.run("rollout", "status", "deployment/web", "--timeout=90s").assertSuccess();
        assertThat(deploymentImage(), equalTo("busybox:1"));
        awaitRunning("default", "web", 3);
        assertThat(kubectl.run("get", "deployment", "web", "-o",
                "jsonpath={.metadata.annotations.deployment\\.kubernetes\\.io/revision}").assertSuccess().stdout(), equalTo("3"));

        kubectl.run("scale", "deployment/web", "--replicas=10").assertSuccess();
        awaitRunning("default", "web", 10);
        kubectl.run("scale", "deployment/web", "--replicas=2").assertSuccess();
        awaitRunning("default", "web", 2);
        kubectl.run("rollout", "status", "deployment/web", "--timeout=60s").assertSuccess();
    }

    @Test
    public void t2_deletingANamespaceDeletesEverythingInIt() {
        apply("doomed-namespace.yaml");
        awaitRunning("doomed", "api", 2);
        Poll.until(WAIT, "endpoints of the api service", () -> kubectl.run("get", "endpoints", "api", "-n", "doomed",
                "-o", "jsonpath={.subsets[*].addresses[*].ip}").stdout().split(" ").length == 2);

        kubectl.run("delete", "namespace", "doomed", "--wait=false").assertSuccess();
        Poll.until(WAIT, "namespace doomed gone",
                () -> kubectl.run("get", "namespace", "doomed").stderr().contains("NotFound"));
        assertTrue(client.pods().inNamespace("doomed").list().getItems().isEmpty());
        assertTrue(client.apps().replicaSets().inNamespace("doomed").list().getItems().isEmpty());
        assertTrue(client.configMaps().inNamespace("doomed").list().getItems().isEmpty());
    }

    @Test
    public void t3_theDefaultStrategySwitchesWhileRunning() throws Exception {
        kubectl.run("create", "deployment", "spread", "--image=busybox:1", "--replicas=4", "--", "sleep", "3600")
                .assertSuccess();
        awaitRunning("default", "spread", 4);
        assertTrue(nodesOf(livePods("default", "spread")).size() >= 3);

        // the same change a user makes: edit etc/io.karavel.scheduler.cfg; Karaf picks it up
        Path config = master.home().resolve("etc/io.karavel.scheduler.cfg");
        Files.writeString(config, Files.readString(config).replaceAll("(?m)^default\\.profile\\s*=.*$", "default.profile = binpack"));
        // binpack fills the most allocated node first: every replica lands on one node (retried
        // until Karaf has delivered the edited configuration)
        Poll.until(WAIT, "a binpacked deployment", () -> {
            kubectl.run("delete", "deployment", "packed", "--wait=true");
            kubectl.run("create", "deployment", "packed", "--image=busybox:1", "--replicas=4", "--", "sleep", "3600")
                    .assertSuccess();
            awaitRunning("default", "packed", 4);
            return nodesOf(livePods("default", "packed")).size() == 1;
        });
        kubectl.run("delete", "deployment", "spread", "packed").assertSuccess();

        // a pod no node can take stays Pending with the scheduler's reasons
        kubectl.run("run", "nowhere", "--image=busybox:1", "--overrides",
                "{\"spec\":{\"nodeSelector\":{\"disk\":\"none\"}}}", "--", "sleep", "1").assertSuccess();
        Poll.until(WAIT, "a FailedScheduling event", () -> kubectl.run("get", "events", "--field-selector",
                "involvedObject.name=nowhere,reason=FailedScheduling", "-o", "jsonpath={.items[*].message}")
                .stdout().contains("0/4 nodes are available"));
        kubectl.run("delete", "pod", "nowhere", "--grace-period=0").assertSuccess();
        Files.writeString(config, Files.readString(config).replaceAll("(?m)^default\\.profile\\s*=.*$", "default.profile = spread"));
    }

    @Test
    public void t4_podsOfADeadNodeComeBackElsewhere() {
        kubectl.run("scale", "deployment/web", "--replicas=4").assertSuccess();
        awaitRunning("default", "web", 4);
        Set<String> before = nodesOf(livePods("default", "web"));
        assertTrue("pods on hollow nodes: " + before, before.stream().anyMatch(n -> !n.equals(master.nodeName())));

        hollowNodes.kill();
        // unreachable after the grace period, evicted after the toleration, recreated on the live node
        Poll.until(WAIT, "every web pod on " + master.nodeName(), () -> {
            List<Pod> pods = livePods("default", "web");
            return pods.size() == 4 && pods.stream().allMatch(ControlLoopsIT::isReady)
                    && nodesOf(pods).equals(Set.of(master.nodeName()));
        });
        String taints = kubectl.run("get", "node", hollowNodes.nodeName() + "-0", "-o", "jsonpath={.spec.taints[*].key}")
                .assertSuccess().stdout();
        assertThat(taints, containsString("node.kubernetes.io/unreachable"));
    }
}
