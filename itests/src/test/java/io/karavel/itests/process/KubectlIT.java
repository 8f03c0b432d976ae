package io.karavel.itests.process;

import static org.hamcrest.CoreMatchers.containsString;
import static org.hamcrest.CoreMatchers.not;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertThat;
import static org.junit.Assume.assumeTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Test;

/**
 * The real kubectl against the started all-in-one distribution: the everyday workflow (apply,
 * re-apply, get, watch, delete) and the errors kubectl prints for the usual mistakes.
 */
public class KubectlIT {
    private static KaravelProcess karavel;
    private static Kubectl kubectl;

    @BeforeClass
    public static void startKaravel() throws Exception {
        assumeTrue("kubectl is not installed at " + Kubectl.BINARY, Files.isExecutable(Kubectl.BINARY));
        karavel = KaravelProcess.fromFreshCopy("kubectl", "all-in-one").start();
        Path cache = Files.createDirectories(karavel.home().resolve("kubectl-cache"));
        kubectl = new Kubectl(karavel.kubeconfig(), cache);
    }

    @AfterClass
    public static void stopKaravel() {
        if (karavel != null) {
            karavel.stop();
        }
    }

    private static String manifest(String name) {
        return Paths.get("src/test/resources/kubectl", name).toAbsolutePath().toString();
    }

    @Test
    public void listsTheFourInitialNamespaces() {
        String names = kubectl.run("get", "namespaces", "-o", "name").assertSuccess().stdout();
        for (String ns : List.of("default", "kube-system", "kube-public", "kube-node-lease")) {
            assertThat(names, containsString("namespace/" + ns + "\n"));
        }
    }

