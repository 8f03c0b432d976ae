package io.karavel.itests.paxexam;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import javax.inject.Inject;
import org.apache.karaf.shell.api.console.Session;
import org.apache.karaf.shell.api.console.SessionFactory;
import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;

/**
 * The {@code karavel} shell commands in the all-in-one profile, run through Karaf sessions as a
 * user types them: tables have kubectl's columns and the expected rows, changes happen, and
 * errors are one line. Only shell commands are used (no API types), so this class needs no
 * helper to keep API packages away from the probe before the features are installed.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class ShellIT extends KaravelKarafTestSupport {

    @Inject
    SessionFactory sessionFactory;

    @Configuration
    public Option[] configuration() {
        return karavelDistribution();
    }

    /** What a command printed, and the line of its error (null when it succeeded). */
    private record Outcome(String output, String error) {
        List<List<String>> table() {
            List<List<String>> rows = new ArrayList<>();
            for (String line : output.strip().split("\\R")) {
                if (!line.isBlank()) {
                    rows.add(List.of(line.strip().split("\\s{2,}")));
                }
            }
            return rows;
        }

        /** The row whose first cell is {@code first}, or null. */
        List<String> row(String first) {
            return table().stream().filter(r -> r.get(0).equals(first)).findFirst().orElse(null);
        }
    }

    @Before
    public void installAllInOneWithTheShell() throws Exception {
        install("karavel-all-in-one");
        install("karavel-shell");
        ApiServerView.awaitReady(this);
        // the commands register asynchronously: the base class retries until they exist
        executeCommand(sessionFactory, "karavel:get namespaces");
    }

    /** Runs a command; a failure is returned (its message is what the console prints), not thrown. */
    private Outcome run(String command) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        try (Session session = sessionFactory.create(System.in, out, out)) {
            session.execute(command);
            out.flush();
            return new Outcome(bytes.toString(StandardCharsets.UTF_8), null);
        } catch (Exception e) {
            out.flush();
            return new Outcome(bytes.toString(StandardCharsets.UTF_8), e.getMessage());
        }
    }

    private Outcome succeed(String command) {
        Outcome outcome = run(command);
        assertNull("'" + command + "' failed: " + outcome.error() + "\n" + outcome.output(), outcome.error());
        return outcome;
    }

    /** The error of a command that must fail: one line, no stack trace. */
    private String fail(String command) {
        Outcome outcome = run(command);
        assertNotNull("'" + command + "' should fail; printed:\n" + outcome.output(), outcome.error());
        assertFalse("one line: " + outcome.error(), outcome.error().contains("\n"));
        assertFalse("no stack trace: " + outcome.output(), outcome.output().contains("\tat "));
        return outcome.error();
    }

    private static Path manifest(String name, String yaml) throws IOException {
        Path dir = Files.createDirectories(Paths.get("target", "paxexam", "manifests")).toAbsolutePath();
        return Files.writeString(dir.resolve(name), yaml);
    }

    @Test
    public void getListsKindsWithKubectlColumnsAndErrorsAreOneLine() throws Exception {
        Outcome namespaces = succeed("karavel:get ns");
        assertEquals(List.of("NAME", "STATUS", "AGE"), namespaces.table().get(0));
        assertEquals("Active", namespaces.row("kube-system").get(1));
        assertNotNull(namespaces.row("default"));

        Outcome names = succeed("karavel:get namespaces -o name");
        assertTrue(names.output(), names.output().contains("namespace/kube-public"));
        Outcome yaml = succeed("karavel:get ns default -o yaml");
        assertTrue(yaml.output(), yaml.output().startsWith("apiVersion: v1\nkind: Namespace\n"));
        Outcome services = succeed("karavel:get svc -n kube-system -o wide");
        assertEquals(List.of("NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE", "SELECTOR"), services.table().get(0));
        assertNotNull(services.row("kube-dns"));
        Outcome described = succeed("karavel:describe ns kube-system");
        assertTrue(described.output(), described.output().contains("Name:         kube-system\n"));
        assertTrue(described.output(), described.output().contains("Events:"));

        assertEquals("error: the server doesn't have a resource type \"foo\"", fail("karavel:get foo"));
        assertEquals("Error from server (NotFound): namespaces \"nope\" not found", fail("karavel:get pods -n nope"));
        assertEquals("Error from server (NotFound): configmaps \"absent\" not found", fail("karavel:describe cm absent"));
        assertEquals("Error from server (NotFound): deployments.apps \"absent\" not found", fail("karavel:delete deploy absent"));

        Path bad = manifest("bad.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n    bad: indentation\n");
        String badYaml = fail("karavel:apply -f " + bad);
        assertTrue(badYaml, badYaml.startsWith("error: " + bad + ": "));
        assertTrue("the error says where: " + badYaml, badYaml.contains("line"));
        Path missingNamespace = manifest("missing-ns.yaml",
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  namespace: does-not-exist\n");
        String refused = fail("karavel:apply -f " + missingNamespace);
        assertTrue(refused, refused.startsWith("Error from server (NotFound): "));
        assertTrue(refused, refused.contains("does-not-exist"));
    }

    @Test
    public void applyRolloutLogsScaleDescribeAndDeleteAWorkload() throws Exception {
        Path app = manifest("app.yaml", """
                apiVersion: v1
                kind: Namespace
                metadata:
                  name: shell-it
                ---
                apiVersion: v1
                kind: ConfigMap
                metadata:
                  name: settings
                  namespace: shell-it
                  labels:
                    app: web
                data:
                  greeting: hello
                ---
                apiVersion: apps/v1
                kind: Deployment
                metadata:
                  name: web
                  namespace: shell-it
                spec:
                  replicas: 1
                  selector:
                    matchLabels:
                      app: web
                  template:
                    metadata:
                      labels:
                        app: web
                    spec:
                      terminationGracePeriodSeconds: 1
                      containers:
                      - name: main
                        image: busybox
                        command: ["sh", "-c", "echo hello-from-shell-it; exec sleep 3600"]
                """);
        List<String> created = succeed("karavel:apply -f " + app).output().lines().toList();
        assertEquals(List.of("namespace/shell-it created", "configmap/settings created", "deployment.apps/web created"), created);
        List<String> again = succeed("karavel:apply -f " + app).output().lines().toList();
        assertEquals(List.of("namespace/shell-it unchanged", "configmap/settings unchanged", "deployment.apps/web unchanged"), again);

        Outcome rollout = succeed("karavel:rollout-status deployment/web -n shell-it --timeout 90s");
        List<String> progress = rollout.output().lines().toList();
        assertEquals("deployment \"web\" successfully rolled out", progress.get(progress.size() - 1));

        Outcome deployments = succeed("karavel:get deploy -n shell-it");
        assertEquals(List.of("NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"), deployments.table().get(0));
        assertEquals(List.of("web", "1/1", "1", "1"), deployments.row("web").subList(0, 4));

        Outcome pods = succeed("karavel:get pods -n shell-it -l app=web -o wide");
        assertEquals(List.of("NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP", "NODE"), pods.table().get(0));
        assertEquals(2, pods.table().size());
        List<String> pod = pods.table().get(1);
        assertTrue(pod.get(0), pod.get(0).startsWith("web-"));
        assertEquals(List.of("1/1", "Running", "0"), pod.subList(1, 4));
        assertEquals("paxexam-node", pod.get(6));

        Outcome everywhere = succeed("karavel:get pods -A");
        assertEquals(List.of("NAMESPACE", "NAME", "READY", "STATUS", "RESTARTS", "AGE"), everywhere.table().get(0));
        assertNotNull(everywhere.row("shell-it"));

        String podName = pod.get(0);
        await("the pod's log through the API server", () -> run("karavel:logs " + podName + " -n shell-it --tail 10")
                .output().contains("hello-from-shell-it"));
        Outcome described = succeed("karavel:describe pod " + podName + " -n shell-it");
        assertTrue(described.output(), described.output().contains("Controlled By:  ReplicaSet/"));
        assertTrue(described.output(), described.output().contains("Events:\n"));
        assertTrue("the scheduler's event: " + described.output(), described.output().contains("Scheduled"));

        assertEquals("deployment.apps/web scaled\n", succeed("karavel:scale deploy web --replicas 2 -n shell-it").output());
        succeed("karavel:rollout-status deploy/web -n shell-it --timeout 90s");
        assertEquals("2/2", succeed("karavel:get deploy web -n shell-it").row("web").get(1));

        assertEquals("deployment.apps \"web\" deleted\n", succeed("karavel:delete deployment web -n shell-it").output());
        assertEquals("configmap \"settings\" deleted\n", succeed("karavel:delete cm/settings -n shell-it").output());
        // the process runtime's pods outlive Karaf: let the node agent stop them before the test ends
        await("the Deployment's pods gone", () -> !run("karavel:get pods -n shell-it").output().contains("web-"));
    }

    @Test
    public void nodesRuntimesStrategiesAndControllers() throws Exception {
        await("the node Ready in node-list", () -> {
            List<String> row = run("karavel:node-list").row("paxexam-node");
            return row != null && row.get(1).equals("Ready");
        });
        assertEquals(List.of("NAME", "STATUS", "ROLES", "RUNTIME", "PODS", "VERSION", "AGE"),
                succeed("karavel:node-list").table().get(0));

        // a Node object that publishes its runtimes, without an agent: the commands only write to it
        Path fake = manifest("fake-node.yaml", """
                apiVersion: v1
                kind: Node
                metadata:
                  name: shell-it-fake
                  labels:
                    karavel.io/runtime: process
                  annotations:
                    karavel.io/available-runtimes: process,simulated
                ---
                apiVersion: v1
                kind: Pod
                metadata:
                  name: bare
                  namespace: default
                spec:
                  nodeName: shell-it-fake
                  containers:
                  - name: main
                    image: busybox
                    command: ["sleep", "3600"]
                """);
        succeed("karavel:apply -f " + fake);
        Outcome runtimes = succeed("karavel:runtime-list");
        assertEquals(List.of("NODE", "CURRENT", "AVAILABLE", "REQUESTED"), runtimes.table().get(0));
        assertNotNull(runtimes.row("paxexam-node"));
        assertEquals(List.of("shell-it-fake", "process", "process,simulated", "<none>"), runtimes.row("shell-it-fake"));
        assertEquals("error: runtime \"podman\" is not available on node \"shell-it-fake\" (available: process, simulated)",
                fail("karavel:runtime-set shell-it-fake podman"));
        assertEquals("node/shell-it-fake runtime-request set to simulated (current: process)\n",
                succeed("karavel:runtime-set shell-it-fake simulated").output());
        assertEquals("simulated", succeed("karavel:runtime-list shell-it-fake").row("shell-it-fake").get(3));

        assertEquals("node/shell-it-fake cordoned\n", succeed("karavel:node-cordon shell-it-fake").output());
        assertTrue(succeed("karavel:get no shell-it-fake").row("shell-it-fake").get(1).endsWith(",SchedulingDisabled"));
        assertEquals("node/shell-it-fake uncordoned\n", succeed("karavel:node-cordon --undo shell-it-fake").output());
        String refused = fail("karavel:node-drain shell-it-fake");
        assertTrue(refused, refused.contains("cannot delete Pods that declare no controller (use --force to override): default/bare"));
        List<String> drained = succeed("karavel:node-drain --force --grace-period 0 --timeout 60s shell-it-fake").output().lines().toList();
        assertTrue(drained.toString(), drained.contains("evicting pod default/bare"));
        assertEquals("node/shell-it-fake drained", drained.get(drained.size() - 1));
        succeed("karavel:delete node shell-it-fake");

        Outcome strategies = succeed("karavel:scheduler-strategy-list");
        assertEquals(List.of("NAME", "DEFAULT", "READY", "MISSING-PLUGINS"), strategies.table().get(0));
        assertEquals(List.of("spread", "true", "true", "<none>"), strategies.row("spread"));
        assertEquals("false", strategies.row("binpack").get(1));
        assertEquals("default scheduling strategy set to binpack\n", succeed("karavel:scheduler-strategy-set binpack").output());
        assertEquals("true", succeed("karavel:scheduler-strategy-list").row("binpack").get(1));
        succeed("karavel:scheduler-strategy-set spread");
        String unknown = fail("karavel:scheduler-strategy-set nope");
        assertTrue(unknown, unknown.startsWith("error: no scheduling strategy \"nope\""));

        Outcome controllers = succeed("karavel:controller-list");
        assertEquals(List.of("NAME", "BUNDLE", "STATE", "WORKERS", "QUEUE", "RECONCILES", "ERRORS", "LAST-ERROR"),
                controllers.table().get(0));
        for (String name : List.of("deployment", "replicaset", "namespace", "garbagecollector")) {
            List<String> row = controllers.row(name);
            assertNotNull(name + " in " + controllers.output(), row);
            assertEquals("io.karavel.controllers", row.get(1));
            assertEquals("running", row.get(2));
        }

        // a single master: no replicated store, so no control plane to list
        String cluster = succeed("karavel:cluster-status").output();
        assertTrue(cluster, cluster.startsWith("standalone master (no HA control plane)  revision: "));
        assertTrue(cluster, cluster.contains("  api-url: http://"));
    }
}