    @Test
    public void applyReapplyWatchAndDelete() throws Exception {
        String created = kubectl.run("apply", "-f", manifest("app-v1.yaml")).assertSuccess().stdout();
        assertThat(created, containsString("namespace/demo created"));
        assertThat(created, containsString("configmap/web-config created"));
        assertThat(created, containsString("deployment.apps/web created"));
        assertThat(created, containsString("service/web created"));

        // Watch the ConfigMap while it is changed by a re-apply.
        Process watch = kubectl.start("get", "configmap", "web-config", "-n", "demo", "-w",
                "-o", "jsonpath={.data.greeting}{\"\\n\"}");
        List<String> seen = new CopyOnWriteArrayList<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader lines = new BufferedReader(
                    new InputStreamReader(watch.getInputStream(), StandardCharsets.UTF_8))) {
                lines.lines().forEach(seen::add);
            } catch (Exception e) {
                // the watch process was destroyed
            }
        });
        reader.start();
        try {
            Poll.until(Duration.ofSeconds(30), "the watch to print the current value",
                    () -> seen.contains("hello"));

            String configured = kubectl.run("apply", "-f", manifest("app-v2.yaml")).assertSuccess().stdout();
            assertThat(configured, containsString("namespace/demo unchanged"));
            assertThat(configured, containsString("configmap/web-config configured"));
            assertThat(configured, containsString("deployment.apps/web configured"));
            assertThat(configured, containsString("service/web unchanged"));

            Poll.until(Duration.ofSeconds(30), "the watch to see the re-applied value",
                    () -> seen.contains("bonjour"));
        } finally {
            watch.destroy();
            reader.join(10_000);
        }

        // The strategic merge patch of the re-apply changed one env value and kept everything
        // else: the second container, the other env entry, the port.
        String yaml = kubectl.run("get", "deployment", "web", "-n", "demo", "-o", "yaml").assertSuccess().stdout();
        assertThat(yaml, containsString("replicas: 3"));
        assertThat(yaml, containsString("kubectl.kubernetes.io/last-applied-configuration"));
        assertEquals("web sidecar", kubectl.run("get", "deployment", "web", "-n", "demo", "-o",
                "jsonpath={.spec.template.spec.containers[*].name}").assertSuccess().stdout());
        assertEquals("bonjour blue", kubectl.run("get", "deployment", "web", "-n", "demo", "-o",
                "jsonpath={.spec.template.spec.containers[0].env[*].value}").assertSuccess().stdout());
        assertEquals("8080", kubectl.run("get", "deployment", "web", "-n", "demo", "-o",
                "jsonpath={.spec.template.spec.containers[0].ports[*].containerPort}").assertSuccess().stdout());
        assertEquals("2", kubectl.run("get", "deployment", "web", "-n", "demo", "-o",
                "jsonpath={.metadata.generation}").assertSuccess().stdout());

        // --wait=false returns at once; the namespace controller then removes what is left in
        // the namespace (the Deployment's ReplicaSet and pods) and finally the namespace itself.
        String deleted = kubectl.run("delete", "--wait=false", "-f", manifest("app-v2.yaml")).assertSuccess().stdout();
        assertThat(deleted, containsString("configmap \"web-config\" deleted"));
        assertThat(deleted, containsString("deployment.apps \"web\" deleted"));
        Kubectl.Result gone = kubectl.run("get", "deployment", "web", "-n", "demo");
        assertNotEquals(0, gone.exitCode());
        assertThat(gone.stderr(), containsString("NotFound"));
        Poll.until(Duration.ofSeconds(60), "the namespace controller to remove namespace demo",
                () -> kubectl.run("get", "namespace", "demo").stderr().contains("NotFound"));
        assertThat(kubectl.run("get", "replicasets,pods", "-n", "demo").stdout(), not(containsString("web")));
    }

    @Test
    public void printsKubernetesErrors() {
        kubectl.run("apply", "-f", manifest("errors-namespace.yaml")).assertSuccess();

        Kubectl.Result notFound = kubectl.run("get", "configmap", "does-not-exist", "-n", "errors");
        assertEquals(1, notFound.exitCode());
        assertThat(notFound.stderr(),
                containsString("Error from server (NotFound): configmaps \"does-not-exist\" not found"));

        kubectl.run("create", "-f", manifest("duplicate.yaml")).assertSuccess();
        Kubectl.Result exists = kubectl.run("create", "-f", manifest("duplicate.yaml"));
        assertEquals(1, exists.exitCode());
        assertThat(exists.stderr(), containsString("Error from server (AlreadyExists)"));
        assertThat(exists.stderr(), containsString("configmaps \"duplicate\" already exists"));

        Kubectl.Result invalid = kubectl.run("apply", "-f", manifest("invalid-name.yaml"));
        assertEquals(1, invalid.exitCode());
        assertThat(invalid.stderr(), containsString("The ConfigMap \"Not_A_Valid_Name\" is invalid"));
        assertThat(invalid.stderr(), containsString("metadata.name: Invalid value: \"Not_A_Valid_Name\""));

        Kubectl.Result unknownField = kubectl.run("apply", "-f", manifest("unknown-field.yaml"));
        assertEquals(1, unknownField.exitCode());
        assertThat(unknownField.stderr(), containsString("Error from server (BadRequest)"));
        assertThat(unknownField.stderr(), containsString("strict decoding error: unknown field \"colour\""));
        assertEquals("nothing of the rejected object was stored", 1,
                kubectl.run("get", "configmap", "with-unknown-field", "-n", "errors").exitCode());
    }

    /**
     * The parts of the API that need more bundles inside Karaf than the basics: protobuf bodies
     * (imperative commands), YAML (server-side apply) and the apiextensions model (CRDs).
     */
    @Test
    public void imperativeCommandsServerSideApplyAndCustomResources() {
        kubectl.run("create", "namespace", "imperative").assertSuccess();
        kubectl.run("create", "configmap", "settings", "-n", "imperative", "--from-literal=mode=fast").assertSuccess();
        kubectl.run("create", "deployment", "api", "-n", "imperative", "--image=localhost/busybox:latest").assertSuccess();
        assertEquals("fast", kubectl.run("get", "configmap", "settings", "-n", "imperative", "-o",
                "jsonpath={.data.mode}").assertSuccess().stdout());
        assertEquals("api", kubectl.run("get", "deployment", "api", "-n", "imperative", "-o",
                "jsonpath={.spec.selector.matchLabels.app}").assertSuccess().stdout());

        assertThat(kubectl.run("apply", "--server-side", "-f", manifest("server-side.yaml")).assertSuccess().stdout(),
                containsString("configmap/applied serverside-applied"));

        kubectl.run("apply", "-f", manifest("widget-crd.yaml")).assertSuccess();
        kubectl.run("wait", "--for=condition=Established", "crd/widgets.examples.karavel.io", "--timeout=60s")
                .assertSuccess();
        assertThat(kubectl.run("apply", "-f", manifest("widget-valid.yaml")).assertSuccess().stdout(),
                containsString("widget.examples.karavel.io/small created"));
        assertEquals("3", kubectl.run("get", "widget", "small", "-o", "jsonpath={.spec.size}").assertSuccess().stdout());
        Kubectl.Result invalid = kubectl.run("apply", "-f", manifest("widget-invalid.yaml"));
        assertEquals(1, invalid.exitCode());
        assertThat(invalid.stderr(), containsString("spec.size in body should be less than or equal to 10"));
    }
}
